#!/usr/bin/env bash
# The end-to-end sweep behind docs/kernels.md's issue-16 table: `fitformer bench model` on the
# TinyBERT and quick sotu-lm shapes (random weights), fp32 and int8 HPF, at each sparsity, 1 and
# 2 threads, with the per-op breakdown, one JSON file per run. Summarize with
# scripts/bench_e2e_table.py OUTDIR.
# Usage: scripts/bench_e2e.sh FITFORMER_BINARY OUTDIR [sparsities, default "0.5 0.7 0.9 0.95"]
#        [threads, default 1,2]
set -u
bin=$1
out=$2
sparsities=${3:-0.5 0.7 0.9 0.95}
threads=${4:-1,2}
mkdir -p "$out"
for fam in bert-classifier causal-lm; do
  for p in fp32 int8; do
    for sp in $sparsities; do
      "$bin" bench model --family "$fam" --sparsity "$sp" --precision "$p" --threads "$threads" \
        --breakdown --min-time 0.3 --json >"$out/${fam}_${p}_${sp}.json" \
        2>"$out/${fam}_${p}_${sp}.err"
      echo "$fam $p $sp done $(date +%T) load $(cut -d' ' -f1 /proc/loadavg)"
    done
  done
done
