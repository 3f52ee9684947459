// The accelerator's integer arithmetic, bit for bit (DESIGN.md §4): how activations are
// quantized, how products accumulate, how outputs are requantized. The cycle simulator must
// produce exactly what the reference linears below produce; so must the hardware.
//
// Rules.
//  - Weights and activations: symmetric int8 or int16 with zero point 0, the rule of
//    format/value_type.h (round half away from zero, saturate to [-qmax, qmax]). Weights
//    carry per-matrix or per-row scales (the HPF's); activations one scale per tensor.
//  - Products w*x are exact; the products of one row segment (one row inside one column
//    block) are summed exactly, as in a DSP48's 48-bit cascade: at most Bc <= 2^16 products
//    of |w*x| <= 2^30 each, so 2^46 < 2^47 never overflows 48 bits.
//  - Each segment's partial sum is added into the row's int32 accumulator with saturation
//    to [INT32_MIN, INT32_MAX]. Segments of a row are added in ascending column-block order;
//    the accumulator starts at the quantized bias (0 without one). Because saturation is not
//    associative, this order is part of the contract.
//  - Requantization of an accumulator to an int8/int16 output by a real factor
//    m = s_w * s_x / s_y: m is held as an int32 multiplier M0 in [2^30, 2^31) and a right
//    shift S >= 1 with m ~= M0 * 2^-S; y = sat(rnd(acc * M0 / 2^S)) where acc * M0 is exact
//    in int64 and rnd rounds half away from zero (the same rounding as quantization).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "accel/accel_spec.h"
#include "accel/stream_matrix.h"
#include "format/hpf.h"

namespace fitformer::accel {

// symmetric_scale(max |x|, qmax) for one activation tensor.
float activation_scale(std::span<const float> x, Precision precision);
// sat(rnd(x / scale)) per element, stored as int16 whatever the precision (int8 values fit).
std::vector<int16_t> quantize_activations(std::span<const float> x, float scale,
                                          Precision precision);

// Clamps to [INT32_MIN, INT32_MAX].
int32_t saturate_i32(int64_t value);
// The accumulation step above: saturate_i32(acc + partial).
inline int32_t accumulate_segment(int32_t acc, int64_t partial) {
  return saturate_i32(static_cast<int64_t>(acc) + partial);
}

// Bias in the accumulator's units: sat32(rnd(b[r] / (s_w[r] * s_x))). `row_scales` has 1
// (per-matrix) or bias.size() entries.
std::vector<int32_t> quantize_bias(std::span<const float> bias, std::span<const float> row_scales,
                                   float x_scale);

struct Requant {
  int32_t multiplier = 1 << 30;  // M0, in [2^30, 2^31)
  int shift = 31;                // S >= 1
};
// The (M0, S) nearest m: M0 = rnd(f * 2^31) for m = f * 2^e, f in [0.5, 1). Throws Error
// (field "requant") unless m is finite and in (0, 2^30).
Requant make_requant(double real_multiplier);
// sat(rnd(acc * M0 / 2^S)) to [-qmax, qmax] of `out`.
int32_t requantize(int32_t acc, const Requant& requant, Precision out);

// The reference linears: acc[t * M + r] for tokens t < n_tokens and rows r < M, from
// activations x[t * K + k] (token-major, quantized to the weights' precision) and an optional
// bias (empty or M entries), by the rules above. The HPF must hold kI8 or kI16 values.
void linear_fixed_reference(const format::hpf::Matrix& w, std::span<const int16_t> x,
                            int64_t n_tokens, std::span<const int32_t> bias,
                            std::span<int32_t> acc);
void linear_fixed_reference(const StreamMatrix& w, std::span<const int16_t> x, int64_t n_tokens,
                            std::span<const int32_t> bias, std::span<int32_t> acc);

}  // namespace fitformer::accel
