// Packing any mask into the generic per-segment weight stream, and its byte count.
#include "accel/stream_matrix.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "format/bit_pack.h"

namespace fitformer::accel {
namespace {

size_t at(int64_t i) {
  return static_cast<size_t>(i);
}

int bits_for(int64_t values) {
  int bits = 0;
  while ((int64_t{1} << bits) < values) ++bits;
  return bits;
}

}  // namespace

int64_t StreamMatrix::block_bytes(int64_t block) const {
  const int64_t s0 = block_segments[at(block)], s1 = block_segments[at(block + 1)];
  const int64_t entries = segment_entries[at(s1)] - segment_entries[at(s0)];
  return entries * precision_bytes(precision) +
         format::packed_bytes(entries, bits_for(block_cols)) + 4 * (s1 - s0);
}

int64_t StreamMatrix::bytes() const {
  int64_t total = 4 * static_cast<int64_t>(scales.size());
  for (int64_t b = 0; b < blocks(); ++b) total += block_bytes(b);
  return total;
}

StreamMatrix pack_stream(std::span<const float> weights, int64_t rows, int64_t cols,
                         const sparsity::Mask& mask, int64_t block_cols, int64_t banks,
                         Precision precision, format::ScaleMode scale, StreamOrder order) {
  if (rows < 1 || rows > 65536) throw Error("", "rows", "1..65536", fmt::format("{}", rows));
  if (cols < 1) throw Error("", "cols", ">= 1", fmt::format("{}", cols));
  if (weights.size() != at(rows * cols)) {
    throw Error("", "weights", fmt::format("{} values", rows * cols),
                fmt::format("{}", weights.size()));
  }
  if (mask.rows != rows || mask.cols != cols || mask.keep.size() != at(rows * cols)) {
    throw Error("", "mask", fmt::format("{} x {}", rows, cols),
                fmt::format("{} x {}", mask.rows, mask.cols));
  }
  if (banks < 1 || block_cols < 1 || block_cols % banks != 0 || block_cols > 65536) {
    throw Error("", "block_cols", "a multiple of banks, <= 65536",
                fmt::format("{} (banks {})", block_cols, banks));
  }
  StreamMatrix m;
  m.rows = rows;
  m.cols = cols;
  m.block_cols = block_cols;
  m.banks = banks;
  m.precision = precision;

  // Scales as pack_hpf sets them: max |w| over the kept weights sharing the scale.
  const bool per_row = scale == format::ScaleMode::kPerRow;
  const int32_t qmax = precision_qmax(precision);
  std::vector<float> max_abs(per_row ? at(rows) : 1, 0.0f);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) {
      if (!mask.keep[at(r * cols + c)]) continue;
      float& g = max_abs[per_row ? at(r) : 0];
      g = std::max(g, std::fabs(weights[at(r * cols + c)]));
    }
  }
  for (float a : max_abs) m.scales.push_back(format::symmetric_scale(a, qmax));

  const int64_t blocks = (cols + block_cols - 1) / block_cols;
  const int64_t bw = block_cols / banks;
  std::vector<int64_t> kept;  // column offsets of one segment, ascending
  m.block_segments.push_back(0);
  m.segment_entries.push_back(0);
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t c0 = b * block_cols, c1 = std::min(cols, c0 + block_cols);
    for (int64_t r = 0; r < rows; ++r) {
      kept.clear();
      for (int64_t c = c0; c < c1; ++c) {
        if (mask.keep[at(r * cols + c)]) kept.push_back(c - c0);
      }
      if (kept.empty()) continue;
      if (order == StreamOrder::kBankInterleaved) {
        // Rank within its bank first, bank second: a stable sort on (rank, bank).
        std::vector<std::pair<int64_t, int64_t>> key;
        int64_t bank = -1, rank = 0;
        for (int64_t off : kept) {
          rank = off / bw == bank ? rank + 1 : 0;
          bank = off / bw;
          key.emplace_back(rank * banks + bank, off);
        }
        std::sort(key.begin(), key.end());
        for (size_t i = 0; i < kept.size(); ++i) kept[i] = key[i].second;
      }
      const float s = m.row_scale(per_row ? r : 0);
      for (int64_t off : kept) {
        m.entry_col.push_back(static_cast<uint16_t>(off));
        m.entry_val.push_back(static_cast<int16_t>(
            format::quantize_symmetric(weights[at(r * cols + c0 + off)], s, qmax)));
      }
      m.segment_row.push_back(static_cast<uint16_t>(r));
      m.segment_entries.push_back(static_cast<int64_t>(m.entry_col.size()));
    }
    m.block_segments.push_back(static_cast<int64_t>(m.segment_row.size()));
  }
  return m;
}

}  // namespace fitformer::accel
