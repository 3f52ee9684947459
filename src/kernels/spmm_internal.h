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
inline RowStart row_start(const PreparedHpf& w, const SpmmEpilogue& e, int64_t b, int64_t r,
                          int64_t N, int64_t c0) {
  if (w.first_block[static_cast<size_t>(r)] != b) return {};
  return {true, e.residual.empty() ? kZeroTokens : e.residual.data() + r * N + c0,
          e.bias.empty() ? 0.0f : e.bias[static_cast<size_t>(r)]};
}

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
