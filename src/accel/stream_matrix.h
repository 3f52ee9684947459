// The generic weight stream that lets the HP accelerator run any pattern (unstructured,
// block-wise, bank-balanced, N:M...): per column block, the kept row segments, each a list
// of (column offset, value) entries in the order the PE receives them, unpadded or padded to
// one entry per bank per cycle. HP matrices use HPF instead; this is the comparison the
// paper's "concurrent random access" claim is about.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "accel/accel_spec.h"
#include "format/value_type.h"
#include "sparsity/mask.h"

namespace fitformer::accel {

// The order of a segment's entries in the stream; the PE takes B entries per cycle.
//  - kColumn: ascending column, what a CSR stream gives.
//  - kBankInterleaved: the first kept weight of every bank (banks ascending), then the
//    second of every bank that has one, ...: the best an offline packer can do without
//    padding.
//  - kPadded: slot by slot, one entry per bank (banks ascending): slot c holds the c-th kept
//    weight of each bank (in-bank offsets ascending), or a padding entry (value 0, the bank's
//    offset 0) where the bank has fewer. A segment's length L (slots) is the largest kept count
//    over its banks, so each of its L windows of B entries reads every bank once: no conflict
//    stall, and L cycles where an unpadded order may need more. HP's own segments need no
//    padding (n in every bank), so an HP mask packed this way is HPF's stream.
enum class StreamOrder { kColumn, kBankInterleaved, kPadded };
inline constexpr std::array<std::string_view, 3> kStreamOrderNames = {"column", "bank-interleaved",
                                                                      "padded"};
std::string_view stream_order_name(StreamOrder order);
// Throws Error naming `field` and listing kStreamOrderNames for another name.
StreamOrder parse_stream_order(std::string_view name, std::string_view field);

struct StreamMatrix {
  int64_t rows = 0;         // M
  int64_t cols = 0;         // K
  int64_t block_cols = 64;  // Bc
  int64_t banks = 8;        // B; bank of column offset c is c / (Bc / B)
  Precision precision = Precision::kInt8;
  StreamOrder order = StreamOrder::kColumn;
  format::ScaleMode scale_mode = format::ScaleMode::kPerRow;
  // Segments of block b are [block_segments[b], block_segments[b + 1]); blocks + 1 entries.
  std::vector<int64_t> block_segments;
  std::vector<uint16_t> segment_row;  // [segments], ascending within a block
  // Entries of segment s are [segment_entries[s], segment_entries[s + 1]).
  std::vector<int64_t> segment_entries;
  std::vector<uint16_t> entry_col;    // offset inside the column block, in stream order
  std::vector<int16_t> entry_val;     // quantized weight (0 for a padding entry)
  std::vector<int64_t> segment_kept;  // [segments] kept weights: its entries less padding
  std::vector<float> scales;          // 1 (per-matrix) or M (per-row)

  int64_t blocks() const { return static_cast<int64_t>(block_segments.size()) - 1; }
  int64_t segments() const { return static_cast<int64_t>(segment_row.size()); }
  float row_scale(int64_t row) const {
    return scales.size() == 1 ? scales[0] : scales[static_cast<size_t>(row)];
  }
  bool padded() const { return order == StreamOrder::kPadded; }
  // Padding entries of the whole stream (0 unless padded).
  int64_t padding_entries() const;
  // Off-chip bytes of block b: per entry (padding included) its value and its offset, bit-packed
  // per block: ceil(log2 Bc) bits of column, or for a padded stream ceil(log2 (Bc / B)) bits
  // inside its bank (the bank is its place in the slot, as in HPF); per segment a 16-bit row
  // index and a 16-bit entry count (padded: its slot count L).
  int64_t block_bytes(int64_t block) const;
  // Sum of block_bytes plus 4 bytes per scale.
  int64_t bytes() const;
  // What the padding entries add to bytes(): bytes() less the same blocks without them.
  int64_t padding_bytes() const;
};

// Packs the kept weights of a row-major M x K matrix under any mask: weights quantize by
// format/value_type.h's rule with the scale set by the kept weights (per matrix or per row,
// as pack_hpf does). Rows without a kept weight in a block have no segment there. Padding
// entries of a ragged last block may point past K (the PE's slice holds zeros there). Throws
// Error for mismatched sizes, M > 65536, or a Bc that B does not divide.
StreamMatrix pack_stream(std::span<const float> weights, int64_t rows, int64_t cols,
                         const sparsity::Mask& mask, int64_t block_cols, int64_t banks,
                         Precision precision, format::ScaleMode scale, StreamOrder order);

}  // namespace fitformer::accel
