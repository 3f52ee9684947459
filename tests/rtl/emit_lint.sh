#!/usr/bin/env bash
# `fitformer rtl emit` on a sized configuration, then Verilator lints the emitted design with
# -Wall from the output folder: emit_lint.sh FITFORMER VERILATOR ACCELERATOR_JSON OUT_DIR
set -euo pipefail
fitformer=$1 verilator=$2 json=$3 out=$4
rm -rf "$out"
"$fitformer" rtl emit --accelerator "$json" --out "$out"
cd "$out"
"$verilator" --lint-only -Wall -f files.f --top-module hpa_sized_top
echo "emitted design lints clean"
