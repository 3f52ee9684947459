// The analytical model of the HP accelerator (DESIGN.md §4, view 2): cycles per operation in
// closed form, cheap enough for the per-device search, checked against the cycle simulator.
//
// Linear layer (LinearOp, HP geometry k1, n; spec P, B, Bc, lanes L; tile T from mapping.h):
//   bw = Bc / B, blocks = ceil(K / Bc), step = max(ceil(k1 / P) * n, bw)
//     (the slowest PE's segments, or the next input slice's load, whichever is longer)
//   C(t) = ceil(t / L) * step          compute of one column block for a tile of t tokens
//   X = ceil(block bytes / bytes per cycle), X0 the same with header and scales added
//     (0 when weights are resident); block bytes from workload.h
//   items = the (tile, block) pairs in order; with double-buffered weights
//   pipeline = X0 + sum over items i < last of max(C_i, X) + C_last
//   cycles = pipeline + fill + sum over tiles of drain(t)          (timing.h)
// The simulator steps the same machine cycle by cycle and gets the same count for HPF;
// the formula's only approximation is that max(C_i, X) stands for the double buffer's
// recurrence when C and X alternate in dominance.
// MatMulOp: a dense LinearOp (k1 = M, n = bw) with resident operands, times count.
// VectorOp: timing.h's vector_cycles.
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

// Each throws Error when the op does not fit the mapping (check_mapping's reasons).
OpStats estimate_linear(const AccelSpec& spec, const Mapping& mapping, const LinearOp& op);
OpStats estimate_matmul(const AccelSpec& spec, const Mapping& mapping, const MatMulOp& op);
OpStats estimate_vector(const AccelSpec& spec, const VectorOp& op);
// The whole schedule; validates the spec and check_mapping first (Error with its reason).
LatencyEstimate estimate_latency(const AccelSpec& spec, const Mapping& mapping,
                                 const Workload& workload);

}  // namespace fitformer::accel
