// The accelerator's integer arithmetic (DESIGN.md §4) in accel's terms: the rules and the HPF
// reference linear are kernels/fixed_point.h's (one implementation, shared with the runtime's
// emulation); here they take format::Precision (int8 or int16), and the reference linear runs
// StreamMatrix too. The cycle simulator must produce exactly what these reference linears produce;
// so must the hardware.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "accel/accel_spec.h"
#include "accel/stream_matrix.h"
#include "format/hpf.h"
#include "kernels/fixed_point.h"

namespace fitformer::accel {

using kernels::accumulate_segment;
using kernels::linear_fixed_reference;
using kernels::make_requant;
using kernels::Requant;
using kernels::saturate_accumulator;

// kernels::accumulator_bits at `precision`: 32 for int8, 48 for int16.
int accumulator_bits(Precision precision);
// kernels::quantize_bias at `precision`.
std::vector<int64_t> quantize_bias(std::span<const float> bias, std::span<const float> row_scales,
                                   float x_scale, Precision precision);

// kernels::activation_scale at `precision`.
float activation_scale(std::span<const float> x, Precision precision);
// kernels::quantize_activations at `precision`.
std::vector<int16_t> quantize_activations(std::span<const float> x, float scale,
                                          Precision precision);
// kernels::requantize to `out`.
int32_t requantize(int64_t acc, const Requant& requant, Precision out);

// The reference linear of kernels/fixed_point.h on a weight stream: acc[t * M + r] from
// token-major x[t * K + k] and an optional bias (empty or M entries), accumulators of the
// stream's precision.
void linear_fixed_reference(const StreamMatrix& w, std::span<const int16_t> x, int64_t n_tokens,
                            std::span<const int64_t> bias, std::span<int64_t> acc);

}  // namespace fitformer::accel
