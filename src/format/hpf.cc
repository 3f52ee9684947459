// HPF packing from an HP mask, decoding, byte accounting and structural validation.
#include "format/hpf.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>

#include "core/error.h"
#include "core/indexing.h"
#include "format/bit_pack.h"
#include "io/safetensors.h"
#include "sparsity/hierarchical.h"

namespace fitformer::format::hpf {
int64_t Matrix::blocks() const {
  return (header.cols + header.block_cols - 1) / header.block_cols;
}
int64_t Matrix::bank_width() const {
  return header.block_cols / header.banks;
}
int Matrix::offset_bits() const {
  const int64_t width = bank_width();
  return width <= 1 ? 0 : static_cast<int>(std::bit_width(static_cast<uint64_t>(width - 1)));
}
int64_t Matrix::slots_per_segment() const {
  return header.banks * header.n;
}
int64_t Matrix::slots() const {
  return blocks() * header.k1 * slots_per_segment();
}

int64_t Matrix::real_banks(int64_t block) const {
  const int64_t real_cols = std::min(header.block_cols, header.cols - block * header.block_cols);
  return (real_cols + bank_width() - 1) / bank_width();
}

int64_t Matrix::offset(int64_t slot) const {
  return get_field(offs, slot, offset_bits());
}

float Matrix::row_scale(int64_t row) const {
  if (scales.empty()) return 1.0f;
  return scales.size() == 1 ? scales[0] : scales[at(row)];
}

float Matrix::value(int64_t slot, int64_t row) const {
  switch (header.value_type) {
    case ValueType::kF32:
      return vals_f32[at(slot)];
    case ValueType::kF16:
      return io::f16_to_f32(vals_f16[at(slot)]);
    case ValueType::kI16:
      return static_cast<float>(vals_i16[at(slot)]) * row_scale(row);
    case ValueType::kI8:
      return static_cast<float>(vals_i8[at(slot)]) * row_scale(row);
  }
  return 0.0f;
}

int64_t Matrix::bytes() const {
  return kHeaderBytes + 2 * static_cast<int64_t>(rows.size()) +
         slots() * value_bytes(header.value_type) + packed_bytes(slots(), offset_bits()) +
         4 * static_cast<int64_t>(scales.size());
}

void validate(const Matrix& m, const std::string& file, const std::string& name) {
  const Header& h = m.header;
  auto fail = [&](const std::string& part, const std::string& expected, const std::string& found) {
    throw Error(file, name + "." + part, expected, found);
  };
  auto check_range = [&](const char* part, int64_t v, int64_t lo, int64_t hi) {
    if (v < lo || v > hi)
      fail(part, fmt::format("an integer in [{}, {}]", lo, hi), fmt::format("{}", v));
  };
  check_range("rows", h.rows, 1, kMaxRows);
  check_range("cols", h.cols, 1, INT32_MAX);
  check_range("block_cols", h.block_cols, 1, 65535);
  check_range("banks", h.banks, 1, h.block_cols);
  if (h.block_cols % h.banks != 0) {
    fail("banks", fmt::format("a divisor of block_cols {}", h.block_cols),
         fmt::format("{}", h.banks));
  }
  check_range("n", h.n, 1, m.bank_width());
  check_range("k1", h.k1, 1, h.rows);
  const bool integer = is_integer(h.value_type);
  if (!integer && h.scale_mode != ScaleMode::kPerMatrix) {
    fail("scale", "per-matrix for a float value type", std::string(scale_mode_name(h.scale_mode)));
  }
  const size_t want_scales = !integer                             ? 0
                             : h.scale_mode == ScaleMode::kPerRow ? at(h.rows)
                                                                  : size_t{1};
  if (m.scales.size() != want_scales) {
    fail("scales", fmt::format("{} scales", want_scales), fmt::format("{}", m.scales.size()));
  }
  for (float s : m.scales) {
    if (!(std::isfinite(s) && s > 0.0f))
      fail("scales", "finite positive scales", fmt::format("{}", s));
  }
  const int64_t slots = m.slots();
  const size_t sizes[] = {m.vals_f32.size(), m.vals_f16.size(), m.vals_i16.size(),
                          m.vals_i8.size()};
  for (size_t t = 0; t < 4; ++t) {
    const size_t want = t == static_cast<size_t>(h.value_type) ? at(slots) : 0;
    if (sizes[t] != want) {
      fail("vals", fmt::format("{} {} values", want, kValueTypeNames[t]),
           fmt::format("{}", sizes[t]));
    }
  }
  if (m.rows.size() != at(m.blocks() * h.k1)) {
    fail("rows", fmt::format("{} row indices", m.blocks() * h.k1),
         fmt::format("{}", m.rows.size()));
  }
  if (m.offs.size() != at(packed_bytes(slots, m.offset_bits()))) {
    fail("offs", fmt::format("{} bytes", packed_bytes(slots, m.offset_bits())),
         fmt::format("{}", m.offs.size()));
  }
  auto is_zero = [&](int64_t slot) {
    switch (h.value_type) {
      case ValueType::kF32:
        return m.vals_f32[at(slot)] == 0.0f;
      case ValueType::kF16:
        return (m.vals_f16[at(slot)] & 0x7fffu) == 0;
      case ValueType::kI16:
        return m.vals_i16[at(slot)] == 0;
      case ValueType::kI8:
        return m.vals_i8[at(slot)] == 0;
    }
    return false;
  };
  const int64_t width = m.bank_width();
  for (int64_t b = 0; b < m.blocks(); ++b) {
    for (int64_t i = 0; i < h.k1; ++i) {
      const int64_t seg = b * h.k1 + i;
      const int64_t r = m.rows[at(seg)];
      if (r >= h.rows || (i > 0 && r <= m.rows[at(seg - 1)])) {
        fail("rows", fmt::format("ascending row indices below {} in block {}", h.rows, b),
             fmt::format("{} at position {}", r, i));
      }
      for (int64_t j = 0; j < h.banks; ++j) {
        const int64_t first_col = b * h.block_cols + j * width;
        const int64_t real = std::clamp<int64_t>(h.cols - first_col, 0, width);
        const int64_t used = std::min(h.n, real);
        for (int64_t s = 0; s < h.n; ++s) {
          const int64_t slot = (seg * h.banks + j) * h.n + s;
          const int64_t off = m.offset(slot);
          const auto where = fmt::format("block {}, row {}, bank {}, slot {}", b, r, j, s);
          if (s < used) {
            const int64_t prev = s > 0 ? m.offset(slot - 1) : -1;
            if (off >= real || off <= prev) {
              fail("offs", fmt::format("ascending offsets below {} ({})", real, where),
                   fmt::format("{}", off));
            }
            if (h.value_type == ValueType::kF32 && !std::isfinite(m.vals_f32[at(slot)])) {
              fail("vals", "finite values (" + where + ")",
                   fmt::format("{}", m.vals_f32[at(slot)]));
            }
            if (h.value_type == ValueType::kF16 && (m.vals_f16[at(slot)] & 0x7c00u) == 0x7c00u) {
              fail("vals", "finite values (" + where + ")", "an infinity or NaN");
            }
          } else if (off != 0 || !is_zero(slot)) {
            fail("offs", "value 0 and offset 0 in an unused slot (" + where + ")",
                 fmt::format("offset {}", off));
          }
        }
      }
    }
  }
}

}  // namespace fitformer::format::hpf

namespace fitformer::format {
namespace {

[[noreturn]] void mask_error(const std::string& expected, const std::string& found) {
  throw Error("", "mask", expected, found);
}

}  // namespace

hpf::Matrix pack_hpf(std::span<const float> weights, int64_t rows, int64_t cols,
                     const sparsity::Mask& mask, const sparsity::HpParams& params,
                     ValueType value_type, ScaleMode scale) {
  if (rows < 1 || rows > hpf::kMaxRows) {
    throw Error("", "rows", fmt::format("an integer in [1, {}]", hpf::kMaxRows),
                fmt::format("{}", rows));
  }
  if (cols < 1) throw Error("", "cols", "at least 1", fmt::format("{}", cols));
  if (weights.size() != at(rows * cols)) {
    throw Error("", "weights", fmt::format("{} values", rows * cols),
                fmt::format("{}", weights.size()));
  }
  if (mask.rows != rows || mask.cols != cols || mask.keep.size() != at(rows * cols)) {
    throw Error("", "mask", fmt::format("a {} x {} mask", rows, cols),
                fmt::format("{} x {}", mask.rows, mask.cols));
  }
  const sparsity::HpCounts counts = sparsity::hp_counts(rows, params);
  hpf::Matrix m;
  m.header = {rows,
              cols,
              params.block_cols,
              params.banks,
              counts.n,
              counts.k1,
              value_type,
              is_integer(value_type) ? scale : ScaleMode::kPerMatrix};
  const int64_t width = counts.bank_width, n = counts.n, banks = params.banks;
  const int64_t slots = m.slots();
  m.rows.reserve(at(m.blocks() * counts.k1));
  m.offs.assign(at(packed_bytes(slots, m.offset_bits())), 0);
  std::vector<float> kept(at(slots), 0.0f);
  for (int64_t b = 0; b < m.blocks(); ++b) {
    const int64_t c0 = b * params.block_cols;
    const int64_t c1 = std::min(cols, c0 + params.block_cols);
    const size_t first = m.rows.size();
    for (int64_t r = 0; r < rows; ++r) {
      const auto row = std::span(mask.keep).subspan(at(r * cols + c0), at(c1 - c0));
      if (std::find(row.begin(), row.end(), 1) != row.end())
        m.rows.push_back(static_cast<uint16_t>(r));
    }
    const int64_t found = static_cast<int64_t>(m.rows.size() - first);
    if (found != counts.k1) {
      mask_error(fmt::format("an HP mask with k1 = {} rows per column block", counts.k1),
                 fmt::format("{} rows in column block {}", found, b));
    }
    for (int64_t i = 0; i < counts.k1; ++i) {
      const int64_t seg = b * counts.k1 + i;
      const int64_t r = m.rows[at(seg)];
      for (int64_t j = 0; j < banks; ++j) {
        const int64_t bank0 = c0 + j * width;
        const int64_t real = std::clamp<int64_t>(c1 - bank0, 0, width);
        int64_t s = 0;
        for (int64_t o = 0; o < real; ++o) {
          if (!mask.keep[at(r * cols + bank0 + o)]) continue;
          if (s == n) break;  // reported below
          const int64_t slot = (seg * banks + j) * n + s;
          kept[at(slot)] = weights[at(r * cols + bank0 + o)];
          put_field(m.offs, slot, m.offset_bits(), static_cast<uint32_t>(o));
          ++s;
        }
        int64_t total = 0;
        for (int64_t o = 0; o < real; ++o) total += mask.keep[at(r * cols + bank0 + o)];
        if (total != std::min(n, real)) {
          mask_error(fmt::format("an HP mask with n = {} weights per bank", n),
                     fmt::format("{} in column block {}, row {}, bank {}", total, b, r, j));
        }
      }
    }
  }
  // Values: copy, round to fp16, or quantize with the scale of their row or matrix.
  switch (value_type) {
    case ValueType::kF32:
      m.vals_f32 = std::move(kept);
      break;
    case ValueType::kF16:
      m.vals_f16.resize(at(slots));
      for (int64_t s = 0; s < slots; ++s) m.vals_f16[at(s)] = f32_to_f16(kept[at(s)]);
      break;
    case ValueType::kI16:
    case ValueType::kI8: {
      const int32_t qmax = quant_max(value_type);
      const int64_t spr = m.slots_per_segment();
      std::vector<float> max_abs(scale == ScaleMode::kPerRow ? at(rows) : 1, 0.0f);
      auto group = [&](int64_t slot) {
        return max_abs.size() == 1 ? 0 : at(m.rows[at(slot / spr)]);
      };
      for (int64_t s = 0; s < slots; ++s)
        max_abs[group(s)] = std::max(max_abs[group(s)], std::fabs(kept[at(s)]));
      m.scales.resize(max_abs.size());
      for (size_t g = 0; g < max_abs.size(); ++g) m.scales[g] = symmetric_scale(max_abs[g], qmax);
      if (value_type == ValueType::kI16)
        m.vals_i16.resize(at(slots));
      else
        m.vals_i8.resize(at(slots));
      for (int64_t s = 0; s < slots; ++s) {
        const int32_t q = quantize_symmetric(kept[at(s)], m.scales[group(s)], qmax);
        if (value_type == ValueType::kI16)
          m.vals_i16[at(s)] = static_cast<int16_t>(q);
        else
          m.vals_i8[at(s)] = static_cast<int8_t>(q);
      }
      break;
    }
  }
  return m;
}

std::vector<float> hpf_to_dense(const hpf::Matrix& m) {
  const hpf::Header& h = m.header;
  std::vector<float> dense(at(h.rows * h.cols), 0.0f);
  const int64_t width = m.bank_width();
  for (int64_t b = 0; b < m.blocks(); ++b) {
    for (int64_t i = 0; i < h.k1; ++i) {
      const int64_t seg = b * h.k1 + i;
      const int64_t r = m.rows[at(seg)];
      for (int64_t j = 0; j < m.real_banks(b); ++j) {
        for (int64_t s = 0; s < h.n; ++s) {
          const int64_t slot = (seg * h.banks + j) * h.n + s;
          const int64_t c = b * h.block_cols + j * width + m.offset(slot);
          // Unused slots (value 0, offset 0) add nothing.
          dense[at(r * h.cols + c)] += m.value(slot, r);
        }
      }
    }
  }
  return dense;
}

}  // namespace fitformer::format
