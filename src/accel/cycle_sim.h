// The cycle-level simulator of the HP accelerator (DESIGN.md §4, view 1), in plain C++:
// it runs real quantized weights on real quantized activations through P PEs of B banks,
// cycle by cycle, and returns the accumulators (bit-equal to fixed_point.h's reference) with
// the cycles, stalls and idle PE-cycles they took.
//
// The machine. A tile of T tokens (mapping.h) is processed column block by column block; for
// each block the PEs hold the block's weights and loop over token groups of token_lanes
// tokens. One lock-step step = one block for one token group: every PE holds a copy of the
// group's input slice (Bc values per token) in B banks of depth bw = Bc / B, loaded one value
// per bank per cycle while the previous step computes (so a step lasts at least bw cycles).
// The block's kept row segments are dealt to the PEs (Mapping::deal). Each cycle a PE issues
// one read to each bank and multiplies each value by its weight (B multipliers, times the
// lanes); a segment's products sum in the PE's 48-bit partial sum, which is added into the
// row's accumulator (32-bit for int8, the DSP's 48-bit P register for int16) with saturation
// when the segment ends. The step ends when the
// slowest PE is done; the others idle.
//  - HPF: cycle c of a segment reads slot c of every bank: exactly one read per bank, so a
//    segment costs n cycles and no PE ever stalls, by construction.
//  - StreamMatrix (any pattern): the PE takes the segment's entries B at a time in stream
//    order; each cycle every bank serves one pending read of the window, so two reads of one
//    bank serialize. A window costs max over banks of its reads there; the cycles beyond one
//    per window are conflict stalls.
// Weights stream from off-chip per (tile, block) into a double buffer unless resident (the
// bytes of HPF or StreamMatrix::block_bytes; the first block carries header and scales); a
// block computes once its weights have arrived and the previous block is done, and a
// transfer starts once the buffer it fills is free. Fill and drain from timing.h.
// Attention matmuls and vector ops are not executed with data: simulate_workload counts them
// with the analytical formulas, and their OpStats say "modeled".
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "accel/accel_spec.h"
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
// stream the spec's Bc, B and precision, B <= 64. Throws Error naming the field otherwise,
// or when no token fits the buffers.
LinearRun simulate_linear(const AccelSpec& spec, const Mapping& mapping, const std::string& name,
                          const format::hpf::Matrix& w, std::span<const int16_t> x, int64_t tokens,
                          std::span<const int64_t> bias);
LinearRun simulate_linear(const AccelSpec& spec, const Mapping& mapping, const std::string& name,
                          const StreamMatrix& w, std::span<const int16_t> x, int64_t tokens,
                          std::span<const int64_t> bias);

// Data for one LinearOp of a workload.
struct LayerData {
  std::variant<format::hpf::Matrix, StreamMatrix> weights;
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
