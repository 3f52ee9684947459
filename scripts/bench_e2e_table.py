#!/usr/bin/env python3
"""Markdown table of scripts/bench_e2e.sh's JSON files: wall and process CPU ms per forward.
Usage: scripts/bench_e2e_table.py OUTDIR"""
import glob, json, os, sys
out = sys.argv[1]
rows = []
for f in sorted(glob.glob(os.path.join(out, "*.json"))):
    try:
        j = json.load(open(f))
    except (OSError, ValueError) as e:  # a run that failed or is still writing: say so
        print(f"skipped {f}: {e}", file=sys.stderr)
        continue
    name = os.path.basename(f)[:-5]
    fam, prec, sp = name.split("_")
    for r in j["rows"]:
        b = r["breakdown"]
        rows.append((fam, prec, float(sp), r["threads"], r["dense_ms"], r["sparse_ms"],
                     r["speedup_vs_dense"], b["dense_cpu_ms"], b["sparse_cpu_ms"],
                     b["dense_cpu_ms"] / b["sparse_cpu_ms"]))
print("| model | precision | sparsity | threads | dense ms (wall) | sparse ms (wall) | speed-up (wall) | dense ms (CPU) | sparse ms (CPU) | speed-up (CPU) |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for fam, prec, sp, t, dw, sw, xw, dc, sc, xc in sorted(rows, key=lambda r: (r[0], r[1], r[2], r[3])):
    cpu = f"{dc:.2f} | {sc:.2f} | {xc:.2f}x" if t == 1 else f"({dc:.2f}) | ({sc:.2f}) | -"
    print(f"| {fam} | {prec} | {sp*100:.0f}% | {t} | {dw:.2f} | {sw:.2f} | {xw:.2f}x | {cpu} |")
