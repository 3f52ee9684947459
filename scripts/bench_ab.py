#!/usr/bin/env python3
"""Side-by-side timing of two or more kernels_bench binaries (before/after a kernel change).

Usage: scripts/bench_ab.py ROUNDS FILTER NAME=BINARY [NAME=BINARY ...]

Each round runs every binary once (one process each, order reversed on odd rounds so that a
drifting background load hits both sides alike) with --benchmark_min_time=0.3,
--benchmark_repetitions=3 and the given --benchmark_filter, and keeps each process's median
thread CPU time per benchmark. Prints, per benchmark and binary, the median over the processes
(us), their range, and every process's value in run order.
"""
import json
import statistics
import subprocess
import sys

UNIT_US = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    rounds, pattern = int(sys.argv[1]), sys.argv[2]
    binaries = [arg.split("=", 1) for arg in sys.argv[3:]]
    times = {}  # benchmark -> binary name -> [us per process]
    for r in range(rounds):
        for name, binary in binaries if r % 2 == 0 else binaries[::-1]:
            out = subprocess.run(
                [binary, "--benchmark_min_time=0.3", "--benchmark_repetitions=3",
                 "--benchmark_report_aggregates_only=true", "--benchmark_format=json",
                 "--benchmark_filter=" + pattern],
                capture_output=True, text=True, check=True).stdout
            for b in json.loads(out)["benchmarks"]:
                if b.get("aggregate_name") == "median":
                    us = b["cpu_time"] * UNIT_US[b["time_unit"]]
                    times.setdefault(b["run_name"], {}).setdefault(name, []).append(us)
    for bench, per_binary in times.items():
        line = bench
        for name, _ in binaries:
            v = per_binary.get(name, [])
            if v:
                line += (f" | {name} {statistics.median(v):.1f} ({min(v):.1f}-{max(v):.1f}) ["
                         + " ".join(f"{x:.0f}" for x in v) + "]")
        print(line)


if __name__ == "__main__":
    main()
