#!/usr/bin/env bash
# Runs the HPF kernels against their peers (bench/train/sparse_peers_bench.cc: oneDNN sgemm,
# libtorch dense and CSR mm) on the same matrices, the way docs/kernels.md reports it: median of
# 3 repetitions. OPENBLAS_CORETYPE=SkylakeX: OpenBLAS 0.3.21 does not know Zen 4 and would fall
# back to older kernels for libtorch's dense mm.
# Usage: bench/train/run_peers.sh [build dir, default build/release] [extra flags]
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=${1:-build/release}
shift || true
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-SkylakeX}
OMP_WAIT_POLICY=passive "$dir/bench/train_bench" --benchmark_filter='^peers/' \
  --benchmark_repetitions=3 --benchmark_report_aggregates_only=true --benchmark_min_time=0.2 "$@"
