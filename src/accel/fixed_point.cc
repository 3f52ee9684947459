// Bit-accurate integer arithmetic of the accelerator: quantization, saturating accumulation,
// requantization, and the reference linears the simulator is checked against.
#include "accel/fixed_point.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"

namespace fitformer::accel {
namespace {

size_t at(int64_t i) {
  return static_cast<size_t>(i);
}

void check_linear_args(int64_t rows, int64_t cols, size_t x_size, int64_t n_tokens,
                       size_t bias_size, size_t acc_size) {
  if (n_tokens < 0 || x_size != at(n_tokens * cols)) {
    throw Error("", "x", fmt::format("{} x {} activations", n_tokens, cols),
                fmt::format("{}", x_size));
  }
  if (bias_size != 0 && bias_size != at(rows)) {
    throw Error("", "bias", fmt::format("0 or {} entries", rows), fmt::format("{}", bias_size));
  }
  if (acc_size != at(n_tokens * rows)) {
    throw Error("", "acc", fmt::format("{} x {} accumulators", n_tokens, rows),
                fmt::format("{}", acc_size));
  }
}

void init_acc(std::span<const int32_t> bias, int64_t rows, int64_t n_tokens,
              std::span<int32_t> acc) {
  for (int64_t t = 0; t < n_tokens; ++t) {
    for (int64_t r = 0; r < rows; ++r) acc[at(t * rows + r)] = bias.empty() ? 0 : bias[at(r)];
  }
}

}  // namespace

float activation_scale(std::span<const float> x, Precision precision) {
  float max_abs = 0.0f;
  for (float v : x) max_abs = std::max(max_abs, std::fabs(v));
  return format::symmetric_scale(max_abs, precision_qmax(precision));
}

std::vector<int16_t> quantize_activations(std::span<const float> x, float scale,
                                          Precision precision) {
  const int32_t qmax = precision_qmax(precision);
  std::vector<int16_t> q(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    q[i] = static_cast<int16_t>(format::quantize_symmetric(x[i], scale, qmax));
  }
  return q;
}

int32_t saturate_i32(int64_t value) {
  return static_cast<int32_t>(std::clamp<int64_t>(value, std::numeric_limits<int32_t>::min(),
                                                  std::numeric_limits<int32_t>::max()));
}

std::vector<int32_t> quantize_bias(std::span<const float> bias, std::span<const float> row_scales,
                                   float x_scale) {
  if (row_scales.size() != 1 && row_scales.size() != bias.size()) {
    throw Error("", "row_scales", fmt::format("1 or {} scales", bias.size()),
                fmt::format("{}", row_scales.size()));
  }
  std::vector<int32_t> q(bias.size());
  for (size_t r = 0; r < bias.size(); ++r) {
    const double s = static_cast<double>(row_scales.size() == 1 ? row_scales[0] : row_scales[r]) *
                     static_cast<double>(x_scale);
    const double v = std::round(static_cast<double>(bias[r]) / s);  // half away from zero
    q[r] =
        std::isfinite(v) ? saturate_i32(static_cast<int64_t>(std::clamp(v, -0x1p40, 0x1p40))) : 0;
  }
  return q;
}

Requant make_requant(double real_multiplier) {
  if (!std::isfinite(real_multiplier) || real_multiplier <= 0 || real_multiplier >= 0x1p30) {
    throw Error("", "requant", "a finite multiplier in (0, 2^30)",
                fmt::format("{}", real_multiplier));
  }
  int exponent = 0;
  const double fraction = std::frexp(real_multiplier, &exponent);  // in [0.5, 1)
  int64_t m0 = std::llround(fraction * 0x1p31);
  if (m0 == (int64_t{1} << 31)) {  // rounding reached 2^31: renormalize
    m0 /= 2;
    ++exponent;
  }
  return {static_cast<int32_t>(m0), 31 - exponent};
}

int32_t requantize(int32_t acc, const Requant& requant, Precision out) {
  const int32_t qmax = precision_qmax(out);
  if (requant.shift >= 63) return 0;  // |acc * M0| < 2^62 rounds to 0
  const int64_t product = static_cast<int64_t>(acc) * requant.multiplier;  // exact, < 2^62
  const uint64_t magnitude = static_cast<uint64_t>(product < 0 ? -product : product);
  const uint64_t half = uint64_t{1} << (requant.shift - 1);
  const int64_t rounded = static_cast<int64_t>((magnitude + half) >> requant.shift);
  return static_cast<int32_t>(std::clamp<int64_t>(product < 0 ? -rounded : rounded, -qmax, qmax));
}

void linear_fixed_reference(const format::hpf::Matrix& w, std::span<const int16_t> x,
                            int64_t n_tokens, std::span<const int32_t> bias,
                            std::span<int32_t> acc) {
  const auto& h = w.header;
  if (h.value_type != format::ValueType::kI8 && h.value_type != format::ValueType::kI16) {
    throw Error("", "value_type", "i8 or i16 weights",
                std::string(format::value_type_name(h.value_type)));
  }
  check_linear_args(h.rows, h.cols, x.size(), n_tokens, bias.size(), acc.size());
  init_acc(bias, h.rows, n_tokens, acc);
  const bool i8 = h.value_type == format::ValueType::kI8;
  const int64_t bw = w.bank_width();
  for (int64_t b = 0; b < w.blocks(); ++b) {
    const int64_t real_banks = w.real_banks(b);
    for (int64_t i = 0; i < h.k1; ++i) {
      const int64_t row = w.rows[at(b * h.k1 + i)];
      for (int64_t t = 0; t < n_tokens; ++t) {
        int64_t partial = 0;
        for (int64_t j = 0; j < real_banks; ++j) {
          for (int64_t c = 0; c < h.n; ++c) {
            const int64_t slot = ((b * h.k1 + i) * h.banks + j) * h.n + c;
            const int64_t col = b * h.block_cols + j * bw + w.offset(slot);
            const int64_t v = i8 ? w.vals_i8[at(slot)] : w.vals_i16[at(slot)];
            partial += v * x[at(t * h.cols + col)];
          }
        }
        int32_t& a = acc[at(t * h.rows + row)];
        a = accumulate_segment(a, partial);
      }
    }
  }
}

void linear_fixed_reference(const StreamMatrix& w, std::span<const int16_t> x, int64_t n_tokens,
                            std::span<const int32_t> bias, std::span<int32_t> acc) {
  check_linear_args(w.rows, w.cols, x.size(), n_tokens, bias.size(), acc.size());
  init_acc(bias, w.rows, n_tokens, acc);
  for (int64_t b = 0; b < w.blocks(); ++b) {
    for (int64_t s = w.block_segments[at(b)]; s < w.block_segments[at(b + 1)]; ++s) {
      const int64_t row = w.segment_row[at(s)];
      for (int64_t t = 0; t < n_tokens; ++t) {
        int64_t partial = 0;
        for (int64_t e = w.segment_entries[at(s)]; e < w.segment_entries[at(s + 1)]; ++e) {
          const int64_t col = b * w.block_cols + w.entry_col[at(e)];
          partial += static_cast<int64_t>(w.entry_val[at(e)]) * x[at(t * w.cols + col)];
        }
        int32_t& a = acc[at(t * w.rows + row)];
        a = accumulate_segment(a, partial);
      }
    }
  }
}

}  // namespace fitformer::accel
