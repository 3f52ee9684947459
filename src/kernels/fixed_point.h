// The HP accelerator's integer arithmetic, bit for bit (DESIGN.md §4), for every layer that
// needs it: accel's cycle simulator and reference linears check the hardware against it, and
// the sparse runtime emulates it to measure accuracy at the deployed precision. It lives
// here, below both, so that there is one implementation of each rule.
//
// Rules.
//  - Weights and activations: symmetric int8 or int16 with zero point 0, the rule of
//    format/value_type.h (round half away from zero, saturate to [-qmax, qmax]). Weights
//    carry per-matrix or per-row scales (the HPF's); activations one scale per tensor (the
//    runtime: per sequence).
//  - Products w*x are exact; the products of one row segment (one row inside one column
//    block) are summed exactly, as in a DSP48's 48-bit cascade: at most Bc <= 2^16 products
//    of |w*x| <= 2^30 each, so 2^46 < 2^47 never overflows 48 bits.
//  - Each segment's partial sum is added into the row's accumulator with saturation to its
//    signed width, accumulator_bits(type): 32 bits for int8, 48 for int16. int16 keeps the
//    48 bits of the DSP48E2's P register because its products reach 2^30, so a row of a few
//    hundred large products passes 2^31 and a 32-bit accumulator would clip it (measured: a
//    third of the accumulators of an int16 eval of the trained sotu-lm clipped, and its valid
//    perplexity went from fp32's 261 to 300); int8 products stay below 2^14,
//    so 32 bits hold any row of fewer than 133,000 of them. Accumulators are int64 in this
//    API whatever the width. Segments of a row are added in ascending column-block order;
//    the accumulator starts at the quantized bias (0 without one). Because saturation is not
//    associative, this order is part of the contract.
//  - Requantization of an accumulator to an int8/int16 output by a real factor
//    m = s_w * s_x / s_y: m is held as an int32 multiplier M0 in [2^30, 2^31) and a right
//    shift S >= 1 with m ~= M0 * 2^-S; y = sat(rnd(acc * M0 / 2^S)) where acc * M0 is exact
//    (up to 2^78 for a 48-bit accumulator, so formed in 128 bits) and rnd rounds half away from
//    zero (the same rounding as quantization).
//  - Dequantization to fp32 (what the runtime hands to the fp32 parts of the model):
//    y = float(acc) * (s_w[r] * s_x), the product of scales in fp32.
//
// Precision is named by the weights' value type: format::ValueType::kI8 or kI16 (Error
// naming "value_type" for any other).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "format/hpf.h"
#include "format/value_type.h"

namespace fitformer::kernels {

// quant_max(type) for kI8 / kI16; throws Error (field "value_type") for the float types.
int32_t fixed_qmax(format::ValueType type);

// symmetric_scale(max |x|, qmax) for one activation tensor.
float activation_scale(std::span<const float> x, format::ValueType type);
// sat(rnd(x / scale)) per element into q (same size), stored as int16 whatever the precision
// (int8 values fit). Highway bodies (kernels/quantize_simd.cc); the scalar _reference twins
// give the same values (tested on every target).
void quantize_activations(std::span<const float> x, float scale, format::ValueType type,
                          std::span<int16_t> q);
float activation_scale_reference(std::span<const float> x, format::ValueType type);
void quantize_activations_reference(std::span<const float> x, float scale, format::ValueType type,
                                    std::span<int16_t> q);
std::vector<int16_t> quantize_activations(std::span<const float> x, float scale,
                                          format::ValueType type);

// The accumulator's signed width at `type`: 32 for kI8, 48 for kI16 (the rule above); throws
// Error (field "value_type") for the float types.
int accumulator_bits(format::ValueType type);
// Clamps to the signed range of `bits` (<= 63) bits, [-2^(bits-1), 2^(bits-1) - 1].
inline int64_t saturate_accumulator(int64_t value, int bits) {
  const int64_t hi = (int64_t{1} << (bits - 1)) - 1, lo = -hi - 1;
  return value < lo ? lo : (value > hi ? hi : value);
}
// The accumulation step above, for an accumulator of `bits` = accumulator_bits(type): acc is
// within that width and |partial| < 2^47 (a segment's sum), so acc + partial is exact in int64.
inline int64_t accumulate_segment(int64_t acc, int64_t partial, int bits) {
  return saturate_accumulator(acc + partial, bits);
}
// The dequantization rule above.
inline float dequantize_accumulator(int64_t acc, float row_scale, float x_scale) {
  return static_cast<float>(acc) * (row_scale * x_scale);
}

// Bias in the accumulator's units at `type`: sat(rnd(b[r] / (s_w[r] * s_x))) to
// accumulator_bits(type). `row_scales` has 1 (per-matrix) or bias.size() entries.
std::vector<int64_t> quantize_bias(std::span<const float> bias, std::span<const float> row_scales,
                                   float x_scale, format::ValueType type);

struct Requant {
  int32_t multiplier = 1 << 30;  // M0, in [2^30, 2^31)
  int shift = 31;                // S >= 1
};
// The (M0, S) nearest m: M0 = rnd(f * 2^31) for m = f * 2^e, f in [0.5, 1). Throws Error
// (field "requant") unless m is finite and in (0, 2^30).
Requant make_requant(double real_multiplier);
// sat(rnd(acc * M0 / 2^S)) to [-qmax, qmax] of `out` (kI8 or kI16).
int32_t requantize(int64_t acc, const Requant& requant, format::ValueType out);

// Checks the shapes of a fixed-point linear (Error naming "x", "bias" or "acc") and sets
// every accumulator acc[t * rows + r] to its bias: bias[r] for M entries, bias[t * rows + r]
// for n_tokens x M entries (a bias per token, as when tokens of several sequences with their
// own activation scales share a call), 0 for an empty bias. The shared start of every linear
// below and of accel's.
void init_fixed_accumulators(int64_t rows, int64_t cols, size_t x_size, int64_t n_tokens,
                             std::span<const int64_t> bias, std::span<int64_t> acc);
// The checks of init_fixed_accumulators alone; true when the bias is per token (n_tokens x M).
bool check_fixed_accumulators(int64_t rows, int64_t cols, size_t x_size, int64_t n_tokens,
                              std::span<const int64_t> bias, size_t acc_size);

// The reference linear: acc[t * M + r] for tokens t < n_tokens and rows r < M, from
// activations x[t * K + k] (token-major, quantized to the weights' precision) and an optional
// bias (empty, M or n_tokens x M entries, see init_fixed_accumulators), by the rules above,
// straight from the HPF slots. The HPF must
// hold kI8 or kI16 values.
void linear_fixed_reference(const format::hpf::Matrix& w, std::span<const int16_t> x,
                            int64_t n_tokens, std::span<const int64_t> bias,
                            std::span<int64_t> acc);

// A quantized weight matrix laid out for the fast linear: per row, its segments in ascending
// column-block order, each a list of (column, value) entries. Zero weights are dropped (they
// add nothing to a segment's exact sum); a segment left empty still counts, as it adds 0.
struct FixedMatrix {
  int64_t rows = 0, cols = 0;
  int64_t block_cols = 64;  // Bc: one segment per row and column block at most
  format::ValueType value_type = format::ValueType::kI8;
  std::vector<int64_t> row_segments;     // [rows + 1]: segments of row r
  std::vector<int64_t> segment_entries;  // [segments + 1]
  std::vector<int32_t> entry_col;        // absolute column
  std::vector<int16_t> entry_val;        // quantized weight
  std::vector<float> row_scales;         // [rows]: s_w[r]
};

// The HPF's kept weights at `type`: an integer HPF of that type keeps its integers and scales
// as stored (the deployed weights); any other quantizes the decoded values per row by
// format/value_type.h's rule. Segments follow the HPF's column blocks.
FixedMatrix make_fixed_matrix(const format::hpf::Matrix& w, format::ValueType type);
// A dense row-major rows x cols matrix at `type`, per-row scales, as HP at full density: one
// segment per row and column block of block_cols (the accelerator's Bc).
FixedMatrix make_fixed_matrix(std::span<const float> weights, int64_t rows, int64_t cols,
                              int64_t block_cols, format::ValueType type);

// The fast linear: the same result as linear_fixed_reference on the HPF the matrix was built
// from, bit for bit, same layouts and checks. A Highway body for every target
// (kernels/fixed_point_simd.cc): tokens in the lanes, each row's segments summed exactly in
// int32 wherever that is provably exact (int8; int16 by high and low bytes of the activations
// when segments have at most 256 entries), else in int64, and added to the accumulators with
// saturation in block order. Rows are split over `threads` OpenMP threads.
void linear_fixed(const FixedMatrix& w, std::span<const int16_t> x, int64_t n_tokens,
                  std::span<const int64_t> bias, std::span<int64_t> acc, int threads = 1);

// out[t * rows + r] = dequantize_accumulator(acc[t * rows + r], row_scales[r], x_scales[t]) for
// tokens t < x_scales.size() and rows r < rows (token-major, as linear_fixed's acc): a Highway
// body and its scalar twin, equal bit for bit. Error naming the arguments unless acc and out
// hold tokens x rows values and row_scales `rows`.
void dequantize_accumulators(std::span<const int64_t> acc, int64_t rows,
                             std::span<const float> row_scales, std::span<const float> x_scales,
                             std::span<float> out);
void dequantize_accumulators_reference(std::span<const int64_t> acc, int64_t rows,
                                       std::span<const float> row_scales,
                                       std::span<const float> x_scales, std::span<float> out);

}  // namespace fitformer::kernels
