#!/usr/bin/env python3
"""1 against 2 threads for the sparse forward (issue 16 item 5) on a shared machine.

Runs `fitformer bench model` (TinyBERT shape, 90 % HP) for each binary given as NAME=PATH,
fp32 and int8, REPS times: the binaries' order alternates per repetition and the thread order
(--threads 1,2 or 2,1) per run, each run under nice -n 19. Appends one JSON line per (run,
thread count) to OUT with the 1-minute load average at the start and end of the run, then
prints, over this invocation's runs only (OUT may hold earlier sweeps, whose repetition numbers
would pair with these), per binary, precision and thread count the median, min and max of the
median wall ms per forward, and per run the 1-thread / 2-thread ratio (both from one process).

Usage: scripts/bench_threads.py REPS OUT NAME=PATH [NAME=PATH ...]
"""
import json
import statistics
import subprocess
import sys


def load1():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def sweep(reps, out_path, bins):
    """Runs the sweep, appends its rows to out_path and returns them."""
    names = list(bins)
    rows = []
    with open(out_path, "a") as out:
        for r in range(reps):
            for prec in ("fp32", "int8"):
                order_names = names if r % 2 == 0 else names[::-1]
                for k, name in enumerate(order_names):
                    order = "1,2" if (r + k) % 2 == 0 else "2,1"
                    start = load1()
                    p = subprocess.run(
                        ["nice", "-n", "19", bins[name], "bench", "model", "--family",
                         "bert-classifier", "--sparsity", "0.9", "--precision", prec,
                         "--threads", order, "--min-time", "0.3", "--json"],
                        capture_output=True, text=True, check=True)
                    end = load1()
                    for row in json.loads(p.stdout)["rows"]:
                        rows.append({"rep": r, "bin": name, "precision": prec,
                                     "order": order, "load1": start, "load1_end": end,
                                     "threads": row["threads"], "sparse_ms": row["sparse_ms"],
                                     "dense_ms": row["dense_ms"]})
                        print(json.dumps(rows[-1]), file=out, flush=True)
    return rows


def summarize(rows, names):
    for prec in ("fp32", "int8"):
        for name in names:
            for t in (1, 2):
                s = [r for r in rows
                     if r["bin"] == name and r["precision"] == prec and r["threads"] == t]
                if not s:
                    continue
                ms = [r["sparse_ms"] for r in s]
                loads = [r["load1"] for r in s] + [r["load1_end"] for r in s]
                print(f"{prec} {name} threads {t}: runs {len(s)}, sparse median "
                      f"{statistics.median(ms):.2f} ms (min {min(ms):.2f}, max {max(ms):.2f}), "
                      f"dense median {statistics.median(r['dense_ms'] for r in s):.1f} ms, "
                      f"load {min(loads)}-{max(loads)}")
            ratios = []
            for rep in sorted({r["rep"] for r in rows}):
                s = {r["threads"]: r["sparse_ms"] for r in rows
                     if r["bin"] == name and r["precision"] == prec and r["rep"] == rep}
                if 1 in s and 2 in s:
                    ratios.append(s[1] / s[2])
            if ratios:
                print(f"{prec} {name}: 1-thread / 2-thread per run, median "
                      f"{statistics.median(ratios):.3f} (range {min(ratios):.3f}-{max(ratios):.3f})")


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    bins = dict(arg.split("=", 1) for arg in sys.argv[3:])
    summarize(sweep(int(sys.argv[1]), sys.argv[2], bins), list(bins))


if __name__ == "__main__":
    main()
