// linear_fixed and dequantize_accumulators (fixed_point.h) as Highway bodies for every target,
// bit for bit the accelerator's rules: the lanes are tokens. The activations are laid out once
// per call feature-major and widened to int32 ([K][tokens padded to 16]), so a kept weight's
// products with a vector of tokens are one load, one multiply and one add; a row keeps its
// accumulators for a tile of tokens in registers across all its segments, and adds each
// segment's exact sum with saturation in ascending block order, as the reference does.
//  - int8 (32-bit accumulators): int32 lanes; a + s saturates where the wrapped sum's sign
//    disagrees with both operands' (the exact sum then lies past the range on that side).
//  - int16, segments of at most 256 entries: sums of the activations' high and low bytes in
//    int32 (each exact, fixed_point.h), joined in int64 lanes as 256 hi + lo; the 48-bit
//    accumulators are int64 lanes clamped with Min/Max.
//  - int16, longer segments: each product (below 2^30) widened to int64 before summing.
#include <omp.h>

#include <algorithm>
#include <cstring>

#include "kernels/fixed_point.h"
#include "kernels/tile_width.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/fixed_point_simd.cc"
#include <hwy/aligned_allocator.h>
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#ifndef FITFORMER_KERNELS_FIXED_POINT_SIMD_ONCE
#define FITFORMER_KERNELS_FIXED_POINT_SIMD_ONCE
namespace fitformer::kernels::detail {

// How a segment's exact sum is formed (fixed_point.h), fastest first.
enum class SumMode { kDirect, kSplit, kWide };
constexpr int64_t kMaxSplitEntries = 256;
// Tokens are padded to a multiple of this: one vector of int32 lanes on the widest target
// (AVX-512), whole vectors on every other. Padding to the widest tile (64) made a sequence of
// 12 tokens cost as much as one of 64.
constexpr int64_t kTokenPad = 16;
// Output rows per unit of work: the accumulators are token-major ([n][rows], int64), so a unit
// copies its rows out 8 at a time, one cache line per token, into row-major scratch.
constexpr int64_t kRowBlock = 8;

struct FixedArgs {
  const FixedMatrix* w = nullptr;
  SumMode mode = SumMode::kDirect;
  const int32_t* plane = nullptr;     // [K][np]: x, or its high bytes (kSplit)
  const int32_t* plane_lo = nullptr;  // [K][np]: low bytes (kSplit)
  int64_t n = 0, np = 0;              // tokens, padded tokens
  int64_t* acc = nullptr;             // [n][rows]: the result, only written
  // Where the accumulators start (init_fixed_accumulators' rule): bias[r], or bias[t * rows + r]
  // when per token, or 0 without a bias.
  const int64_t* bias = nullptr;
  bool bias_per_token = false;
  int bits = 32;
};

}  // namespace fitformer::kernels::detail
#endif  // FITFORMER_KERNELS_FIXED_POINT_SIMD_ONCE

HWY_BEFORE_NAMESPACE();
namespace fitformer::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;
using detail::FixedArgs;
using detail::SumMode;

// sat32(a + b), exactly: the wrapped sum overflowed iff it differs in sign from both a and b.
template <class D, class V = hn::Vec<D>>
HWY_INLINE V SaturatedAdd32(D d, V a, V b) {
  const V sum = hn::Add(a, b);
  const V overflow = hn::And(hn::Xor(a, sum), hn::Xor(b, sum));
  // a < 0: INT32_MIN = ~INT32_MAX; a >= 0: INT32_MAX.
  const V limit = hn::Xor(hn::ShiftRight<31>(a), hn::Set(d, INT32_MAX));
  return hn::IfThenElse(hn::Lt(overflow, hn::Zero(d)), limit, sum);
}

// The accumulators of rows [r0, r1) (at most kRowBlock) live in row-major scratch while a unit
// works on them (row r - r0 at scratch + (r - r0) * np, zero past n): StartRows sets them to
// their start from the bias, ScatterRows writes them once into the token-major acc, 8 rows to a
// cache line per token. Worked on in place, acc would cost a line per token and row (rows * 8
// bytes apart), and vector loads just after scalar stores cannot be forwarded from them.
template <typename T>
void StartRows(const FixedArgs& a, int64_t r0, int64_t r1, T* scratch) {
  const int64_t rows = a.w->rows;
  if (a.bias_per_token) {  // token by token: the unit's rows of a token share a cache line
    for (int64_t t = 0; t < a.n; ++t) {
      const int64_t* src = a.bias + t * rows + r0;
      for (int64_t i = 0; i < r1 - r0; ++i) scratch[i * a.np + t] = static_cast<T>(src[i]);
    }
  }
  for (int64_t i = 0; i < r1 - r0; ++i) {
    T* row = scratch + i * a.np;
    if (!a.bias_per_token) {
      std::fill(row, row + a.n, a.bias == nullptr ? T{0} : static_cast<T>(a.bias[r0 + i]));
    }
    std::fill(row + a.n, row + a.np, T{0});
  }
}

template <typename T>
void ScatterRows(const FixedArgs& a, int64_t r0, int64_t r1, const T* scratch) {
  const int64_t rows = a.w->rows;
  for (int64_t t = 0; t < a.n; ++t) {
    int64_t* dst = a.acc + t * rows + r0;
    for (int64_t i = 0; i < r1 - r0; ++i) dst[i] = scratch[i * a.np + t];
  }
}

// Rows [r0, r1) of the int8 path on the tokens [c0, c0 + V * lanes): each row keeps its V
// vectors of accumulators in registers across all its segments.
template <int V>
HWY_INLINE void DirectTile(const FixedArgs& a, int64_t r0, int64_t r1, int32_t* a32, int64_t c0) {
  const hn::ScalableTag<int32_t> d;
  const int64_t L = static_cast<int64_t>(hn::Lanes(d));
  const FixedMatrix& w = *a.w;
  for (int64_t r = r0; r < r1; ++r) {
    int32_t* row = a32 + (r - r0) * a.np + c0;
    hn::Vec<decltype(d)> acc[V];
    for (int v = 0; v < V; ++v) acc[v] = hn::LoadU(d, row + v * L);
    for (int64_t s = w.row_segments[r]; s < w.row_segments[r + 1]; ++s) {
      hn::Vec<decltype(d)> sum[V];
      for (int v = 0; v < V; ++v) sum[v] = hn::Zero(d);
      for (int64_t e = w.segment_entries[s]; e < w.segment_entries[s + 1]; ++e) {
        const auto wv = hn::Set(d, int32_t{w.entry_val[e]});
        const int32_t* xr = a.plane + int64_t{w.entry_col[e]} * a.np + c0;
        for (int v = 0; v < V; ++v) sum[v] = hn::Add(sum[v], hn::Mul(wv, hn::LoadU(d, xr + v * L)));
      }
      for (int v = 0; v < V; ++v) acc[v] = SaturatedAdd32(d, acc[v], sum[v]);
    }
    for (int v = 0; v < V; ++v) hn::StoreU(acc[v], d, row + v * L);
  }
}

// Rows [r0, r1) (at most kRowBlock): the int8 path, tiles of 4 vectors of tokens and one
// narrower tile for the rest (tokens are padded to kTokenPad only, so a short sequence does
// not pay for 64 lanes). a32 is the thread's [kRowBlock][np] scratch.
void RowsDirect(const FixedArgs& a, int64_t r0, int64_t r1, int32_t* a32) {
  const hn::ScalableTag<int32_t> d;
  const int64_t L = static_cast<int64_t>(hn::Lanes(d));
  StartRows(a, r0, r1, a32);
  // np is a multiple of kTokenPad, hence of every target's L.
  for (int64_t c0 = 0; c0 < a.np;) {
    const int64_t vectors = std::min<int64_t>(4, (a.np - c0) / L);
    with_tile_width(vectors, [&](auto v) { DirectTile<decltype(v)::value>(a, r0, r1, a32, c0); });
    c0 += vectors * L;
  }
  ScatterRows(a, r0, r1, a32);
}

// Rows [r0, r1) (at most kRowBlock) of the int16 paths: int64 accumulators (a64 is the thread's
// [kRowBlock][np] scratch), a vector of int64 lanes per tile and the int32 sums in vectors of as
// many lanes.
void RowsWide(const FixedArgs& a, int64_t r0, int64_t r1, int64_t* a64) {
  const hn::ScalableTag<int64_t> d64;
  const hn::Rebind<int32_t, decltype(d64)> d;
  const int64_t L = static_cast<int64_t>(hn::Lanes(d64));
  const FixedMatrix& w = *a.w;
  const int64_t hi = (int64_t{1} << (a.bits - 1)) - 1;
  const auto top = hn::Set(d64, hi), bottom = hn::Set(d64, -hi - 1);
  StartRows(a, r0, r1, a64);
  for (int64_t r = r0; r < r1; ++r) {
    int64_t* row = a64 + (r - r0) * a.np;
    for (int64_t c0 = 0; c0 < a.np; c0 += L) {
      auto acc = hn::LoadU(d64, row + c0);
      for (int64_t s = w.row_segments[r]; s < w.row_segments[r + 1]; ++s) {
        hn::Vec<decltype(d64)> partial;
        if (a.mode == SumMode::kSplit) {
          auto sum_hi = hn::Zero(d), sum_lo = hn::Zero(d);
          for (int64_t e = w.segment_entries[s]; e < w.segment_entries[s + 1]; ++e) {
            const auto wv = hn::Set(d, int32_t{w.entry_val[e]});
            const int64_t at = int64_t{w.entry_col[e]} * a.np + c0;
            sum_hi = hn::Add(sum_hi, hn::Mul(wv, hn::LoadU(d, a.plane + at)));
            sum_lo = hn::Add(sum_lo, hn::Mul(wv, hn::LoadU(d, a.plane_lo + at)));
          }
          partial =
              hn::Add(hn::ShiftLeft<8>(hn::PromoteTo(d64, sum_hi)), hn::PromoteTo(d64, sum_lo));
        } else {
          partial = hn::Zero(d64);
          for (int64_t e = w.segment_entries[s]; e < w.segment_entries[s + 1]; ++e) {
            const auto wv = hn::Set(d, int32_t{w.entry_val[e]});
            const int32_t* xr = a.plane + int64_t{w.entry_col[e]} * a.np + c0;
            partial = hn::Add(partial, hn::PromoteTo(d64, hn::Mul(wv, hn::LoadU(d, xr))));
          }
        }
        // |acc| < 2^47 and |partial| < 2^47: the sum is exact in int64 before the clamp.
        acc = hn::Min(hn::Max(hn::Add(acc, partial), bottom), top);
      }
      hn::StoreU(acc, d64, row + c0);
    }
  }
  ScatterRows(a, r0, r1, a64);
}

void FixedRows(const FixedArgs& a, int64_t r0, int64_t r1, int32_t* a32, int64_t* a64) {
  if (a.mode == SumMode::kDirect) {
    RowsDirect(a, r0, r1, a32);
  } else {
    RowsWide(a, r0, r1, a64);
  }
}

// out[t * rows + r] = float(acc[t * rows + r]) * (row_scales[r] * x_scales[t]): int64 to float
// through double (exact below 2^53, then one rounding: the same float as a direct conversion).
void DequantizeRows(const int64_t* acc, int64_t rows, int64_t n_tokens, const float* row_scales,
                    const float* x_scales, float* out) {
  const hn::ScalableTag<double> dd;
  const hn::Rebind<int64_t, decltype(dd)> d64;
  const hn::Rebind<float, decltype(dd)> df;
  const int64_t L = static_cast<int64_t>(hn::Lanes(dd));
  for (int64_t t = 0; t < n_tokens; ++t) {
    const float xs = x_scales[t];
    const int64_t* a = acc + t * rows;
    float* o = out + t * rows;
    int64_t r = 0;
    for (; r + L <= rows; r += L) {
      const auto value = hn::DemoteTo(df, hn::ConvertTo(dd, hn::LoadU(d64, a + r)));
      const auto scale = hn::Mul(hn::LoadU(df, row_scales + r), hn::Set(df, xs));
      hn::StoreU(hn::Mul(value, scale), df, o + r);
    }
    for (; r < rows; ++r) o[r] = dequantize_accumulator(a[r], row_scales[r], xs);
  }
}

}  // namespace fitformer::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include <fmt/format.h>

#include "core/error.h"

namespace fitformer::kernels {

HWY_EXPORT(FixedRows);
HWY_EXPORT(DequantizeRows);

namespace {

int64_t longest_segment(const FixedMatrix& w) {
  int64_t longest = 0;
  for (size_t s = 0; s + 1 < w.segment_entries.size(); ++s)
    longest = std::max(longest, w.segment_entries[s + 1] - w.segment_entries[s]);
  return longest;
}

// x token-major [n][k] (int16) -> feature-major [k][np] int32, tokens past n zero; with split,
// the high bytes (x >> 8, arithmetic: floor(x / 256)) into `plane` and the low (x & 255) into
// `lo`. Tiles of 64 x 64 keep both sides of the transpose in L1.
void to_planes(std::span<const int16_t> x, int64_t n, int64_t k, int64_t np, bool split,
               std::vector<int32_t>& plane, std::vector<int32_t>& lo) {
  plane.assign(static_cast<size_t>(k * np), 0);
  if (split) lo.assign(plane.size(), 0);
  constexpr int64_t kTile = 64;
  for (int64_t t0 = 0; t0 < n; t0 += kTile) {
    for (int64_t c0 = 0; c0 < k; c0 += kTile) {
      for (int64_t c = c0; c < std::min(k, c0 + kTile); ++c) {
        int32_t* dst = plane.data() + c * np;
        for (int64_t t = t0; t < std::min(n, t0 + kTile); ++t) {
          const int32_t v = x[static_cast<size_t>(t * k + c)];
          if (split) {
            dst[t] = v >> 8;
            lo[static_cast<size_t>(c * np + t)] = v & 255;
          } else {
            dst[t] = v;
          }
        }
      }
    }
  }
}

}  // namespace

void linear_fixed(const FixedMatrix& w, std::span<const int16_t> x, int64_t n_tokens,
                  std::span<const int64_t> bias, std::span<int64_t> acc, int threads) {
  fixed_qmax(w.value_type);
  if (threads < 1) throw Error("", "threads", ">= 1", fmt::format("{}", threads));
  const bool per_token =
      check_fixed_accumulators(w.rows, w.cols, x.size(), n_tokens, bias, acc.size());
  if (n_tokens == 0 || w.rows == 0) return;
  detail::FixedArgs a;
  a.w = &w;
  a.bias = bias.empty() ? nullptr : bias.data();
  a.bias_per_token = per_token;
  a.n = n_tokens;
  a.np = (n_tokens + detail::kTokenPad - 1) / detail::kTokenPad * detail::kTokenPad;
  a.acc = acc.data();
  a.bits = accumulator_bits(w.value_type);
  // int8: at most Bc entries of |w * x| <= 127^2 per segment, below 2^31 for Bc < 133,000.
  if (w.value_type == format::ValueType::kI8 && w.block_cols * 127 * 127 < INT32_MAX) {
    a.mode = detail::SumMode::kDirect;
  } else if (longest_segment(w) <= detail::kMaxSplitEntries) {
    a.mode = detail::SumMode::kSplit;
  } else {
    a.mode = detail::SumMode::kWide;
  }
  // Kept by the calling thread across calls (a runtime calls this per sequence and linear).
  thread_local std::vector<int32_t> plane, lo;
  to_planes(x, n_tokens, w.cols, a.np, a.mode == detail::SumMode::kSplit, plane, lo);
  a.plane = plane.data();
  a.plane_lo = lo.data();
#pragma omp parallel num_threads(threads)
  {
    constexpr int64_t kBlock = detail::kRowBlock;
    const auto scratch = static_cast<size_t>(kBlock * a.np);
    auto a32 = hwy::AllocateAligned<int32_t>(a.mode == detail::SumMode::kDirect ? scratch : 1);
    auto a64 = hwy::AllocateAligned<int64_t>(a.mode == detail::SumMode::kDirect ? 1 : scratch);
#pragma omp for schedule(dynamic, 1)
    for (int64_t r0 = 0; r0 < w.rows; r0 += kBlock) {
      HWY_DYNAMIC_DISPATCH(FixedRows)(a, r0, std::min(w.rows, r0 + kBlock), a32.get(), a64.get());
    }
  }
}

namespace {

void check_dequantize(std::span<const int64_t> acc, int64_t rows, std::span<const float> row_scales,
                      std::span<const float> x_scales, std::span<float> out) {
  const size_t n = x_scales.size();
  if (rows < 0 || row_scales.size() != static_cast<size_t>(rows) ||
      acc.size() != n * static_cast<size_t>(rows) || out.size() != acc.size()) {
    throw Error(
        "", "acc, row_scales, x_scales, out",
        fmt::format("{} x {} accumulators and outputs, {} row scales", n, rows, rows),
        fmt::format("{}, {}, {}, {}", acc.size(), row_scales.size(), x_scales.size(), out.size()));
  }
}

}  // namespace

void dequantize_accumulators(std::span<const int64_t> acc, int64_t rows,
                             std::span<const float> row_scales, std::span<const float> x_scales,
                             std::span<float> out) {
  check_dequantize(acc, rows, row_scales, x_scales, out);
  HWY_DYNAMIC_DISPATCH(DequantizeRows)
  (acc.data(), rows, static_cast<int64_t>(x_scales.size()), row_scales.data(), x_scales.data(),
   out.data());
}

void dequantize_accumulators_reference(std::span<const int64_t> acc, int64_t rows,
                                       std::span<const float> row_scales,
                                       std::span<const float> x_scales, std::span<float> out) {
  check_dequantize(acc, rows, row_scales, x_scales, out);
  for (size_t t = 0; t < x_scales.size(); ++t) {
    for (int64_t r = 0; r < rows; ++r) {
      const size_t i = t * static_cast<size_t>(rows) + static_cast<size_t>(r);
      out[i] = dequantize_accumulator(acc[i], row_scales[static_cast<size_t>(r)], x_scales[t]);
    }
  }
}

}  // namespace fitformer::kernels
#endif  // HWY_ONCE
