// The analytical model of the HP accelerator (DESIGN.md §4, view 2): cycles per operation in
// closed form, derived on paper from the RTL's schedule (rtl/, docs/rtl.md), cheap enough for
// the per-device search. It shares no code with the cycle simulator, only the spec, workload
// and mapping types; analytical_test measures how far apart the two are.
//
// Linear layer (M rows, K inputs, N tokens, k1 kept segments per block, n weights per bank;
// P PEs, B banks, Bc, L token lanes):
//   bw = Bc / B, blocks = ceil(K / Bc), R = ceil(k1 / P) rounds per step, NB = P rounded up to
//   a power of two (output banks), Q = ceil(M / NB), D = 5 + ceil(log2 B) (a slot's pipeline),
//   T tokens per tile (the most whose K x T inputs and M x T accumulators fit the buffers,
//   capped by the mapping, a multiple of L), G(t) = ceil(t / L) steps per block for t tokens.
//   Commit gaps: the commit stage writes one accumulator per output bank per cycle. The deal
//   spreads each bank's rows over the rounds and puts the rounds where banks hold extra rows
//   together, so when a bank holds c of a block's rows, e = (c - (v-1)R)+ rounds need v cycles
//   for it, and E[max over the NB banks of e] rounds reach v; the kept rows are a random k1 of
//   M, so c is hypergeometric (M rows, M / NB in the bank, k1 drawn); a step waits g = the
//   sum of that over v > n (0 when k1 = M).
//   Step: S = R n + g cycles, S' = R n + g (R - 1) / R of them before its last slot; a step
//   lasts C = max(S, bw, (S' + bw + 1) / 2): the next input slice takes bw cycles, and the
//   slice after it may load only once this step's predecessor has released its half.
//   Weights, streamed: a block's image holds Y = 2RP + RnP(B w + ceil(B ob / 8)) bytes (w
//   value bytes, ob offset bits; dummy segments pad the last round), the first block also
//   8 Q NB bytes of per-row requantization (no bias: the workloads carry none). The port takes
//   a beat of b bytes per cycle (b: the power of two covering the off-chip bytes per cycle,
//   at most the largest power of two dividing 2P, lowered while a beat would complete more
//   than P value or offset groups); a block arrives in x = max(ceil(Y / rate), ceil(Y / b))
//   cycles, and the next request waits for its decode: one block every X = x + 3 cycles.
//   Layer: the first slot goes out at I = max(bw + 3, x0 + 3) + 1 (x0: the first block).
//   Within a tile, blocks follow each other every max(G C, X) cycles (streamed) or G C
//   (resident); a tile's last slot comes (G - 1) C + S - g / R - 1 cycles after its last
//   block's first. A tile's drain ends D + m + Q t + 2 cycles after its last slot (m = 1 + g
//   / R: the last round's commit); the next tile starts 3 cycles later, or once its first
//   block has arrived; the layer's last value leaves 7 cycles after the last drain read.
// The dense design (spec.design kDense, dense_stream.h): k1 = M, n = bw, NB = P, so Q = R and
//   g = 0; Y = R n P B w (values only, no rows, no offsets); the beat b is the power of two
//   covering the off-chip bytes per cycle, at most the largest power of two dividing 4P and
//   P B w; a block is usable 3 cycles after its last byte (no conflict counter to wait for).
// MatMulOp: a dense resident layer (k1 = M, n = bw, g = 0), times count.
// VectorOp: passes * ceil(elements / vector_lanes) (softmax and LayerNorm 3 passes).
#pragma once

#include <cstdint>
#include <vector>

#include "accel/accel_spec.h"
#include "accel/mapping.h"
#include "accel/op_stats.h"
#include "accel/result_tags.h"
#include "accel/workload.h"

namespace fitformer::accel {

struct LatencyEstimate {
  Provenance provenance = Provenance::kModeled;
  std::vector<OpStats> ops;  // one per workload op, in order
  int64_t total_cycles = 0;  // ops run one after another
  double latency_us = 0;     // total_cycles / clock_mhz
  int64_t macs = 0;
};

// Each throws Error when the op does not fit the mapping (no token fits the buffers).
OpStats estimate_linear(const AccelSpec& spec, const Mapping& mapping, const LinearOp& op);
OpStats estimate_matmul(const AccelSpec& spec, const Mapping& mapping, const MatMulOp& op);
OpStats estimate_vector(const AccelSpec& spec, const VectorOp& op);
// The whole schedule; validates the spec and check_mapping first (Error with its reason).
LatencyEstimate estimate_latency(const AccelSpec& spec, const Mapping& mapping,
                                 const Workload& workload);

}  // namespace fitformer::accel
