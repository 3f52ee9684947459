// The fixed parts of the accelerator's timing that the simulator and the analytical model
// share: pipeline fill, output drain, and the vector unit. Constants are design choices of
// this accelerator (DESIGN.md §4 leaves them open), stated here once.
#pragma once

#include <cstdint>

#include "accel/accel_spec.h"
#include "accel/workload.h"

namespace fitformer::accel {

// Multiplier pipeline of a DSP48 with A/B, M and P registers.
inline constexpr int64_t kMultiplierStages = 3;
// Passes the vector unit makes over its elements: softmax reads for the max, then exp and
// sum, then scales (3); LayerNorm mean, variance, normalize (3); GELU by table (1); residual
// add (1).
int64_t vector_passes(VectorKind kind);

// Once per layer: the first token's input slice (Bc / B cycles; later slices load during the
// previous step), the multiplier stages, the adder tree (ceil(log2 B)) and the accumulator
// add (1).
int64_t fill_cycles(const AccelSpec& spec);
// After each tile: its M x T accumulators are requantized and written out by one
// requantizer per PE, ceil(M * T / P) cycles; the output buffer holds one tile, so this is
// not overlapped with the next tile.
int64_t drain_cycles(const AccelSpec& spec, int64_t rows, int64_t tile_tokens);
// The vector unit: passes * ceil(elements / vector_lanes).
int64_t vector_cycles(const AccelSpec& spec, const VectorOp& op);

}  // namespace fitformer::accel
