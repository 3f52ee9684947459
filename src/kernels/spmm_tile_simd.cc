// The HPF SpMM bodies (N > 1) of spmm.h and spmm_fused.h, one Highway body per target: a
// thread owns a range of output rows (balanced by kept row segments), walks them in panels
// whose Y tile stays in L2, starts each panel's rows at the bias and residual, adds every column
// block's kept row segments into the panel, and applies GELU and the |Y| maximum to each finished
// panel tile while it is in cache. fp32: per tile of up to 8 vectors of tokens and column block,
// each kept row segment accumulates B * n broadcast-weight x X-row products in registers, reading
// the block's Bc rows of the X tile (32 KiB at Bc = 64 on AVX-512) from L1. int8: X arrives as
// ActivationQuads (quantized by the float rule while being copied into column quads, here);
// on x86 with AVX512-VNNI the panels run spmm_vnni.cc's vpdpbusd body, elsewhere a portable
// one that unpacks the quads by shifts and multiplies in int32.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "core/cache_aligned.h"
#include "format/value_type.h"
#include "kernels/spmm.h"
#include "kernels/spmm_fused.h"
#include "kernels/spmm_internal.h"
#include "kernels/tile_width.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/spmm_tile_simd.cc"
// clang-format off
#include <hwy/aligned_allocator.h>
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>
#include "model/gelu-inl.h"
// clang-format on

HWY_BEFORE_NAMESPACE();
namespace fitformer::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

constexpr int64_t G = PreparedHpf::kGroupRows;
// Token tile of SpMM: this many vectors of Y stay in registers per kept row segment.
constexpr int kTileVectors = 8;

// One kept row segment on V vectors of tokens: yr[0, V * L) += sum_s vals[s] * X[cols[s]],
// with xt the block's X tile, rows kStride floats apart (a compile-time stride: the row's
// address is a shift, not a multiply); in the row's first block yr = from + bias + the sum.
template <int V, int64_t kStride, class D>
HWY_INLINE void SegmentTile(D d, const float* HWY_RESTRICT xt, const uint16_t* HWY_RESTRICT cols,
                            const float* HWY_RESTRICT vals, int64_t count,
                            const detail::RowStart& start, float* HWY_RESTRICT yr) {
  const int64_t L = static_cast<int64_t>(hn::Lanes(d));
  // Under 4 vectors of tokens (N = 16 on AVX-512, or a tile's tail) one chain of FMAs per
  // vector would wait on the FMA latency: C chains per vector take the slots in turn.
  constexpr int C = V >= 4 ? 1 : (V == 1 ? 4 : 2);
  hn::Vec<D> acc[C][V];
  for (int v = 0; v < V; ++v) {
    acc[0][v] = start.first ? hn::Add(hn::LoadU(d, start.from + v * L), hn::Set(d, start.bias))
                            : hn::LoadU(d, yr + v * L);
    for (int c = 1; c < C; ++c) acc[c][v] = hn::Zero(d);
  }
  const auto slot = [&](int chain, int64_t col, float weight) {
    const float* xr = xt + col * kStride;
    const auto ws = hn::Set(d, weight);
    for (int v = 0; v < V; ++v)
      acc[chain][v] = hn::MulAdd(ws, hn::Load(d, xr + v * L), acc[chain][v]);
  };
  int64_t s = 0;
  // Four columns per 8-byte load: the load ports are what this loop runs out of first.
  for (; s + 4 <= count; s += 4) {
    uint64_t four;
    std::memcpy(&four, cols + s, sizeof four);
    slot(0, static_cast<int64_t>(four & 0xffff), vals[s]);
    slot(1 % C, static_cast<int64_t>((four >> 16) & 0xffff), vals[s + 1]);
    slot(2 % C, static_cast<int64_t>((four >> 32) & 0xffff), vals[s + 2]);
    slot(3 % C, static_cast<int64_t>(four >> 48), vals[s + 3]);
  }
  for (; s < count; ++s) slot(0, int64_t{cols[s]}, vals[s]);
  for (int v = 0; v < V; ++v) {
    for (int c = 1; c < C; ++c) acc[0][v] = hn::Add(acc[0][v], acc[c][v]);
    hn::StoreU(acc[0][v], d, yr + v * L);
  }
}

// SegmentTile over `width` tokens: whole vectors, then one token at a time.
template <int64_t kStride, class D>
HWY_INLINE void SegmentRow(D d, int64_t width, const float* HWY_RESTRICT xt,
                           const uint16_t* HWY_RESTRICT cols, const float* HWY_RESTRICT vals,
                           int64_t count, const detail::RowStart& start, float* HWY_RESTRICT yr) {
  const int64_t L = static_cast<int64_t>(hn::Lanes(d));
  const int64_t full = width / L;
  with_tile_width(full, [&](auto vectors) {
    SegmentTile<decltype(vectors)::value, kStride>(d, xt, cols, vals, count, start, yr);
  });
  for (int64_t c = full * L; c < width; ++c) {
    float sum = start.first ? start.from[c] + start.bias : yr[c];
    for (int64_t s = 0; s < count; ++s) sum += vals[s] * xt[int64_t{cols[s]} * kStride + c];
    yr[c] = sum;
  }
}

// `rows` rows of `width` tokens of X (rows N floats apart) into the aligned tile (rows kStride
// floats apart): whole vectors by unaligned loads and aligned stores, then the tail. A memcpy
// per row compiled to `rep movsq` here: on Zen 5 47-50 cycles per 512-byte row (97-100 at one
// tile offset) against 22-23 for this loop, 15 % of the 768x768 SpMM's samples (docs/kernels.md).
template <int64_t kStride, class D>
HWY_INLINE void CopyTile(D d, const float* HWY_RESTRICT x, int64_t N, int64_t rows, int64_t width,
                         float* HWY_RESTRICT tile) {
  const int64_t L = static_cast<int64_t>(hn::Lanes(d));
  const int64_t full = width / L * L;
  for (int64_t k = 0; k < rows; ++k) {
    const float* src = x + k * N;
    float* dst = tile + k * kStride;
    for (int64_t c = 0; c < full; c += L) hn::Store(hn::LoadU(d, src + c), d, dst + c);
    for (int64_t c = full; c < width; ++c) dst[c] = src[c];
  }
}

// Rows [r0, r1) of Y start at bias + residual (0 where absent): all rows for the int8 SpMM; for
// fp32 only the rows that no column block writes (InitRowsWithoutSegments), the others start
// in their first block (detail::row_start).
void InitRows(const SpmmEpilogue& e, int64_t N, int64_t r0, int64_t r1, float* y) {
  for (int64_t r = r0; r < r1; ++r) {
    float* yr = y + r * N;
    const float b = e.bias.empty() ? 0.0f : e.bias[static_cast<size_t>(r)];
    if (e.residual.empty()) {
      std::fill(yr, yr + N, b);
    } else {
      const float* res = e.residual.data() + r * N;
      for (int64_t c = 0; c < N; ++c) yr[c] = res[c] + b;
    }
  }
}

void InitRowsWithoutSegments(const PreparedHpf& w, const SpmmEpilogue& e, int64_t N, int64_t r0,
                             int64_t r1, float* y) {
  for (int64_t r = r0; r < r1; ++r) {
    if (w.first_block[static_cast<size_t>(r)] < 0) InitRows(e, N, r, r + 1, y);
  }
}

template <class D>
HWY_INLINE hn::Vec<D> Activate(D d, EpilogueActivation a, hn::Vec<D> v) {
  if (a == EpilogueActivation::kGelu) return model::HWY_NAMESPACE::Gelu(d, v);
  return hn::Max(v, hn::Zero(d));  // kRelu
}

// The finished tile rows [p0, p1) x tokens [c0, c0 + width): the activation if any, and the
// running max |Y| when asked.
void FinishTile(const SpmmEpilogue& e, int64_t N, int64_t p0, int64_t p1, int64_t c0, int64_t width,
                float* y, hn::Vec<hn::ScalableTag<float>>& max) {
  const hn::ScalableTag<float> d;
  const bool act = e.activation != EpilogueActivation::kNone;
  const int64_t L = static_cast<int64_t>(hn::Lanes(d));
  HWY_ALIGN float tail[HWY_MAX_BYTES / sizeof(float)];
  for (int64_t r = p0; r < p1; ++r) {
    float* yr = y + r * N + c0;
    int64_t c = 0;
    for (; c + L <= width; c += L) {
      auto v = hn::LoadU(d, yr + c);
      if (act) {
        v = Activate(d, e.activation, v);
        hn::StoreU(v, d, yr + c);
      }
      max = hn::Max(max, hn::Abs(v));
    }
    if (c == width) continue;
    std::fill(tail, tail + L, 0.0f);
    std::copy(yr + c, yr + width, tail);
    auto v = hn::Load(d, tail);
    if (act) {
      v = Activate(d, e.activation, v);
      hn::Store(v, d, tail);
      std::copy(tail, tail + (width - c), yr + c);
    }
    max = hn::Max(max, hn::Abs(v));  // padding lanes are act(0) = 0
  }
}

// The driver of both element types: init, panels, finish. accumulate(c0, width, p0, p1) adds
// every column block's segments of rows [p0, p1) into Y's tokens [c0, c0 + width); with
// first_touch it also starts each row's tile in the row's first block (detail::row_start).
template <class Accumulate>
void RunPart(const PreparedHpf& w, int64_t N, int64_t T, float* y, const SpmmEpilogue& e,
             bool first_touch, int thread, int threads, const Accumulate& accumulate) {
  const hn::ScalableTag<float> d;
  const auto [r0, r1] = detail::balanced_rows(w, thread, threads);
  auto max = hn::Zero(d);
  const bool finish = e.activation != EpilogueActivation::kNone || e.max_abs != nullptr;
  const int64_t P = detail::panel_rows(r1 - r0, T * static_cast<int64_t>(sizeof(float)));
  for (int64_t c0 = 0; c0 < N && r0 < r1; c0 += T) {
    const int64_t width = std::min(T, N - c0);
    for (int64_t p0 = r0; p0 < r1; p0 += P) {
      const int64_t p1 = std::min(r1, p0 + P);
      // Rows start at bias + residual per panel, on the first token tile: all of a thread's
      // rows at once would push the first panel out of L2 before it is read back. With
      // first_touch the rows with segments start in their first block instead, which saves
      // this pass over Y (3 % of the TinyBERT forward at 90 % for fp32; for int8 the pass was
      // 8 % of its samples, docs/kernels.md).
      if (c0 == 0 && first_touch) InitRowsWithoutSegments(w, e, N, p0, p1, y);
      if (c0 == 0 && !first_touch) InitRows(e, N, p0, p1, y);
      accumulate(c0, width, p0, p1);
      if (finish) FinishTile(e, N, p0, p1, c0, width, y, max);
    }
  }
  if (e.max_abs != nullptr) e.max_abs[thread] = hn::GetLane(hn::MaxOfLanes(d, max));
}

void SpmmF32Part(const PreparedHpf& w, const float* x, int64_t N, float* y, const SpmmEpilogue& e,
                 int thread, int threads) {
  const hn::ScalableTag<float> d;
  static_assert(kTileVectors <= 8, "SegmentRow dispatches V = 1..8");
  // The tile's row stride, a compile-time constant: kTileVectors vectors of the widest lanes
  // this target has.
  constexpr int64_t T = kTileVectors * static_cast<int64_t>(hn::MaxLanes(d));
  HWY_DASSERT(T == kTileVectors * static_cast<int64_t>(hn::Lanes(d)));
  static_assert(T <= detail::kMaxTileTokens, "row_start's zeros cover one tile");
  const int64_t spp = w.slots(), Bc = w.header.block_cols, k1 = w.header.k1;
  // The X tile of a block, copied contiguous and 64-byte aligned (Bc rows of T tokens): rows
  // of X are N floats apart, a tile strided that way maps to a fraction of L1's sets, and
  // vectors that straddle cache lines cost two loads each. When X is one tile wide (N == T)
  // and aligned it already is that tile.
  const bool direct = N == T && reinterpret_cast<uintptr_t>(x) % kCacheLineBytes == 0;
  const auto tile = hwy::AllocateAligned<float>(direct ? 1 : static_cast<size_t>(Bc * T));
  // Starting rows in their first block pays per segment; below a full tile of tokens (N 16)
  // that measured slower than the pass over Y (docs/kernels.md).
  const bool first_touch = N >= T;
  RunPart(w, N, T, y, e, first_touch, thread, threads,
          [&](int64_t c0, int64_t width, int64_t p0, int64_t p1) {
            for (int64_t b = 0; b < w.blocks; ++b) {
              const auto [i0, i1] = detail::kept_range(w, b, p0, p1);
              if (i0 == i1) continue;
              const int64_t count = w.real_banks[static_cast<size_t>(b)] * w.header.n;
              const float* xt = x + b * Bc * N + c0;
              if (!direct) {
                // Kept weights lie in real columns only (format/hpf.h): rows past K are not read.
                const int64_t real_rows = std::min(Bc, w.header.cols - b * Bc);
                CopyTile<T>(d, x + b * Bc * N + c0, N, real_rows, width, tile.get());
                xt = tile.get();
              }
              for (int64_t i = i0; i < i1; ++i) {
                const int64_t seg = (b * k1 + i) * spp;
                const int64_t r = w.rows[static_cast<size_t>(b * w.groups * G + i)];
                // In mask order: the reordering of the int8 kernel (detail::start_order)
                // measured 2-3 % slower here (docs/kernels.md).
                const bool first = first_touch && w.first_block[static_cast<size_t>(r)] == b;
                SegmentRow<T>(d, width, xt, w.seg_cols.data() + seg, w.seg_vals.data() + seg, count,
                              detail::row_start(&e, r, N, c0, first), y + r * N + c0);
              }
            }
          });
}

// The float rule of spmm_fused.h, sign(p) * min(trunc(|p| + 0.5), 127) with p = x * inv, as
// the unsigned byte value q + 128 in an int32 lane (ActivationQuads' encoding). Computed as
// trunc(p + copysign(0.5, p)) clamped to [-127, 127]: the same number, since rounding to
// nearest is symmetric in sign (fl(-a - 0.5) = -fl(a + 0.5)) and truncation too. The clamped
// integer c is turned into c + 128 without a float-to-int conversion (Highway's ConvertTo
// spends 4 more operations on out-of-range inputs, which the clamp already rules out): c + 2^23
// + 128 is exact and holds c + 128 in its low mantissa bits, under the exponent bits that the
// subtraction of 2^23's bit pattern removes. 8 lane instructions against 11 on AVX-512
// (docs/kernels.md).
template <class D>
HWY_INLINE hn::Vec<hn::RebindToSigned<D>> QuantizeFloat(D d, hn::Vec<D> x, hn::Vec<D> inv) {
  const hn::RebindToSigned<D> di;
  const auto p = hn::Mul(x, inv);
  const auto whole = hn::Trunc(hn::Add(p, hn::CopySignToAbs(hn::Set(d, 0.5f), p)));
  const auto c = hn::Min(hn::Max(whole, hn::Set(d, -127.0f)), hn::Set(d, 127.0f));
  const auto biased = hn::Add(c, hn::Set(d, 8388608.0f + 128.0f));   // 2^23 + 128
  return hn::Sub(hn::BitCast(di, biased), hn::Set(di, 0x4b000000));  // 2^23's bits
}

// Fills q's column quads from the rows of X (K x N of T): `to_byte` turns L values of a row
// (a zero-padded copy for a row's last, partial vector) into int32 lanes holding the unsigned
// byte q + 128 of each int8 value q (in [0, 255], so it needs no mask).
template <typename T, class ToByte>
void FillQuads(const T* x, ActivationQuads& q, int thread, int threads, const ToByte& to_byte) {
  const hn::ScalableTag<int32_t> di;
  const int64_t L = static_cast<int64_t>(hn::Lanes(di));
  const int64_t N = q.n, Np = q.padded_n;
  const auto zero = hn::Set(di, 128);  // x = 0
  HWY_ALIGN T tail[HWY_MAX_BYTES / sizeof(int32_t)];
  const auto [u0, u1] = split_range(q.blocks * q.quads, thread, threads);
  for (int64_t u = u0; u < u1; ++u) {
    const T* rows[4];
    detail::quad_rows(x, q, u, rows);
    int32_t* dst = q.values.data() + u * Np;
    int64_t c = 0;
    // The common case first, with no per-row tests: four rows of X, whole vectors.
    if (rows[0] != nullptr && rows[1] != nullptr && rows[2] != nullptr && rows[3] != nullptr) {
      for (; c + L <= N; c += L) {
        const auto word =
            hn::Or(hn::Or(to_byte(rows[0] + c), hn::ShiftLeft<8>(to_byte(rows[1] + c))),
                   hn::Or(hn::ShiftLeft<16>(to_byte(rows[2] + c)),
                          hn::ShiftLeft<24>(to_byte(rows[3] + c))));
        hn::StoreU(word, di, dst + c);
      }
    }
    for (; c < Np; c += L) {
      auto word = hn::Zero(di);
      for (int k = 0; k < 4; ++k) {
        auto v = zero;
        if (rows[k] != nullptr && c < N) {
          const T* src = rows[k] + c;
          if (c + L > N) {
            std::fill(tail, tail + L, T{0});
            std::copy(rows[k] + c, rows[k] + N, tail);
            src = tail;
          }
          v = to_byte(src);
        }
        word = hn::Or(word, hn::ShiftLeftSame(v, 8 * k));
      }
      hn::StoreU(word, di, dst + c);
    }
  }
}

void QuantizeQuadsPart(const float* x, float max_abs, ActivationQuads* out, int thread,
                       int threads) {
  const hn::ScalableTag<float> d;
  const float scale = format::symmetric_scale(max_abs, 127);
  const auto inv = hn::Set(d, 1.0f / scale);
  FillQuads(x, *out, thread, threads,
            [&](const float* src) { return QuantizeFloat(d, hn::LoadU(d, src), inv); });
  if (thread == 0) out->scale = scale;
}

// out = X (int8, K x N) in column quads, unsigned: the layout quantize_quads_part builds.
void QuadsFromI8Part(const int8_t* x, ActivationQuads* out, int thread, int threads) {
#if defined(__x86_64__) && (HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL)
  if (detail::vnni_available()) return detail::quads_from_i8_vnni(x, *out, thread, threads);
#endif
  const hn::ScalableTag<int32_t> di;
  const hn::Rebind<int8_t, decltype(di)> d8;
  FillQuads(x, *out, thread, threads, [&](const int8_t* src) {
    return hn::Add(hn::PromoteTo(di, hn::LoadU(d8, src)), hn::Set(di, 128));
  });
}

// Unsigned byte k of each int32 lane, and signed byte k.
template <int k, class V>
HWY_INLINE V UByteOf(V v) {
  return hn::And(hn::ShiftRight<8 * k>(v), hn::Set(hn::DFromV<V>(), 0xff));
}
template <int k, class V>
HWY_INLINE V SByteOf(V v) {
  return hn::ShiftRight<24>(hn::ShiftLeft<24 - 8 * k>(v));
}

void SpmmI8Part(const PreparedHpf& w, const ActivationQuads& xq, float* y, const SpmmEpilogue& e,
                int thread, int threads) {
  const int64_t N = xq.n, Np = xq.padded_n, Q = w.quads;
  constexpr int64_t kTile = kTileVectors * 16;
#if defined(__x86_64__) && (HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL)
  if (detail::vnni_available()) {
    // As fp32's: rows start in their first block when N fills a token tile (docs/kernels.md).
    const bool first_touch = N >= kTile;
    RunPart(w, N, kTile, y, e, first_touch, thread, threads,
            [&](int64_t c0, int64_t width, int64_t p0, int64_t p1) {
              detail::spmm_i8_panel_vnni(w, xq, y, c0, width, p0, p1, first_touch ? &e : nullptr);
            });
    return;
  }
#endif
  const hn::ScalableTag<int32_t> d32;
  const hn::Rebind<float, decltype(d32)> df;
  const int64_t L = static_cast<int64_t>(hn::Lanes(d32));
  HWY_ALIGN float tail[HWY_MAX_BYTES / sizeof(float)];
  RunPart(w, N, kTile, y, e, /*first_touch=*/false, thread, threads,
          [&](int64_t c0, int64_t width, int64_t p0, int64_t p1) {
            for (int64_t b = 0; b < w.blocks; ++b) {
              const auto [i0, i1] = detail::kept_range(w, b, p0, p1);
              const int32_t* xb = xq.values.data() + b * Q * Np;
              for (int64_t i = i0; i < i1; ++i) {
                const int64_t g = i / G, l = i % G;
                const int32_t* quads = w.quads_i8.data() + (b * w.groups + g) * Q * G + l;
                const size_t at = static_cast<size_t>((b * w.groups + g) * G + l);
                const int64_t r = w.rows[static_cast<size_t>(b * w.groups * G + i)];
                const auto scale = hn::Set(df, w.scales_i8[at] * xq.scale);
                const auto shift = hn::Set(d32, 128 * w.sums_i8[at]);
                float* yr = y + r * N;
                // Quads past N hold x = 0, so whole vectors are read up to the padded width;
                // the last one is added through a buffer, not past row r of Y.
                for (int64_t c = c0; c < c0 + width; c += L) {
                  auto acc = hn::Zero(d32);
                  for (int64_t q = 0; q < Q; ++q) {
                    const int32_t wq = quads[q * G];
                    if (wq == 0) continue;
                    const auto xv = hn::LoadU(d32, xb + q * Np + c);
                    const auto wv = hn::Set(d32, wq);
                    acc = hn::Add(acc, hn::Mul(UByteOf<0>(xv), SByteOf<0>(wv)));
                    acc = hn::Add(acc, hn::Mul(UByteOf<1>(xv), SByteOf<1>(wv)));
                    acc = hn::Add(acc, hn::Mul(UByteOf<2>(xv), SByteOf<2>(wv)));
                    acc = hn::Add(acc, hn::Mul(UByteOf<3>(xv), SByteOf<3>(wv)));
                  }
                  const auto add = hn::Mul(hn::ConvertTo(df, hn::Sub(acc, shift)), scale);
                  const int64_t valid = std::min(L, c0 + width - c);
                  if (valid == L) {
                    hn::StoreU(hn::Add(hn::LoadU(df, yr + c), add), df, yr + c);
                  } else {
                    hn::Store(add, df, tail);
                    for (int64_t k = 0; k < valid; ++k) yr[c + k] += tail[k];
                  }
                }
              }
            }
          });
}

}  // namespace fitformer::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace fitformer::kernels {

HWY_EXPORT(SpmmF32Part);
HWY_EXPORT(QuantizeQuadsPart);
HWY_EXPORT(SpmmI8Part);
HWY_EXPORT(QuadsFromI8Part);
HWY_EXPORT(InitRows);

void init_epilogue_rows(const SpmmEpilogue& epilogue, int64_t n, int64_t r0, int64_t r1, float* y) {
  HWY_DYNAMIC_DISPATCH(InitRows)(epilogue, n, r0, r1, y);
}

void spmm_hpf_f32_fused_part(const PreparedHpf& w, const float* x, int64_t n, float* y,
                             const SpmmEpilogue& epilogue, int thread, int threads) {
  HWY_DYNAMIC_DISPATCH(SpmmF32Part)(w, x, n, y, epilogue, thread, threads);
}

void quantize_quads_part(std::span<const float> x, float max_abs, ActivationQuads& q, int thread,
                         int threads) {
  HWY_DYNAMIC_DISPATCH(QuantizeQuadsPart)(x.data(), max_abs, &q, thread, threads);
}

void detail::quads_from_i8_part(const int8_t* x, ActivationQuads& q, int thread, int threads) {
  HWY_DYNAMIC_DISPATCH(QuadsFromI8Part)(x, &q, thread, threads);
}

void spmm_hpf_i8_fused_part(const PreparedHpf& w, const ActivationQuads& x, float* y,
                            const SpmmEpilogue& epilogue, int thread, int threads) {
  HWY_DYNAMIC_DISPATCH(SpmmI8Part)(w, x, y, epilogue, thread, threads);
}

}  // namespace fitformer::kernels
#endif  // HWY_ONCE
