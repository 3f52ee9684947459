// The accelerator's integer arithmetic: quantization, saturating accumulation, requantization,
// the reference linear on HPF slots, and the fast linear the runtime emulates it with.
#include "kernels/fixed_point.h"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.h"
#include "core/indexing.h"

namespace fitformer::kernels {
namespace {

// Builds a FixedMatrix from per-row segment lists given as (column, value) entries in
// ascending block order, with the row scales already chosen.
struct SegmentBuilder {
  FixedMatrix m;
  std::vector<std::vector<std::vector<std::pair<int32_t, int16_t>>>> rows;  // [row][segment]

  FixedMatrix finish() {
    m.row_segments.assign(1, 0);
    m.segment_entries.assign(1, 0);
    for (const auto& segments : rows) {
      for (const auto& entries : segments) {
        for (const auto& [col, val] : entries) {
          if (val == 0) continue;
          m.entry_col.push_back(col);
          m.entry_val.push_back(val);
        }
        m.segment_entries.push_back(static_cast<int64_t>(m.entry_col.size()));
      }
      m.row_segments.push_back(static_cast<int64_t>(m.segment_entries.size()) - 1);
    }
    return std::move(m);
  }
};

}  // namespace

int32_t fixed_qmax(format::ValueType type) {
  if (type != format::ValueType::kI8 && type != format::ValueType::kI16) {
    throw Error("", "value_type", "i8 or i16", std::string(format::value_type_name(type)));
  }
  return format::quant_max(type);
}

int accumulator_bits(format::ValueType type) {
  fixed_qmax(type);
  return type == format::ValueType::kI8 ? 32 : 48;
}

float activation_scale_reference(std::span<const float> x, format::ValueType type) {
  float max_abs = 0.0f;
  for (float v : x) max_abs = std::max(max_abs, std::fabs(v));
  return format::symmetric_scale(max_abs, fixed_qmax(type));
}

void quantize_activations_reference(std::span<const float> x, float scale, format::ValueType type,
                                    std::span<int16_t> q) {
  const int32_t qmax = fixed_qmax(type);
  if (q.size() != x.size()) {
    throw Error("", "q", fmt::format("{} values", x.size()), fmt::format("{}", q.size()));
  }
  for (size_t i = 0; i < x.size(); ++i) {
    q[i] = static_cast<int16_t>(format::quantize_symmetric(x[i], scale, qmax));
  }
}

std::vector<int16_t> quantize_activations(std::span<const float> x, float scale,
                                          format::ValueType type) {
  std::vector<int16_t> q(x.size());
  quantize_activations(x, scale, type, q);
  return q;
}

std::vector<int64_t> quantize_bias(std::span<const float> bias, std::span<const float> row_scales,
                                   float x_scale, format::ValueType type) {
  const int bits = accumulator_bits(type);
  if (row_scales.size() != 1 && row_scales.size() != bias.size()) {
    throw Error("", "row_scales", fmt::format("1 or {} scales", bias.size()),
                fmt::format("{}", row_scales.size()));
  }
  std::vector<int64_t> q(bias.size());
  for (size_t r = 0; r < bias.size(); ++r) {
    const double s = static_cast<double>(row_scales.size() == 1 ? row_scales[0] : row_scales[r]) *
                     static_cast<double>(x_scale);
    const double v = std::round(static_cast<double>(bias[r]) / s);  // half away from zero
    // Clamped first so the conversion to int64 is defined; 2^62 still saturates any width.
    q[r] = std::isfinite(v)
               ? saturate_accumulator(static_cast<int64_t>(std::clamp(v, -0x1p62, 0x1p62)), bits)
               : 0;
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

int32_t requantize(int64_t acc, const Requant& requant, format::ValueType out) {
  // |acc| * M0 < 2^63 * 2^31 for any int64 (2^78 for a 48-bit accumulator): exact in 128 bits.
  __extension__ using Wide = unsigned __int128;
  const int32_t qmax = fixed_qmax(out);
  if (requant.shift > 94) return 0;  // (|acc * M0| + 2^(S-1)) < 2^S rounds to 0
  const uint64_t magnitude =
      acc < 0 ? uint64_t{0} - static_cast<uint64_t>(acc) : static_cast<uint64_t>(acc);
  const Wide product = Wide{magnitude} * static_cast<uint64_t>(requant.multiplier);
  const Wide half = Wide{1} << (requant.shift - 1);
  const Wide rounded = (product + half) >> requant.shift;
  const int64_t clipped = rounded > Wide(static_cast<uint64_t>(qmax))
                              ? int64_t{qmax}
                              : static_cast<int64_t>(static_cast<uint64_t>(rounded));
  return static_cast<int32_t>(acc < 0 ? -clipped : clipped);
}

bool check_fixed_accumulators(int64_t rows, int64_t cols, size_t x_size, int64_t n_tokens,
                              std::span<const int64_t> bias, size_t acc_size) {
  if (n_tokens < 0 || x_size != at(n_tokens * cols)) {
    throw Error("", "x", fmt::format("{} x {} activations", n_tokens, cols),
                fmt::format("{}", x_size));
  }
  const bool per_token = n_tokens != 1 && bias.size() == at(n_tokens * rows) && rows > 0;
  if (!bias.empty() && bias.size() != at(rows) && !per_token) {
    throw Error("", "bias", fmt::format("0, {} or {} x {} entries", rows, n_tokens, rows),
                fmt::format("{}", bias.size()));
  }
  if (acc_size != at(n_tokens * rows)) {
    throw Error("", "acc", fmt::format("{} x {} accumulators", n_tokens, rows),
                fmt::format("{}", acc_size));
  }
  return per_token;
}

void init_fixed_accumulators(int64_t rows, int64_t cols, size_t x_size, int64_t n_tokens,
                             std::span<const int64_t> bias, std::span<int64_t> acc) {
  const bool per_token = check_fixed_accumulators(rows, cols, x_size, n_tokens, bias, acc.size());
  for (int64_t t = 0; t < n_tokens; ++t) {
    for (int64_t r = 0; r < rows; ++r) {
      acc[at(t * rows + r)] = bias.empty() ? 0 : bias[at(per_token ? t * rows + r : r)];
    }
  }
}

void linear_fixed_reference(const format::hpf::Matrix& w, std::span<const int16_t> x,
                            int64_t n_tokens, std::span<const int64_t> bias,
                            std::span<int64_t> acc) {
  const auto& h = w.header;
  fixed_qmax(h.value_type);
  init_fixed_accumulators(h.rows, h.cols, x.size(), n_tokens, bias, acc);
  const bool i8 = h.value_type == format::ValueType::kI8;
  const int bits = accumulator_bits(h.value_type);
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
        int64_t& a = acc[at(t * h.rows + row)];
        a = accumulate_segment(a, partial, bits);
      }
    }
  }
}

FixedMatrix make_fixed_matrix(const format::hpf::Matrix& w, format::ValueType type) {
  const int32_t qmax = fixed_qmax(type);
  const auto& h = w.header;
  const bool as_stored = h.value_type == type;
  SegmentBuilder builder;
  builder.m = {h.rows, h.cols, h.block_cols, type, {}, {}, {}, {}, {}};
  builder.rows.resize(at(h.rows));
  std::vector<float> max_abs(at(h.rows), 0.0f);
  const int64_t bw = w.bank_width();
  // First pass: the rows' scales (as stored, or from the decoded kept values).
  for (int64_t b = 0; b < w.blocks(); ++b) {
    for (int64_t i = 0; i < h.k1; ++i) {
      const int64_t row = w.rows[at(b * h.k1 + i)];
      for (int64_t s = 0; s < h.banks * h.n; ++s) {
        const int64_t slot = (b * h.k1 + i) * h.banks * h.n + s;
        max_abs[at(row)] = std::max(max_abs[at(row)], std::fabs(w.value(slot, row)));
      }
    }
  }
  builder.m.row_scales.resize(at(h.rows));
  for (int64_t r = 0; r < h.rows; ++r) {
    builder.m.row_scales[at(r)] =
        as_stored ? w.row_scale(r) : format::symmetric_scale(max_abs[at(r)], qmax);
  }
  for (int64_t b = 0; b < w.blocks(); ++b) {
    for (int64_t i = 0; i < h.k1; ++i) {
      const int64_t row = w.rows[at(b * h.k1 + i)];
      auto& entries = builder.rows[at(row)].emplace_back();
      for (int64_t j = 0; j < w.real_banks(b); ++j) {
        for (int64_t c = 0; c < h.n; ++c) {
          const int64_t slot = ((b * h.k1 + i) * h.banks + j) * h.n + c;
          const auto col = static_cast<int32_t>(b * h.block_cols + j * bw + w.offset(slot));
          int32_t q = 0;
          if (!as_stored) {
            q = format::quantize_symmetric(w.value(slot, row), builder.m.row_scales[at(row)], qmax);
          } else {
            q = type == format::ValueType::kI8 ? w.vals_i8[at(slot)] : w.vals_i16[at(slot)];
          }
          entries.emplace_back(col, static_cast<int16_t>(q));
        }
      }
    }
  }
  return builder.finish();
}

FixedMatrix make_fixed_matrix(std::span<const float> weights, int64_t rows, int64_t cols,
                              int64_t block_cols, format::ValueType type) {
  const int32_t qmax = fixed_qmax(type);
  if (rows < 0 || cols < 0 || weights.size() != at(rows * cols)) {
    throw Error("", "weights", fmt::format("{} x {} values", rows, cols),
                fmt::format("{}", weights.size()));
  }
  if (block_cols < 1) {
    throw Error("", "block_cols", ">= 1", fmt::format("{}", block_cols));
  }
  SegmentBuilder builder;
  builder.m = {rows, cols, block_cols, type, {}, {}, {}, {}, {}};
  builder.rows.resize(at(rows));
  for (int64_t r = 0; r < rows; ++r) {
    const std::span<const float> row = weights.subspan(at(r * cols), at(cols));
    float max_abs = 0.0f;
    for (float v : row) max_abs = std::max(max_abs, std::fabs(v));
    const float scale = format::symmetric_scale(max_abs, qmax);
    builder.m.row_scales.push_back(scale);
    for (int64_t c0 = 0; c0 < cols; c0 += block_cols) {
      auto& entries = builder.rows[at(r)].emplace_back();
      for (int64_t c = c0; c < std::min(cols, c0 + block_cols); ++c) {
        entries.emplace_back(
            static_cast<int32_t>(c),
            static_cast<int16_t>(format::quantize_symmetric(row[at(c)], scale, qmax)));
      }
    }
  }
  return builder.finish();
}

}  // namespace fitformer::kernels
