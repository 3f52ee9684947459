// What the kernel bodies of spmm_simd.cc (Highway, every target) and spmm_vnni.cc (x86
// AVX512-VNNI) share: their argument block and the work splits (split_range.h, kept_range).
// Not part of the API.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "core/indexing.h"
#include "kernels/prepared_hpf.h"
#include "kernels/split_range.h"
#include "kernels/spmm_fused.h"

namespace fitformer::kernels::detail {

struct PlanArgs {
  const PreparedHpf* w = nullptr;
  const float* x = nullptr;    // fp32 kernels
  const int8_t* xq = nullptr;  // int8 kernels
  float x_scale = 1.0f;
  int64_t n = 1;
  float* y = nullptr;
  int threads = 1;
};

// The kept rows [first, last) of column block b that fall in output rows [r0, r1): rows are
// ascending within a block, so a thread that owns [r0, r1) finds its share by two searches.
inline std::pair<int64_t, int64_t> kept_range(const PreparedHpf& w, int64_t b, int64_t r0,
                                              int64_t r1) {
  const uint16_t* rows = w.rows.data() + b * w.groups * PreparedHpf::kGroupRows;
  const uint16_t* end = rows + w.header.k1;
  const auto lo = std::lower_bound(rows, end, r0);
  const auto hi = std::lower_bound(lo, end, r1);
  return {lo - rows, hi - rows};
}

// Where the SpMM (fp32, and int8 on VNNI) starts kept row r's tile of Y (tokens [c0, c0 +
// tile)) when column block b adds its segment: Y itself, except in the row's first block
// (PreparedHpf::first_block), where the tile starts at residual + bias (`from`: the residual's
// tile, or zeros) and is only written. Rows without segments are set by a pass of their own
// (RunPart).
inline constexpr int64_t kMaxTileTokens = 128;  // the widest SpMM token tile (8 vectors of 16)
alignas(64) inline constexpr float kZeroTokens[kMaxTileTokens] = {};
struct RowStart {
  bool first = false;
  const float* from = nullptr;  // when first
  float bias = 0.0f;            // when first
};

// Output rows [r0, r1) of thread t of nt in an SpMM: contiguous, cut where the running count of
// kept row segments (w.row_segments) crosses t / nt of the total, so every thread adds about
// the same number of segments whatever the rows' density.
inline std::pair<int64_t, int64_t> balanced_rows(const PreparedHpf& w, int t, int nt) {
  const int64_t rows = w.header.rows;
  const int64_t total = w.row_segments.back();
  auto cut = [&](int u) -> int64_t {
    if (u <= 0) return 0;
    if (u >= nt) return rows;
    const int64_t target = (total * u + nt / 2) / nt;
    return std::lower_bound(w.row_segments.begin(), w.row_segments.end(), target) -
           w.row_segments.begin();
  };
  return {std::min(cut(t), rows), std::min(cut(t + 1), rows)};
}

// The int8 tile of a row that starts in this block is another instantiation than the others',
// so which one a pair of kept rows gets is a branch. In the mask's order it falls as the mask
// does, and mispredicted: at 95 % the int8 SpMM spent about 9 % of its samples deciding it
// (docs/kernels.md). spmm_vnni.cc walks a block's kept rows in chunks of kStartOrderChunk, in
// start_order: the rows that start here first, so chunk_tiles picks the tile once per part of a
// chunk instead of per pair. (The fp32 tile, one row at a time, measured slower with it.)
inline constexpr int64_t kStartOrderChunk = 128;
struct StartOrder {
  uint16_t rows[kStartOrderChunk];  // kept row indices i (into the block's w.rows)
  int64_t starting = 0;             // rows[0, starting) start their tile in this block
};
// Kept rows i0 .. i0 + n - 1 (n <= kStartOrderChunk) of block b in that order, each part
// ascending; in their own order where the block's rows are all of one kind (or without
// `starts`: no row starts in a block, a pass set Y). Branch-free, for the reason above.
inline void start_order(const PreparedHpf& w, int64_t b, int64_t i0, int64_t n, bool starts,
                        StartOrder& o) {
  const int64_t in_block = starts ? w.block_starts[static_cast<size_t>(b)] : 0;
  if (in_block == 0 || in_block == w.header.k1) {
    for (int64_t k = 0; k < n; ++k) o.rows[k] = static_cast<uint16_t>(i0 + k);
    o.starting = in_block == 0 ? 0 : n;
    return;
  }
  const uint16_t* rows = w.rows.data() + b * w.groups * PreparedHpf::kGroupRows;
  uint16_t later[kStartOrderChunk];
  int64_t first = 0, rest = 0;
  for (int64_t k = 0; k < n; ++k) {
    const auto i = static_cast<uint16_t>(i0 + k);
    const bool here = w.first_block[rows[i]] == b;
    o.rows[first] = i;
    later[rest] = i;
    first += here;
    rest += !here;
  }
  std::copy(later, later + rest, o.rows + first);
  o.starting = first;
}
// Where kept row r's tile starts (above), given whether it starts in this block (start_order;
// never without an epilogue `e`, which is read only then).
inline RowStart row_start(const SpmmEpilogue* e, int64_t r, int64_t N, int64_t c0, bool first) {
  if (!first) return {};
  return {true, e->residual.empty() ? kZeroTokens : e->residual.data() + r * N + c0,
          e->bias.empty() ? 0.0f : e->bias[static_cast<size_t>(r)]};
}

// SpMM walks a thread's output rows in panels whose Y tile (rows x tile_bytes) stays in L2
// while every column block adds to it: half of Zen 4's and Zen 5's 1 MiB L2 per core, leaving
// room for the weights and X streaming past. Each panel copies every column block's X tile
// again, so fewer, larger panels copy less: 512 KiB against 256 made the 768x768 SpMM at N 128
// one panel instead of two, and was faster at 768 and 3072 rows (docs/kernels.md). Returns
// the rows per panel (>= 1).
inline int64_t panel_rows(int64_t rows, int64_t tile_bytes) {
  constexpr int64_t kPanelBytes = 512 * 1024;
  const int64_t panels = std::max<int64_t>(1, ceil_div(rows * tile_bytes, kPanelBytes));
  return std::max<int64_t>(1, ceil_div(rows, panels));
}

// SpMV splits the (block, row group) units over threads, so two threads may add to one
// output row: thread 0 accumulates into y, the others into rows of `partial`, and
// sum_partials adds those into y (call after a barrier; each thread sums a slice of rows).
inline float* thread_output(std::vector<float>& partial, float* y, int64_t rows, int t) {
  float* out = t == 0 ? y : partial.data() + (t - 1) * rows;
  std::fill(out, out + rows, 0.0f);
  return out;
}
inline void sum_partials(const std::vector<float>& partial, float* y, int64_t rows, int t, int nt) {
  const auto [r0, r1] = split_range(rows, t, nt);
  for (int u = 1; u < nt; ++u) {
    const float* p = partial.data() + (u - 1) * rows;
    for (int64_t r = r0; r < r1; ++r) y[r] += p[r];
  }
}

// The 4 rows of X (K x N, rows N apart) that quad unit u = b * quads + q of q's layout packs:
// rows[k] = row b * Bc + 4q + k, or nullptr where that column lies past the block or past K
// (x = 0 there). Shared by every builder of the layout.
template <typename T>
inline void quad_rows(const T* x, const ActivationQuads& q, int64_t u, const T* rows[4]) {
  const int64_t b = u / q.quads, qq = u % q.quads;
  for (int k = 0; k < 4; ++k) {
    const int64_t col = 4 * qq + k, row = b * q.block_cols + col;
    rows[k] = col < q.block_cols && row < q.cols ? x + row * q.n : nullptr;
  }
}

// X (int8, K x N) into q's column quads (q sized by size_quads; q.scale is left alone): the
// input layout of the int8 SpMM for callers that quantized X already. Thread t of nt's share.
void quads_from_i8_part(const int8_t* x, ActivationQuads& q, int t, int nt);

#if defined(__x86_64__)
// spmm_vnni.cc: the int8 kernels on AVX512-VNNI, run when vnni_available() (checked once).
bool vnni_available();
// Adds every column block's kept row segments of output rows [p0, p1) into Y's tokens
// [c0, c0 + width) (width <= 128): one panel of spmm_tile_simd.cc's int8 SpMM. With `start`,
// each kept row's tile starts in its first block at start's residual + bias (row_start);
// without, Y already holds them.
void spmm_i8_panel_vnni(const PreparedHpf& w, const ActivationQuads& xq, float* y, int64_t c0,
                        int64_t width, int64_t p0, int64_t p1, const SpmmEpilogue* start);
void spmv_hpf_i8_vnni(const PlanArgs& a);
// quads_from_i8_part's body on AVX-512 (byte interleaves instead of widening each row).
void quads_from_i8_vnni(const int8_t* x, ActivationQuads& q, int t, int nt);
#endif

}  // namespace fitformer::kernels::detail
