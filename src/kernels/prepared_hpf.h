// A kernel-side copy of an HPF matrix (format/hpf.h), laid out once for the SIMD kernels of
// spmm.h so that no call decodes bit-packed offsets or searches kept rows: what a runtime
// builds when it loads a pruned layer and reuses for every call.
//
// Layout, for a matrix with blocks = ceil(K / Bc) column blocks of k1 kept rows each: the
// kept rows of a block are cut into groups = ceil(k1 / 16) groups of kGroupRows = 16, and
// every per-row array is stored [blocks][groups][item][16], the 16 rows of a group in the
// lanes (SpMV puts one row per SIMD lane; SpMM reads one lane at a stride of 16). Lanes past
// k1 in a block's last group are padding: their row repeats the block's last kept row and
// their weights are 0, so adding their (zero) result anywhere is harmless.
//   fp32: offs (uint8, in-bank offset) and vals_f32 per slot, [blocks][groups][B * n][16]
//         (and offs4, the columns modulo 16 as nibbles, 8 slots per uint32 lane);
//         slot s lies in bank s / n, whose first in-block column is slot_cols[s].
//   int8: the kept row segment as Bc / 4 column quads (columns 4q .. 4q + 3 of the block,
//         4 int8 in one int32, little-endian, 0 where not kept), [blocks][groups][quads][16],
//         with each segment's weight sum and its row's scale, [blocks][groups][16].
// Memory (modeled): fp32 5.5 B per slot for SpMV's lanes plus 6 B for SpMM's segments,
// against HPF's 4 + 3/8; int8 Bc + 8 B per kept row
// segment against HPF's B * n * (1 + 3/8); both plus the padding to 16 rows per group.
#pragma once

#include <cstdint>
#include <vector>

#include "format/hpf.h"

namespace fitformer::kernels {

struct PreparedHpf {
  static constexpr int64_t kGroupRows = 16;

  format::hpf::Header header;
  int64_t blocks = 0;               // ceil(K / Bc)
  int64_t groups = 0;               // ceil(k1 / kGroupRows) row groups per block
  int64_t quads = 0;                // ceil(Bc / 4) column quads per block (int8)
  std::vector<uint16_t> rows;       // [blocks][groups * 16] kept rows, ascending below k1
  std::vector<int32_t> real_banks;  // [blocks] banks holding real columns (format/hpf.h)
  std::vector<int32_t> slot_cols;   // [B * n] (s / n) * bank width
  // [M + 1]: kept row segments in rows < r, over all blocks (the SpMM's work per row, by which
  // it splits rows between threads).
  std::vector<int64_t> row_segments;
  // [M]: the first column block holding a kept segment of row r, or -1. SpMM starts a row's Y
  // tile (at bias + residual) when that block adds its segment, not in a pass of its own.
  std::vector<int32_t> first_block;
  // [blocks]: how many of block b's kept rows have b as their first block (detail::start_order
  // skips its reordering where none or all of them do).
  std::vector<int32_t> block_starts;

  std::vector<uint8_t> offs;  // fp32: [blocks][groups][B * n][16]
  // fp32, when the bank width divides 16 (so no bank straddles a 16-column window): each
  // slot's in-block column modulo 16 as a nibble, slot s in bits 4 (s % 8) .. 4 (s % 8) + 3
  // of [blocks][groups][ceil(B * n / 8)][16], for SpMV: one load per 8 slots, then a shift
  // and a mask per slot give the index into the slot's aligned window of x.
  std::vector<uint32_t> offs4;
  std::vector<float> vals_f32;  // fp32: same shape
  // fp32, for SpMM (one kept row segment at a time): each segment's slots contiguous, its
  // in-block column (slot_cols[s] + offs) and weight, [blocks][k1][B * n].
  std::vector<uint16_t> seg_cols;
  std::vector<float> seg_vals;

  std::vector<int32_t> quads_i8;  // int8: [blocks][groups][quads][16]
  std::vector<int32_t> sums_i8;   // int8: [blocks][groups][16]
  std::vector<float> scales_i8;   // int8: [blocks][groups][16] the row's weight scale

  int64_t slots() const { return header.banks * header.n; }  // per segment
  // Bytes held, for the memory cost of keeping this copy next to (or instead of) the HPF one.
  int64_t bytes() const;
};

// Builds the copy for an fp32 or int8 HPF matrix (other value types: Error naming "w"), on
// `threads` >= 1 OpenMP threads (column blocks split between them). Checks the arrays' sizes
// against the header; `w` must otherwise be valid (hpf::validate).
PreparedHpf prepare_hpf(const format::hpf::Matrix& w, int threads = 1);

}  // namespace fitformer::kernels
