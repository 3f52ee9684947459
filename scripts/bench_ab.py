#!/usr/bin/env python3
"""Side-by-side timing of two or more kernels_bench binaries (before/after a kernel change).

Usage: scripts/bench_ab.py ROUNDS FILTER NAME=BINARY [NAME=BINARY ...]

Each round runs every binary once (one process each, order reversed on odd rounds so that a
drifting background load hits both sides alike) with --benchmark_min_time=0.3,
--benchmark_repetitions=3 and the given --benchmark_filter, and keeps each process's median
thread CPU time per benchmark. Prints, per benchmark and binary, the median over the processes
(us), their range, and every process's value in run order.

Then the ratios that the issue's targets are stated in, each taken within one process (so a
slow moment of the machine hits both sides) and summarized by the median over the processes:
per SpMM benchmark, oneDNN's time on the same shape and N over the kernel's ("x oneDNN"), and
per int8 benchmark, the fp32 kernel's time over the int8 one ("int8 / fp32"; the int8 kernel on
prebuilt quads, spmm_hpf_i8_fused_quads, against spmm_hpf_f32_prepared).
"""
import json
import re
import statistics
import subprocess
import sys

UNIT_US = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}
# The fp32 kernel an int8 one is compared with: its name with f32 for i8, except the int8 kernel
# on prebuilt quads, which is compared with the fp32 kernel reading its X as it is.
FP32_TWIN = {"spmm_hpf_i8_fused_quads": "spmm_hpf_f32_prepared"}


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
    print_ratios(times, [name for name, _ in binaries])


def ratio_line(label, num, den, names):
    """num and den map binary name -> [us per process]; ratios are num / den per process."""
    line = label
    for name in names:
        a, b = num.get(name, []), den.get(name, [])
        if a and len(a) == len(b):
            r = [x / y for x, y in zip(a, b)]
            line += f" | {name} {statistics.median(r):.2f}x ({min(r):.2f}-{max(r):.2f})"
    return line


def print_ratios(times, names):
    lines = []
    for bench in times:
        m = re.match(r"spmm_hpf_(f32|i8)(_prepared|_fused_quads)?/(\d+x\d+)/N(\d+)/", bench)
        if not m:
            continue
        dense = f"gemm_dense_f32/{m.group(3)}/N{m.group(4)}/"
        for other in times:
            if other.startswith(dense):
                lines.append(ratio_line(f"x oneDNN: {bench}", times[other], times[bench], names))
        if m.group(1) == "i8":
            kernel = bench.split("/", 1)[0]
            twin = FP32_TWIN.get(kernel, kernel.replace("spmm_hpf_i8", "spmm_hpf_f32", 1))
            fp32 = twin + bench[len(kernel):]
            if fp32 in times:
                lines.append(ratio_line(f"int8 / fp32: {bench}", times[fp32], times[bench], names))
    if lines:
        print("\nratios within each process, median (range):")
        print("\n".join(lines))


if __name__ == "__main__":
    main()
