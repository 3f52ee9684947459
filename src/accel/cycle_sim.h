// The cycle-level simulator of the HP accelerator (DESIGN.md §4, view 1), in plain C++: it
// runs real quantized weights on real quantized activations and returns the accumulators
// (bit-equal to fixed_point.h's reference) with the cycles the RTL (rtl/, docs/rtl.md) takes
// for them: tests/rtl checks both, layer by layer, against the Verilated RTL.
//
// The machine (the RTL's). A tile of T tokens (mapping.h) is processed column block by
// column block; for each block the PEs loop over token groups of token_lanes tokens ("steps").
// Every PE holds a copy of the step's input slice in B banks of depth bw = Bc / B, written one
// offset per cycle by the slice feed into the half its step-before-last has released. The
// block's k1 kept row segments run in R = ceil(k1 / P) rounds of P PEs, n cycles each (one
// read per bank per cycle: HP never stalls on an input bank); the deal of segments to rounds
// is rtl_image.h's. A round's partial sums are added into the accumulators (32-bit for int8,
// the DSP's 48-bit P register for int16, saturating) by the commit stage, one per output bank
// (row mod NB) per cycle, so rounds are spaced max(n, m) apart, m the round's largest count of
// rows in one bank. Weights stream from off-chip per (tile, block) into a double buffer
// unless resident: one burst at a time, at the spec's bytes per cycle in beats of
// rtl_beat_bytes (the image of rtl_image.h: padded rounds, the row parameters with the first
// block). After a tile the accumulators are drained, Q = ceil(M / NB) words per token, and
// requantized. The replayed latencies are timing.h's.
//  - StreamMatrix (any pattern, not an RTL format): a PE takes a segment's entries B at a time
//    in stream order; each cycle every bank serves one pending read of the window, so two
//    reads of one bank serialize (conflict stalls). A step issues for its slowest PE; the
//    stream's bytes are StreamMatrix::block_bytes; no commit model.
//  - a padded StreamMatrix (StreamOrder::kPadded): the RTL's machine as for HPF, with rounds of
//    any length (padded_rounds.h: deal, round lengths, commit counts, image bytes); a segment
//    of L slots never stalls. An HP mask gives exactly HPF's cycles.
//  - DenseMatrix (the dense design, dense_stream.h): R = ceil(M / P) rounds of bw cycles, row
//    r * P + p on PE p, each round's results in P different banks (m = 1); its own image and
//    beat (dense_beat_bytes), no rows section and no conflict counter.
// Attention matmuls replay the same schedule for dense on-chip operands without data, vector
// ops use the vector unit's count (timing.h); their OpStats say "modeled".
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "accel/accel_spec.h"
#include "accel/dense_stream.h"
#include "accel/mapping.h"
#include "accel/op_stats.h"
#include "accel/stream_matrix.h"
#include "accel/workload.h"
#include "format/hpf.h"

namespace fitformer::accel {

struct LinearRun {
  std::vector<int64_t> acc;  // [tokens][M], as linear_fixed_reference
  OpStats stats;             // provenance simulated
};

// x is [tokens][K] quantized activations of the spec's precision, bias empty or M entries.
// The HPF must have the spec's Bc and B and its precision's value type (kI8 / kI16); the
// stream the spec's Bc, B and precision, B <= 64; both the HP design (spec.design). Throws Error
// naming the field otherwise, or when no token fits the buffers.
LinearRun simulate_linear(const AccelSpec& spec, const Mapping& mapping, const std::string& name,
                          const format::hpf::Matrix& w, std::span<const int16_t> x, int64_t tokens,
                          std::span<const int64_t> bias);
LinearRun simulate_linear(const AccelSpec& spec, const Mapping& mapping, const std::string& name,
                          const StreamMatrix& w, std::span<const int16_t> x, int64_t tokens,
                          std::span<const int64_t> bias);
// The dense design (spec.design kDense, dense_stream.h): the matrix of the spec's precision.
LinearRun simulate_linear(const AccelSpec& spec, const Mapping& mapping, const std::string& name,
                          const DenseMatrix& w, std::span<const int16_t> x, int64_t tokens,
                          std::span<const int64_t> bias);

// Data for one LinearOp of a workload.
struct LayerData {
  std::variant<format::hpf::Matrix, StreamMatrix, DenseMatrix> weights;
  std::vector<int16_t> x;     // [tokens][K]
  std::vector<int64_t> bias;  // empty or M
};

struct SimResult {
  Provenance provenance = Provenance::kSimulated;
  std::vector<OpStats> ops;  // one per workload op, in order
  int64_t total_cycles = 0;
  double latency_us = 0;
  int64_t macs = 0;
};

// Runs layers[i] through the simulator for the i-th LinearOp (its name and tokens; shapes
// must match), counts the other ops as described above. Throws Error for a count or shape
// mismatch, or a mapping that does not fit (check_mapping).
SimResult simulate_workload(const AccelSpec& spec, const Mapping& mapping, const Workload& workload,
                            std::span<const LayerData> layers);

}  // namespace fitformer::accel
