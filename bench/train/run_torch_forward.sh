#!/usr/bin/env bash
# Runs the engine-vs-libtorch forward benchmark (bench/train/torch_forward_bench.cc) the way
# docs/models.md reports it: median of 3 repetitions. OpenBLAS 0.3.21 does not know recent
# CPUs (Xeon Sapphire Rapids, AMD Zen 4) and falls back to older kernels; SkylakeX gives
# libtorch's GEMMs AVX-512, so the engine is compared against libtorch at its best.
# libtorch runs with OMP_WAIT_POLICY=passive (as `fitformer train` runs it): its OpenMP team
# otherwise spins on the cores OpenBLAS's threads need, and 2 threads run slower than 1. The
# engine runs with libgomp's defaults.
# Usage: bench/train/run_torch_forward.sh [build dir, default build/release] [extra flags]
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=${1:-build/release}
shift || true
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-SkylakeX}
flags=(--benchmark_repetitions=3 --benchmark_report_aggregates_only=true --benchmark_min_time=1)
OMP_WAIT_POLICY=passive "$dir/bench/train_bench" --benchmark_filter=Torch "${flags[@]}" "$@"
"$dir/bench/train_bench" --benchmark_filter=Engine "${flags[@]}" "$@"
