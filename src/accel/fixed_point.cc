// accel's names for the fixed-point rules of kernels/fixed_point.h, and the reference linear
// on a weight stream.
#include "accel/fixed_point.h"

#include "core/indexing.h"

namespace fitformer::accel {
int accumulator_bits(Precision precision) {
  return kernels::accumulator_bits(precision_value_type(precision));
}

std::vector<int64_t> quantize_bias(std::span<const float> bias, std::span<const float> row_scales,
                                   float x_scale, Precision precision) {
  return kernels::quantize_bias(bias, row_scales, x_scale, precision_value_type(precision));
}

float activation_scale(std::span<const float> x, Precision precision) {
  return kernels::activation_scale(x, precision_value_type(precision));
}

std::vector<int16_t> quantize_activations(std::span<const float> x, float scale,
                                          Precision precision) {
  return kernels::quantize_activations(x, scale, precision_value_type(precision));
}

int32_t requantize(int64_t acc, const Requant& requant, Precision out) {
  return kernels::requantize(acc, requant, precision_value_type(out));
}

void linear_fixed_reference(const StreamMatrix& w, std::span<const int16_t> x, int64_t n_tokens,
                            std::span<const int64_t> bias, std::span<int64_t> acc) {
  const int bits = accumulator_bits(w.precision);
  kernels::init_fixed_accumulators(w.rows, w.cols, x.size(), n_tokens, bias, acc);
  for (int64_t b = 0; b < w.blocks(); ++b) {
    for (int64_t s = w.block_segments[at(b)]; s < w.block_segments[at(b + 1)]; ++s) {
      const int64_t row = w.segment_row[at(s)];
      for (int64_t t = 0; t < n_tokens; ++t) {
        int64_t partial = 0;
        for (int64_t e = w.segment_entries[at(s)]; e < w.segment_entries[at(s + 1)]; ++e) {
          const int64_t col = b * w.block_cols + w.entry_col[at(e)];
          if (col >= w.cols) continue;  // a padding entry past K: the slice holds zeros there
          partial += static_cast<int64_t>(w.entry_val[at(e)]) * x[at(t * w.cols + col)];
        }
        int64_t& a = acc[at(t * w.rows + row)];
        a = accumulate_segment(a, partial, bits);
      }
    }
  }
}

}  // namespace fitformer::accel
