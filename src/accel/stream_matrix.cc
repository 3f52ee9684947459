// Packing any mask into the generic per-segment weight stream, and its byte count.
#include "accel/stream_matrix.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/indexing.h"
#include "format/bit_pack.h"

namespace fitformer::accel {
namespace {

int bits_for(int64_t values) {
  int bits = 0;
  while ((int64_t{1} << bits) < values) ++bits;
  return bits;
}

// The bytes of a block of `entries` entries and `segments` segments (StreamMatrix::block_bytes).
int64_t stream_block_bytes(const StreamMatrix& m, int64_t entries, int64_t segments) {
  const int offset = bits_for(m.padded() ? m.block_cols / m.banks : m.block_cols);
  return entries * precision_bytes(m.precision) + format::packed_bytes(entries, offset) +
         4 * segments;
}

}  // namespace

std::string_view stream_order_name(StreamOrder order) {
  return kStreamOrderNames[static_cast<size_t>(order)];
}

StreamOrder parse_stream_order(std::string_view name, std::string_view field) {
  for (size_t i = 0; i < kStreamOrderNames.size(); ++i) {
    if (kStreamOrderNames[i] == name) return static_cast<StreamOrder>(i);
  }
  throw Error("", std::string(field), fmt::format("one of {}", fmt::join(kStreamOrderNames, ", ")),
              fmt::format("\"{}\"", name));
}

int64_t StreamMatrix::block_bytes(int64_t block) const {
  const int64_t s0 = block_segments[at(block)], s1 = block_segments[at(block + 1)];
  return stream_block_bytes(*this, segment_entries[at(s1)] - segment_entries[at(s0)], s1 - s0);
}

int64_t StreamMatrix::bytes() const {
  int64_t total = 4 * static_cast<int64_t>(scales.size());
  for (int64_t b = 0; b < blocks(); ++b) total += block_bytes(b);
  return total;
}

int64_t StreamMatrix::padding_entries() const {
  int64_t kept = 0;
  for (int64_t k : segment_kept) kept += k;
  return static_cast<int64_t>(entry_col.size()) - kept;
}

int64_t StreamMatrix::padding_bytes() const {
  int64_t unpadded = 4 * static_cast<int64_t>(scales.size());
  for (int64_t b = 0; b < blocks(); ++b) {
    const int64_t s0 = block_segments[at(b)], s1 = block_segments[at(b + 1)];
    int64_t kept = 0;
    for (int64_t s = s0; s < s1; ++s) kept += segment_kept[at(s)];
    unpadded += stream_block_bytes(*this, kept, s1 - s0);
  }
  return bytes() - unpadded;
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
  m.order = order;
  m.scale_mode = scale;

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
  std::vector<std::vector<int64_t>> by_bank(at(banks));
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
      m.segment_kept.push_back(static_cast<int64_t>(kept.size()));
      if (order == StreamOrder::kPadded) {
        // Slot c holds the c-th kept offset of every bank, or -1 for padding.
        for (auto& v : by_bank) v.clear();
        for (int64_t off : kept) by_bank[at(off / bw)].push_back(off);
        size_t slots = 0;
        for (const auto& v : by_bank) slots = std::max(slots, v.size());
        kept.clear();
        for (size_t c = 0; c < slots; ++c) {
          for (const auto& v : by_bank) kept.push_back(c < v.size() ? v[c] : -1);
        }
      } else if (order == StreamOrder::kBankInterleaved) {
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
      for (size_t i = 0; i < kept.size(); ++i) {
        const int64_t off = kept[i];
        const int64_t bank = static_cast<int64_t>(i) % banks;  // padded: the slot's bank
        m.entry_col.push_back(static_cast<uint16_t>(off >= 0 ? off : bank * bw));
        m.entry_val.push_back(static_cast<int16_t>(
            off >= 0 ? format::quantize_symmetric(weights[at(r * cols + c0 + off)], s, qmax) : 0));
      }
      m.segment_row.push_back(static_cast<uint16_t>(r));
      m.segment_entries.push_back(static_cast<int64_t>(m.entry_col.size()));
    }
    m.block_segments.push_back(static_cast<int64_t>(m.segment_row.size()));
  }
  return m;
}

}  // namespace fitformer::accel
