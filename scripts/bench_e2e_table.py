#!/usr/bin/env python3
"""Markdown table of scripts/bench_e2e.sh's JSON files: wall and process CPU ms per forward.
Usage: scripts/bench_e2e_table.py OUTDIR [OUTDIR ...]
With several OUTDIRs (repeated sweeps, say on a shared machine), each cell is the median over
the sweeps of that run's figure, the CPU speed-up the median of the per-run ratios (dense and
sparse of one run are timed interleaved in one process), and a last column gives the range of
those ratios."""
import glob, json, os, statistics, sys
from collections import defaultdict

runs = defaultdict(list)  # (fam, prec, sp, threads) -> [(dw, sw, dc, sc)]
# Per op (the --breakdown of each run): process CPU ms for the 1-thread TinyBERT runs at 90 and
# 95 %, dense engine and sparse runtime side by side (the second table).
ops = defaultdict(list)  # (prec, sp, op) -> [(dense_cpu, sparse_cpu)]
for out in sys.argv[1:]:
    for f in sorted(glob.glob(os.path.join(out, "*.json"))):
        try:
            j = json.load(open(f))
        except (OSError, ValueError) as e:  # a run that failed or is still writing: say so
            print(f"skipped {f}: {e}", file=sys.stderr)
            continue
        fam, prec, sp = os.path.basename(f)[:-5].split("_")
        for r in j["rows"]:
            b = r["breakdown"]
            runs[(fam, prec, float(sp), r["threads"])].append(
                (r["dense_ms"], r["sparse_ms"], b["dense_cpu_ms"], b["sparse_cpu_ms"]))
            if fam == "bert-classifier" and sp.startswith("0.9") and r["threads"] == 1:
                for o in b["ops"]:
                    ops[(prec, float(sp), o["op"])].append((o["dense_cpu_ms"], o["sparse_cpu_ms"]))

med = statistics.median
print("| model | precision | sparsity | threads | runs | dense ms (wall) | sparse ms (wall) | "
      "speed-up (wall) | dense ms (CPU) | sparse ms (CPU) | speed-up (CPU) | CPU speed-up range |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for (fam, prec, sp, t), rs in sorted(runs.items()):
    dw, sw = med(r[0] for r in rs), med(r[1] for r in rs)
    dc, sc = med(r[2] for r in rs), med(r[3] for r in rs)
    wall = med(r[0] / r[1] for r in rs)
    ratios = [r[2] / r[3] for r in rs]
    # Process CPU time of a 2-thread run sums both threads: not a latency, shown in brackets.
    if t == 1:
        cpu = f"{dc:.2f} | {sc:.2f} | {med(ratios):.2f}x | {min(ratios):.2f}-{max(ratios):.2f}x"
    else:
        cpu = f"({dc:.2f}) | ({sc:.2f}) | - | -"
    print(f"| {fam} | {prec} | {sp*100:.0f}% | {t} | {len(rs)} | {dw:.2f} | {sw:.2f} | "
          f"{wall:.2f}x | {cpu} |")

# The per-op table: median over the sweeps.
if ops:
    cols = sorted({(p, s) for p, s, _ in ops})
    print()
    print("| op | " + " | ".join(f"dense {p} {s*100:.0f}% | sparse {p} {s*100:.0f}%" for p, s in cols) + " |")
    print("|---|" + "---:|---:|" * len(cols))
    names = list(dict.fromkeys(o for _, _, o in ops))
    for name in names:
        cells = []
        for p, s in cols:
            v = ops.get((p, s, name), [])
            cells.append(f"{med(x[0] for x in v):.3f} | {med(x[1] for x in v):.3f}" if v else "- | -")
        print(f"| {name} | " + " | ".join(cells) + " |")
