// The SIMD kernels of spmm.h: one Google Highway body per kernel, compiled for every target
// (foreach_target.h) and dispatched once per call, OpenMP-threaded over output rows.
//
// HPF SpMM (N > 1) vectorizes over the N token columns. A thread owns a range of output rows;
// per column block it finds its kept rows (rows[] is ascending), decodes each segment's
// offsets once into X row indices, and accumulates B * n broadcast-weight x X-row products
// into a register tile of Y. The block's Bc rows of X are contiguous, so they stay in L1
// while every kept segment of that block reads them. int8 pre-widens X into int16 pairs of
// adjacent rows (x[2p][c], x[2p+1][c]) and feeds two weights per multiply-add pair
// (ReorderWidenMulAccumulate, i.e. vpmaddwd on x86); Highway 1.0.3 exposes no VNNI op, so the
// AVX512-VNNI / AVX-VNNI dot products are not used (see docs/kernels.md). SpMV (N = 1)
// vectorizes over a segment's slots instead, gathering X through the decoded offsets.
#include <omp.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <vector>

#include "kernels/spmm.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/spmm_simd.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#ifndef FITFORMER_KERNELS_SPMM_SIMD_ONCE
#define FITFORMER_KERNELS_SPMM_SIMD_ONCE
namespace fitformer::kernels::detail {

struct HpfArgs {
  const format::hpf::Matrix* w = nullptr;
  const float* x = nullptr;    // fp32 kernels
  const int8_t* xq = nullptr;  // int8 kernels
  float x_scale = 1.0f;
  int64_t n = 1;
  float* y = nullptr;
  int threads = 1;
};

struct CsrArgs {
  const format::CsrMatrix* w = nullptr;
  const float* x = nullptr;
  int64_t n = 1;
  float* y = nullptr;
  int threads = 1;
};

// Output rows [begin, end) of thread t of nt: contiguous, sizes differing by at most one.
inline std::pair<int64_t, int64_t> thread_rows(int64_t rows, int t, int nt) {
  const int64_t base = rows / nt, extra = rows % nt;
  const int64_t begin = t * base + std::min<int64_t>(t, extra);
  return {begin, begin + base + (t < extra ? 1 : 0)};
}

// Decodes the offsets of segment `seg`'s first `banks` banks into
// out[j * n + s] = (j * bank_width + offset) * stride. Reads the little-endian bit stream in
// 64-bit windows (floor(57 / bits) fields each, no branch per field); the last window of the
// stream is copied short so nothing past offs is read.
inline void segment_columns(const format::hpf::Matrix& w, int64_t seg, int64_t banks,
                            int64_t stride, int32_t* out) {
  const int64_t n = w.header.n, width = w.bank_width();
  const int bits = w.offset_bits();
  const int64_t count = banks * n;
  if (bits == 0) {
    for (int64_t t = 0; t < count; ++t) out[t] = static_cast<int32_t>((t / n) * width * stride);
    return;
  }
  const uint8_t* p = w.offs.data();
  const size_t total = w.offs.size();
  const uint64_t mask = (uint64_t{1} << bits) - 1;
  const int64_t per_window = (64 - 7) / bits;
  int64_t bit = seg * w.slots_per_segment() * bits;
  int64_t j = 0, s = 0;
  for (int64_t t = 0; t < count;) {
    const size_t byte = static_cast<size_t>(bit >> 3);
    uint64_t word = 0;
    if (byte + 8 <= total && std::endian::native == std::endian::little) {
      std::memcpy(&word, p + byte, 8);
    } else {  // the stream's tail, or a big-endian host
      uint8_t bytes[8] = {};
      std::memcpy(bytes, p + byte, std::min<size_t>(8, total - byte));
      for (int i = 7; i >= 0; --i) word = (word << 8) | bytes[i];
    }
    word >>= (bit & 7);
    const int64_t take = std::min(per_window, count - t);
    for (int64_t k = 0; k < take; ++k, ++t) {
      out[t] = static_cast<int32_t>((j * width + static_cast<int64_t>(word & mask)) * stride);
      word >>= bits;
      if (++s == n) {
        s = 0;
        ++j;
      }
    }
    bit += take * bits;
  }
}

// The kept rows [first, last) of column block b that fall in [r0, r1).
inline std::pair<int64_t, int64_t> block_rows(const format::hpf::Matrix& w, int64_t b, int64_t r0,
                                              int64_t r1) {
  const uint16_t* rows = w.rows.data() + b * w.header.k1;
  const uint16_t* end = rows + w.header.k1;
  const auto lo = std::lower_bound(rows, end, r0);
  const auto hi = std::lower_bound(lo, end, r1);
  return {lo - rows, hi - rows};
}

}  // namespace fitformer::kernels::detail
#endif  // FITFORMER_KERNELS_SPMM_SIMD_ONCE

HWY_BEFORE_NAMESPACE();
namespace fitformer::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

void SpmmHpfF32(const detail::HpfArgs& a) {
  const format::hpf::Matrix& w = *a.w;
  const int64_t N = a.n, k1 = w.header.k1, spp = w.slots_per_segment();
#pragma omp parallel num_threads(a.threads)
  {
    const hn::ScalableTag<float> d;
    const int64_t L = static_cast<int64_t>(hn::Lanes(d));
    const auto [r0, r1] =
        detail::thread_rows(w.header.rows, omp_get_thread_num(), omp_get_num_threads());
    std::fill(a.y + r0 * N, a.y + r1 * N, 0.0f);
    std::vector<int32_t> cols(static_cast<size_t>(spp));
    for (int64_t b = 0; b < w.blocks(); ++b) {
      const auto [i0, i1] = detail::block_rows(w, b, r0, r1);
      const int64_t count = w.real_banks(b) * w.header.n;
      const float* xb = a.x + b * w.header.block_cols * N;
      for (int64_t i = i0; i < i1; ++i) {
        const int64_t seg = b * k1 + i;
        detail::segment_columns(w, seg, w.real_banks(b), N, cols.data());
        const float* v = w.vals_f32.data() + seg * spp;
        float* yr = a.y + w.rows[static_cast<size_t>(seg)] * N;
        int64_t c = 0;
        for (; c + 4 * L <= N; c += 4 * L) {
          auto y0 = hn::LoadU(d, yr + c), y1 = hn::LoadU(d, yr + c + L);
          auto y2 = hn::LoadU(d, yr + c + 2 * L), y3 = hn::LoadU(d, yr + c + 3 * L);
          for (int64_t s = 0; s < count; ++s) {
            const float* xr = xb + cols[static_cast<size_t>(s)] + c;
            const auto vs = hn::Set(d, v[s]);
            y0 = hn::MulAdd(vs, hn::LoadU(d, xr), y0);
            y1 = hn::MulAdd(vs, hn::LoadU(d, xr + L), y1);
            y2 = hn::MulAdd(vs, hn::LoadU(d, xr + 2 * L), y2);
            y3 = hn::MulAdd(vs, hn::LoadU(d, xr + 3 * L), y3);
          }
          hn::StoreU(y0, d, yr + c);
          hn::StoreU(y1, d, yr + c + L);
          hn::StoreU(y2, d, yr + c + 2 * L);
          hn::StoreU(y3, d, yr + c + 3 * L);
        }
        for (; c + L <= N; c += L) {
          auto y0 = hn::LoadU(d, yr + c);
          for (int64_t s = 0; s < count; ++s) {
            y0 = hn::MulAdd(hn::Set(d, v[s]), hn::LoadU(d, xb + cols[static_cast<size_t>(s)] + c),
                            y0);
          }
          hn::StoreU(y0, d, yr + c);
        }
        for (; c < N; ++c) {
          float sum = yr[c];
          for (int64_t s = 0; s < count; ++s) sum += v[s] * xb[cols[static_cast<size_t>(s)] + c];
          yr[c] = sum;
        }
      }
    }
  }
}

void SpmvHpfF32(const detail::HpfArgs& a) {
  const format::hpf::Matrix& w = *a.w;
  const int64_t k1 = w.header.k1, spp = w.slots_per_segment();
#pragma omp parallel num_threads(a.threads)
  {
    const hn::ScalableTag<float> d;
    const hn::RebindToSigned<decltype(d)> di;
    const int64_t L = static_cast<int64_t>(hn::Lanes(d));
    const auto [r0, r1] =
        detail::thread_rows(w.header.rows, omp_get_thread_num(), omp_get_num_threads());
    std::fill(a.y + r0, a.y + r1, 0.0f);
    std::vector<int32_t> cols(static_cast<size_t>(spp));
    for (int64_t b = 0; b < w.blocks(); ++b) {
      const auto [i0, i1] = detail::block_rows(w, b, r0, r1);
      const int64_t count = w.real_banks(b) * w.header.n;
      const float* xb = a.x + b * w.header.block_cols;
      for (int64_t i = i0; i < i1; ++i) {
        const int64_t seg = b * k1 + i;
        detail::segment_columns(w, seg, w.real_banks(b), 1, cols.data());
        const float* v = w.vals_f32.data() + seg * spp;
        auto acc = hn::Zero(d);
        int64_t s = 0;
        for (; s + L <= count; s += L) {
          const auto idx = hn::LoadU(di, cols.data() + s);
          acc = hn::MulAdd(hn::LoadU(d, v + s), hn::GatherIndex(d, xb, idx), acc);
        }
        float sum = hn::GetLane(hn::SumOfLanes(d, acc));
        for (; s < count; ++s) sum += v[s] * xb[cols[static_cast<size_t>(s)]];
        a.y[w.rows[static_cast<size_t>(seg)]] += sum;
      }
    }
  }
}

void SpmmHpfI8(const detail::HpfArgs& a) {
  const format::hpf::Matrix& w = *a.w;
  const int64_t N = a.n, K = w.header.cols, k1 = w.header.k1, spp = w.slots_per_segment();
  // X as int16 pairs of adjacent rows: x2[(p * N + c) * 2 + h] = x[2p + h][c], 0 past K.
  const int64_t pairs = (K + 1) / 2;
  std::vector<int16_t> x2(static_cast<size_t>(pairs * N * 2));
#pragma omp parallel for num_threads(a.threads) schedule(static)
  for (int64_t p = 0; p < pairs; ++p) {
    for (int64_t c = 0; c < N; ++c) {
      x2[static_cast<size_t>((p * N + c) * 2)] = a.xq[2 * p * N + c];
      x2[static_cast<size_t>((p * N + c) * 2 + 1)] = 2 * p + 1 < K ? a.xq[(2 * p + 1) * N + c] : 0;
    }
  }
#pragma omp parallel num_threads(a.threads)
  {
    const hn::ScalableTag<int32_t> d32;
    const hn::Repartition<int16_t, decltype(d32)> d16;
    const hn::Rebind<float, decltype(d32)> df;
    const int64_t L = static_cast<int64_t>(hn::Lanes(d32));
    const auto [r0, r1] =
        detail::thread_rows(w.header.rows, omp_get_thread_num(), omp_get_num_threads());
    std::fill(a.y + r0 * N, a.y + r1 * N, 0.0f);
    std::vector<int32_t> cols(static_cast<size_t>(spp)), pair_at(static_cast<size_t>(spp)),
        weight_pair(static_cast<size_t>(spp));
    const int16_t* xp = x2.data();
    for (int64_t b = 0; b < w.blocks(); ++b) {
      const auto [i0, i1] = detail::block_rows(w, b, r0, r1);
      const int64_t count = w.real_banks(b) * w.header.n;
      const int64_t k0 = b * w.header.block_cols;
      for (int64_t i = i0; i < i1; ++i) {
        const int64_t seg = b * k1 + i;
        const int64_t r = w.rows[static_cast<size_t>(seg)];
        detail::segment_columns(w, seg, w.real_banks(b), 1, cols.data());
        const int8_t* v = w.vals_i8.data() + seg * spp;
        // Pair the slots: two weights on rows 2p and 2p + 1 share one multiply-add pair;
        // a lone weight pairs with 0. Zero weights (and unused slots) are skipped.
        int64_t ops = 0;
        for (int64_t s = 0; s < count; ++s) {
          if (v[s] == 0) continue;
          const int64_t k = k0 + cols[static_cast<size_t>(s)];
          int32_t lo = 0, hi = 0;
          if ((k & 1) == 0) {
            lo = v[s];
            if (s + 1 < count && k0 + cols[static_cast<size_t>(s + 1)] == k + 1) hi = v[++s];
          } else {
            hi = v[s];
          }
          pair_at[static_cast<size_t>(ops)] = static_cast<int32_t>((k >> 1) * N * 2);
          weight_pair[static_cast<size_t>(ops++)] = static_cast<int32_t>(
              (static_cast<uint32_t>(static_cast<uint16_t>(hi)) << 16) | static_cast<uint16_t>(lo));
        }
        const float scale = w.row_scale(r) * a.x_scale;
        const auto vscale = hn::Set(df, scale);
        float* yr = a.y + r * N;
        int64_t c = 0;
#if HWY_TARGET != HWY_SCALAR  // one int32 lane cannot hold an int16 pair
        for (; c + 4 * L <= N; c += 4 * L) {
          auto s0 = hn::Zero(d32), s1 = hn::Zero(d32), s2 = hn::Zero(d32), s3 = hn::Zero(d32);
          auto t0 = hn::Zero(d32), t1 = hn::Zero(d32), t2 = hn::Zero(d32), t3 = hn::Zero(d32);
          for (int64_t o = 0; o < ops; ++o) {
            const auto wv = hn::BitCast(d16, hn::Set(d32, weight_pair[static_cast<size_t>(o)]));
            const int16_t* xr = xp + pair_at[static_cast<size_t>(o)] + 2 * c;
            s0 = hn::ReorderWidenMulAccumulate(d32, hn::LoadU(d16, xr), wv, s0, t0);
            s1 = hn::ReorderWidenMulAccumulate(d32, hn::LoadU(d16, xr + 2 * L), wv, s1, t1);
            s2 = hn::ReorderWidenMulAccumulate(d32, hn::LoadU(d16, xr + 4 * L), wv, s2, t2);
            s3 = hn::ReorderWidenMulAccumulate(d32, hn::LoadU(d16, xr + 6 * L), wv, s3, t3);
          }
          auto store = [&](hn::Vec<decltype(d32)> s, hn::Vec<decltype(d32)> t, int64_t at) {
            const auto sum = hn::ConvertTo(df, hn::RearrangeToOddPlusEven(s, t));
            hn::StoreU(hn::MulAdd(sum, vscale, hn::LoadU(df, yr + at)), df, yr + at);
          };
          store(s0, t0, c);
          store(s1, t1, c + L);
          store(s2, t2, c + 2 * L);
          store(s3, t3, c + 3 * L);
        }
        for (; c + L <= N; c += L) {
          auto s0 = hn::Zero(d32), t0 = hn::Zero(d32);
          for (int64_t o = 0; o < ops; ++o) {
            const auto wv = hn::BitCast(d16, hn::Set(d32, weight_pair[static_cast<size_t>(o)]));
            s0 = hn::ReorderWidenMulAccumulate(
                d32, hn::LoadU(d16, xp + pair_at[static_cast<size_t>(o)] + 2 * c), wv, s0, t0);
          }
          const auto sum = hn::ConvertTo(df, hn::RearrangeToOddPlusEven(s0, t0));
          hn::StoreU(hn::MulAdd(sum, vscale, hn::LoadU(df, yr + c)), df, yr + c);
        }
#else
        (void)L;
        (void)vscale;
        (void)d16;
#endif
        for (; c < N; ++c) {
          int32_t sum = 0;
          for (int64_t o = 0; o < ops; ++o) {
            const int16_t* xr = xp + pair_at[static_cast<size_t>(o)] + 2 * c;
            const int32_t pair = weight_pair[static_cast<size_t>(o)];
            sum += static_cast<int16_t>(pair & 0xffff) * xr[0] +
                   static_cast<int16_t>(pair >> 16) * xr[1];
          }
          yr[c] += static_cast<float>(sum) * scale;
        }
      }
    }
  }
}

void SpmvHpfI8(const detail::HpfArgs& a) {
  const format::hpf::Matrix& w = *a.w;
  const int64_t k1 = w.header.k1, spp = w.slots_per_segment();
  // Gathers need 32-bit elements: widen x once (K values).
  const std::vector<int32_t> x32(a.xq, a.xq + w.header.cols);
#pragma omp parallel num_threads(a.threads)
  {
    const hn::ScalableTag<int32_t> d32;
    const hn::Rebind<int8_t, decltype(d32)> d8;
    const int64_t L = static_cast<int64_t>(hn::Lanes(d32));
    const auto [r0, r1] =
        detail::thread_rows(w.header.rows, omp_get_thread_num(), omp_get_num_threads());
    std::fill(a.y + r0, a.y + r1, 0.0f);
    std::vector<int32_t> cols(static_cast<size_t>(spp));
    for (int64_t b = 0; b < w.blocks(); ++b) {
      const auto [i0, i1] = detail::block_rows(w, b, r0, r1);
      const int64_t count = w.real_banks(b) * w.header.n;
      const int32_t* xb = x32.data() + b * w.header.block_cols;
      for (int64_t i = i0; i < i1; ++i) {
        const int64_t seg = b * k1 + i;
        const int64_t r = w.rows[static_cast<size_t>(seg)];
        detail::segment_columns(w, seg, w.real_banks(b), 1, cols.data());
        const int8_t* v = w.vals_i8.data() + seg * spp;
        auto acc = hn::Zero(d32);
        int64_t s = 0;
        for (; s + L <= count; s += L) {
          const auto wv = hn::PromoteTo(d32, hn::LoadU(d8, v + s));
          const auto xv = hn::GatherIndex(d32, xb, hn::LoadU(d32, cols.data() + s));
          acc = hn::Add(acc, hn::Mul(wv, xv));
        }
        int32_t sum = hn::GetLane(hn::SumOfLanes(d32, acc));
        for (; s < count; ++s) sum += v[s] * xb[cols[static_cast<size_t>(s)]];
        a.y[r] += static_cast<float>(sum) * (w.row_scale(r) * a.x_scale);
      }
    }
  }
}

void SpmmCsrF32(const detail::CsrArgs& a) {
  const format::CsrMatrix& w = *a.w;
  const int64_t N = a.n;
#pragma omp parallel num_threads(a.threads)
  {
    const hn::ScalableTag<float> d;
    const hn::RebindToSigned<decltype(d)> di;
    const int64_t L = static_cast<int64_t>(hn::Lanes(d));
    const auto [r0, r1] = detail::thread_rows(w.rows, omp_get_thread_num(), omp_get_num_threads());
    for (int64_t r = r0; r < r1; ++r) {
      const int32_t begin = w.row_ptr[static_cast<size_t>(r)],
                    end = w.row_ptr[static_cast<size_t>(r + 1)];
      const float* v = w.vals.data();
      const int32_t* col = w.col_idx.data();
      float* yr = a.y + r * N;
      if (N == 1) {  // a gathered dot product
        auto acc = hn::Zero(d);
        int32_t i = begin;
        for (; i + L <= end; i += static_cast<int32_t>(L)) {
          acc =
              hn::MulAdd(hn::LoadU(d, v + i), hn::GatherIndex(d, a.x, hn::LoadU(di, col + i)), acc);
        }
        float sum = hn::GetLane(hn::SumOfLanes(d, acc));
        for (; i < end; ++i) sum += v[i] * a.x[col[i]];
        yr[0] = sum;
        continue;
      }
      int64_t c = 0;
      for (; c + 4 * L <= N; c += 4 * L) {
        auto y0 = hn::Zero(d), y1 = hn::Zero(d), y2 = hn::Zero(d), y3 = hn::Zero(d);
        for (int32_t i = begin; i < end; ++i) {
          const float* xr = a.x + static_cast<int64_t>(col[i]) * N + c;
          const auto vs = hn::Set(d, v[i]);
          y0 = hn::MulAdd(vs, hn::LoadU(d, xr), y0);
          y1 = hn::MulAdd(vs, hn::LoadU(d, xr + L), y1);
          y2 = hn::MulAdd(vs, hn::LoadU(d, xr + 2 * L), y2);
          y3 = hn::MulAdd(vs, hn::LoadU(d, xr + 3 * L), y3);
        }
        hn::StoreU(y0, d, yr + c);
        hn::StoreU(y1, d, yr + c + L);
        hn::StoreU(y2, d, yr + c + 2 * L);
        hn::StoreU(y3, d, yr + c + 3 * L);
      }
      for (; c + L <= N; c += L) {
        auto y0 = hn::Zero(d);
        for (int32_t i = begin; i < end; ++i) {
          y0 = hn::MulAdd(hn::Set(d, v[i]),
                          hn::LoadU(d, a.x + static_cast<int64_t>(col[i]) * N + c), y0);
        }
        hn::StoreU(y0, d, yr + c);
      }
      for (; c < N; ++c) {
        float sum = 0.0f;
        for (int32_t i = begin; i < end; ++i)
          sum += v[i] * a.x[static_cast<int64_t>(col[i]) * N + c];
        yr[c] = sum;
      }
    }
  }
}

// The target this translation unit was compiled for, to name the dispatched one.
const char* TargetName() {
  return hwy::TargetName(HWY_TARGET);
}

}  // namespace fitformer::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include <fmt/format.h>

#include "core/error.h"
#include "format/bit_pack.h"

namespace fitformer::kernels {

HWY_EXPORT(SpmmHpfF32);
HWY_EXPORT(SpmvHpfF32);
HWY_EXPORT(SpmmHpfI8);
HWY_EXPORT(SpmvHpfI8);
HWY_EXPORT(SpmmCsrF32);
HWY_EXPORT(TargetName);

namespace {

void require(bool ok, const char* field, const std::string& expected, const std::string& found) {
  if (!ok) throw Error("", field, expected, found);
}

// The checks of spmm.h's preconditions for an HPF kernel, once per call.
void check_hpf(const format::hpf::Matrix& w, format::ValueType type, size_t x_size, int64_t n,
               size_t y_size, int threads) {
  const auto& h = w.header;
  require(h.value_type == type, "w", fmt::format("value type {}", format::value_type_name(type)),
          std::string(format::value_type_name(h.value_type)));
  require(h.rows >= 1 && h.cols >= 1 && h.block_cols >= 1 && h.banks >= 1 &&
              h.block_cols % h.banks == 0 && h.n >= 1 && h.n <= w.bank_width() && h.k1 >= 1 &&
              h.k1 <= h.rows,
          "w", "a valid HPF header",
          fmt::format("M {} K {} Bc {} B {} n {} k1 {}", h.rows, h.cols, h.block_cols, h.banks, h.n,
                      h.k1));
  const size_t slots = static_cast<size_t>(w.slots());
  const size_t vals = type == format::ValueType::kF32 ? w.vals_f32.size() : w.vals_i8.size();
  require(
      w.rows.size() == static_cast<size_t>(w.blocks() * h.k1) && vals == slots &&
          w.offs.size() == static_cast<size_t>(format::packed_bytes(w.slots(), w.offset_bits())),
      "w", "arrays sized as the header says", "other sizes");
  require(n >= 1, "n", "at least 1", std::to_string(n));
  require(x_size == static_cast<size_t>(h.cols * n), "x",
          fmt::format("{} values (K x N)", h.cols * n), std::to_string(x_size));
  require(y_size == static_cast<size_t>(h.rows * n), "y",
          fmt::format("{} values (M x N)", h.rows * n), std::to_string(y_size));
  require(threads >= 1, "threads", "at least 1", std::to_string(threads));
}

}  // namespace

void spmm_hpf_f32(const format::hpf::Matrix& w, std::span<const float> x, int64_t n,
                  std::span<float> y, int threads) {
  check_hpf(w, format::ValueType::kF32, x.size(), n, y.size(), threads);
  HWY_DYNAMIC_DISPATCH(SpmmHpfF32)({&w, x.data(), nullptr, 1.0f, n, y.data(), threads});
}

void spmv_hpf_f32(const format::hpf::Matrix& w, std::span<const float> x, std::span<float> y,
                  int threads) {
  check_hpf(w, format::ValueType::kF32, x.size(), 1, y.size(), threads);
  HWY_DYNAMIC_DISPATCH(SpmvHpfF32)({&w, x.data(), nullptr, 1.0f, 1, y.data(), threads});
}

void spmm_hpf_i8(const format::hpf::Matrix& w, std::span<const int8_t> x, float x_scale, int64_t n,
                 std::span<float> y, int threads) {
  check_hpf(w, format::ValueType::kI8, x.size(), n, y.size(), threads);
  HWY_DYNAMIC_DISPATCH(SpmmHpfI8)({&w, nullptr, x.data(), x_scale, n, y.data(), threads});
}

void spmv_hpf_i8(const format::hpf::Matrix& w, std::span<const int8_t> x, float x_scale,
                 std::span<float> y, int threads) {
  check_hpf(w, format::ValueType::kI8, x.size(), 1, y.size(), threads);
  HWY_DYNAMIC_DISPATCH(SpmvHpfI8)({&w, nullptr, x.data(), x_scale, 1, y.data(), threads});
}

void spmm_csr_f32(const format::CsrMatrix& w, std::span<const float> x, int64_t n,
                  std::span<float> y, int threads) {
  require(w.row_ptr.size() == static_cast<size_t>(w.rows + 1) && w.col_idx.size() == w.vals.size(),
          "w", "a CSR matrix with M + 1 row pointers", std::to_string(w.row_ptr.size()));
  require(n >= 1, "n", "at least 1", std::to_string(n));
  require(x.size() == static_cast<size_t>(w.cols * n), "x",
          fmt::format("{} values (K x N)", w.cols * n), std::to_string(x.size()));
  require(y.size() == static_cast<size_t>(w.rows * n), "y",
          fmt::format("{} values (M x N)", w.rows * n), std::to_string(y.size()));
  require(threads >= 1, "threads", "at least 1", std::to_string(threads));
  HWY_DYNAMIC_DISPATCH(SpmmCsrF32)({&w, x.data(), n, y.data(), threads});
}

const char* simd_target_name() {
  return HWY_DYNAMIC_DISPATCH(TargetName)();
}

}  // namespace fitformer::kernels
#endif  // HWY_ONCE
