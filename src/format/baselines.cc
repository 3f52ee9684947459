// Packers and decoders of the baseline formats; the byte counts live in the header.
#include "format/baselines.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>

#include "core/error.h"
#include "core/indexing.h"
#include "format/bit_pack.h"

namespace fitformer::format {
namespace {

void check(std::span<const float> weights, const sparsity::Mask& mask) {
  if (mask.rows < 1 || mask.cols < 1 || mask.keep.size() != at(mask.rows * mask.cols)) {
    throw Error("", "mask", "a non-empty mask of rows * cols flags",
                fmt::format("{} x {} with {}", mask.rows, mask.cols, mask.keep.size()));
  }
  if (weights.size() != mask.keep.size()) {
    throw Error("", "weights", fmt::format("{} values", mask.keep.size()),
                fmt::format("{}", weights.size()));
  }
}

void check_width(const char* field, int64_t width) {
  if (width < 1 || width > 65535) {
    throw Error("", field, "an integer in [1, 65535]", fmt::format("{}", width));
  }
}

int bits_for(int64_t width) {
  return width <= 1 ? 0 : static_cast<int>(std::bit_width(static_cast<uint64_t>(width - 1)));
}

}  // namespace

DenseMatrix pack_dense(std::span<const float> weights, const sparsity::Mask& mask) {
  check(weights, mask);
  DenseMatrix m{mask.rows, mask.cols, std::vector<float>(weights.begin(), weights.end())};
  for (size_t i = 0; i < m.vals.size(); ++i) {
    if (!mask.keep[i]) m.vals[i] = 0.0f;
  }
  return m;
}

CsrMatrix pack_csr(std::span<const float> weights, const sparsity::Mask& mask) {
  check(weights, mask);
  CsrMatrix m;
  m.rows = mask.rows;
  m.cols = mask.cols;
  m.row_ptr.push_back(0);
  for (int64_t r = 0; r < m.rows; ++r) {
    for (int64_t c = 0; c < m.cols; ++c) {
      if (!mask.keep[at(r * m.cols + c)]) continue;
      m.col_idx.push_back(static_cast<int32_t>(c));
      m.vals.push_back(weights[at(r * m.cols + c)]);
    }
    m.row_ptr.push_back(static_cast<int32_t>(m.vals.size()));
  }
  return m;
}

BcsrMatrix pack_bcsr(std::span<const float> weights, const sparsity::Mask& mask, int64_t block_rows,
                     int64_t block_cols) {
  check(weights, mask);
  check_width("block_rows", block_rows);
  check_width("block_cols", block_cols);
  BcsrMatrix m{mask.rows, mask.cols, block_rows, block_cols, {0}, {}, {}};
  for (int64_t r0 = 0; r0 < m.rows; r0 += block_rows) {
    for (int64_t c0 = 0; c0 < m.cols; c0 += block_cols) {
      bool any = false;
      for (int64_t r = r0; r < std::min(m.rows, r0 + block_rows) && !any; ++r) {
        for (int64_t c = c0; c < std::min(m.cols, c0 + block_cols); ++c)
          any |= mask.keep[at(r * m.cols + c)] != 0;
      }
      if (!any) continue;
      m.block_col.push_back(static_cast<int32_t>(c0 / block_cols));
      for (int64_t r = r0; r < r0 + block_rows; ++r) {
        for (int64_t c = c0; c < c0 + block_cols; ++c) {
          const bool real = r < m.rows && c < m.cols && mask.keep[at(r * m.cols + c)];
          m.vals.push_back(real ? weights[at(r * m.cols + c)] : 0.0f);
        }
      }
    }
    m.block_row_ptr.push_back(static_cast<int32_t>(m.block_col.size()));
  }
  return m;
}

int CsbMatrix::index_bits() const {
  return bits_for(bank_width);
}

CsbMatrix pack_csb(std::span<const float> weights, const sparsity::Mask& mask, int64_t bank_width) {
  check(weights, mask);
  check_width("bank_width", bank_width);
  CsbMatrix m{mask.rows, mask.cols, bank_width, 0, {}, {}};
  const int64_t banks = (m.cols + bank_width - 1) / bank_width;
  auto bank_count = [&](int64_t r, int64_t k) {
    int64_t count = 0;
    for (int64_t c = k * bank_width; c < std::min(m.cols, (k + 1) * bank_width); ++c)
      count += mask.keep[at(r * m.cols + c)];
    return count;
  };
  for (int64_t r = 0; r < m.rows; ++r) {
    for (int64_t k = 0; k < banks; ++k) m.n = std::max(m.n, bank_count(r, k));
  }
  const int64_t slots = m.rows * banks * m.n;
  m.vals.assign(at(slots), 0.0f);
  m.indices.assign(at(packed_bytes(slots, m.index_bits())), 0);
  for (int64_t r = 0; r < m.rows; ++r) {
    for (int64_t k = 0; k < banks; ++k) {
      int64_t slot = (r * banks + k) * m.n;
      for (int64_t c = k * bank_width; c < std::min(m.cols, (k + 1) * bank_width); ++c) {
        if (!mask.keep[at(r * m.cols + c)]) continue;
        m.vals[at(slot)] = weights[at(r * m.cols + c)];
        put_field(m.indices, slot++, m.index_bits(), static_cast<uint32_t>(c - k * bank_width));
      }
    }
  }
  return m;
}

CbrMatrix pack_cbr(std::span<const float> weights, const sparsity::Mask& mask, int64_t block_cols) {
  check(weights, mask);
  check_width("block_cols", block_cols);
  if (mask.rows > 65536)
    throw Error("", "rows", "at most 65536 (uint16 row indices)", fmt::format("{}", mask.rows));
  CbrMatrix m{mask.rows, mask.cols, block_cols, {0}, {}, {}};
  for (int64_t c0 = 0; c0 < m.cols; c0 += block_cols) {
    const int64_t c1 = std::min(m.cols, c0 + block_cols);
    for (int64_t r = 0; r < m.rows; ++r) {
      const auto keep = std::span(mask.keep).subspan(at(r * m.cols + c0), at(c1 - c0));
      if (std::find(keep.begin(), keep.end(), 1) == keep.end()) continue;
      m.row_idx.push_back(static_cast<uint16_t>(r));
      for (int64_t c = c0; c < c1; ++c) {
        m.vals.push_back(mask.keep[at(r * m.cols + c)] ? weights[at(r * m.cols + c)] : 0.0f);
      }
    }
    m.block_ptr.push_back(static_cast<int32_t>(m.row_idx.size()));
  }
  return m;
}

std::vector<float> to_dense(const CsrMatrix& m) {
  std::vector<float> d(at(m.rows * m.cols), 0.0f);
  for (int64_t r = 0; r < m.rows; ++r) {
    for (int32_t i = m.row_ptr[at(r)]; i < m.row_ptr[at(r + 1)]; ++i)
      d[at(r * m.cols + m.col_idx[at(i)])] = m.vals[at(i)];
  }
  return d;
}

std::vector<float> to_dense(const BcsrMatrix& m) {
  std::vector<float> d(at(m.rows * m.cols), 0.0f);
  const int64_t area = m.block_rows * m.block_cols;
  for (size_t br = 0; br + 1 < m.block_row_ptr.size(); ++br) {
    for (int32_t i = m.block_row_ptr[br]; i < m.block_row_ptr[br + 1]; ++i) {
      for (int64_t y = 0; y < m.block_rows; ++y) {
        for (int64_t x = 0; x < m.block_cols; ++x) {
          const int64_t r = static_cast<int64_t>(br) * m.block_rows + y;
          const int64_t c = m.block_col[at(i)] * m.block_cols + x;
          if (r < m.rows && c < m.cols)
            d[at(r * m.cols + c)] = m.vals[at(i * area + y * m.block_cols + x)];
        }
      }
    }
  }
  return d;
}

std::vector<float> to_dense(const CsbMatrix& m) {
  std::vector<float> d(at(m.rows * m.cols), 0.0f);
  const int64_t banks = (m.cols + m.bank_width - 1) / m.bank_width;
  for (int64_t slot = 0; slot < static_cast<int64_t>(m.vals.size()); ++slot) {
    const int64_t r = slot / (banks * m.n);
    const int64_t k = slot / m.n % banks;
    const int64_t c = k * m.bank_width + get_field(m.indices, slot, m.index_bits());
    d[at(r * m.cols + c)] += m.vals[at(slot)];  // padding slots add 0 at index 0
  }
  return d;
}

std::vector<float> to_dense(const CbrMatrix& m) {
  std::vector<float> d(at(m.rows * m.cols), 0.0f);
  size_t v = 0;
  for (size_t b = 0; b + 1 < m.block_ptr.size(); ++b) {
    const int64_t c0 = static_cast<int64_t>(b) * m.block_cols;
    const int64_t c1 = std::min(m.cols, c0 + m.block_cols);
    for (int32_t i = m.block_ptr[b]; i < m.block_ptr[b + 1]; ++i) {
      for (int64_t c = c0; c < c1; ++c) d[at(m.row_idx[at(i)] * m.cols + c)] = m.vals[v++];
    }
  }
  return d;
}

}  // namespace fitformer::format
