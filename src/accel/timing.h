// The fixed latencies of the accelerator's RTL (rtl/, docs/rtl.md) that the cycle simulator
// replays, each read off the RTL's registers and named after the event it follows, and the
// vector unit's cycles. Only the simulator uses these; the analytical model derives its own.
#pragma once

#include <cstdint>

#include "accel/accel_spec.h"
#include "accel/workload.h"

namespace fitformer::accel {

// Cycles are numbered from a layer's layer_go cycle (0).
// The slice feed reads the activation memory from cycle 1 and writes the first slice word in
// cycle 3 (hpa_slice_feed: registered read, then the FIFO), one word per cycle after that.
inline constexpr int64_t kFirstSliceWrite = 3;
// The loader requests its first column block in cycle 1 (hpa_wload).
inline constexpr int64_t kFirstRequest = 1;
// A block is complete (its weight half full, visible to the sequencer the cycle after) no
// earlier than 2 cycles after its last beat (group assembler, then the memory writes) and
// R + 6 cycles after its rows section's last beat (the bank-conflict counter's R rounds).
inline constexpr int64_t kLastBeatToComplete = 2;
inline constexpr int64_t kRowsToCounted = 6;
// The commit stage is idle 1 cycle after a round's last grant; the drain's first read comes 2
// cycles after that (hpa_seq's flush test, then drain_start).
inline constexpr int64_t kIdleToFirstDrainRead = 2;
// A drain read's requantized value leaves the array 6 cycles later (read, select, 4 stages).
inline constexpr int64_t kDrainReadToOutput = 6;

// Cycles from a slot's presentation to its finished partial sum at the commit stage:
// weight read 1, slice read 1, multiplier 2, adder tree ceil(log2 B), partial sum 1 (hpa_pe).
int64_t result_latency(const AccelSpec& spec);

// Passes the vector unit makes over its elements: softmax reads for the max, then exp and
// sum, then scales (3); LayerNorm mean, variance, normalize (3); GELU by table (1); residual
// add (1).
int64_t vector_passes(VectorKind kind);
// The vector unit: passes * ceil(elements / vector_lanes).
int64_t vector_cycles(const AccelSpec& spec, const VectorOp& op);

}  // namespace fitformer::accel
