// The SIMD kernels of spmm.h: one Google Highway body per kernel, compiled for every target
// (foreach_target.h) and dispatched once per call; the int8 HPF bodies hand over to
// spmm_vnni.cc on x86 CPUs with AVX512-VNNI when the dispatched target is AVX-512.
//
// HPF kernels run on a PreparedHpf (prepared_hpf.h: offsets decoded, kept rows in groups of
// 16 lanes). SpMM (N > 1) vectorizes over token columns: a thread owns a range of output
// rows; per tile of up to 8 vectors of tokens and per column block, each of its kept row
// segments accumulates B * n broadcast-weight x X-row products into registers, reading the
// block's Bc rows of the X tile (Bc x 8 vectors, 32 KiB at Bc = 64 on AVX-512) from L1.
// SpMV (N = 1) puts 16 kept rows of a block in the lanes: per slot, the x values of the 16
// rows come from one table lookup in the slot's bank of x (vpermps), so a slot of 16 rows
// costs a byte-index load, a permute and an FMA, and no lane needs a horizontal sum; banks
// wider than a vector gather instead. Threads split (block, group) units, each with its own
// copy of y. int8 (portable path): the weights are column quads (4 int8 per int32 lane),
// unpacked by shifts and multiplied in int32.
#include <omp.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/spmm.h"
#include "kernels/spmm_fused.h"
#include "kernels/spmm_internal.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/spmm_simd.cc"
#include <hwy/aligned_allocator.h>
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#ifndef FITFORMER_KERNELS_SPMM_SIMD_ONCE
#define FITFORMER_KERNELS_SPMM_SIMD_ONCE
namespace fitformer::kernels::detail {

struct CsrArgs {
  const format::CsrMatrix* w = nullptr;
  const float* x = nullptr;
  int64_t n = 1;
  float* y = nullptr;
  int threads = 1;
};

// x copied into blocks * Bc values (zero past K) plus a vector of slack, 64-byte aligned so
// that SpMV's table windows are whole cache lines and nothing reads past the end.
inline hwy::AlignedFreeUniquePtr<float[]> padded_x(const PreparedHpf& w, const float* x) {
  const size_t size = static_cast<size_t>(w.blocks * w.header.block_cols + 64);
  auto out = hwy::AllocateAligned<float>(size);
  std::fill(out.get(), out.get() + size, 0.0f);
  std::copy(x, x + w.header.cols, out.get());
  return out;
}

}  // namespace fitformer::kernels::detail
#endif  // FITFORMER_KERNELS_SPMM_SIMD_ONCE

HWY_BEFORE_NAMESPACE();
namespace fitformer::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

constexpr int64_t G = PreparedHpf::kGroupRows;
void SpmvHpfF32(const detail::PlanArgs& a) {
  const PreparedHpf& w = *a.w;
  const int64_t M = w.header.rows, spp = w.slots(), Bc = w.header.block_cols;
  const int64_t bw = Bc / w.header.banks, units = w.blocks * w.groups;
  const auto xpad = detail::padded_x(w, a.x);
  const int threads = static_cast<int>(std::min<int64_t>(a.threads, units));
  std::vector<float> partial(static_cast<size_t>((threads - 1) * M));
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    float* yt = detail::thread_output(partial, a.y, M, t);
    // At most 16 lanes: a row group fills one AVX-512 vector, or several narrower ones.
    const hn::CappedTag<float, G> d;
    const hn::RebindToSigned<decltype(d)> di;
    const hn::RebindToUnsigned<decltype(d)> du;
    const hn::Rebind<uint8_t, decltype(d)> d8;
    const int64_t L = static_cast<int64_t>(hn::Lanes(d));
    // Banks fit aligned L-column windows (bw divides 16 and L): permute instead of gather.
    const bool lookup = bw <= L && !w.offs4.empty();
    const int32_t window = ~static_cast<int32_t>(L - 1);
    const int64_t chunks = (spp + 7) / 8;
    const int32_t* slot_cols = w.slot_cols.data();
    HWY_ALIGN float sums[G];
    const auto [u0, u1] = split_range(units, t, nt);
    for (int64_t u = u0; u < u1; ++u) {
      const int64_t b = u / w.groups;
      const int64_t count = w.real_banks[static_cast<size_t>(b)] * w.header.n;
      const float* xb = xpad.get() + b * Bc;
      for (int64_t h = 0; h < G; h += L) {
        const float* vals = w.vals_f32.data() + u * spp * G + h;
        // Four accumulators hide the FMA latency of one row group's chain.
        auto acc0 = hn::Zero(d), acc1 = hn::Zero(d), acc2 = hn::Zero(d), acc3 = hn::Zero(d);
        if (lookup) {
          const uint32_t* offs4 = w.offs4.data() + u * chunks * G + h;
          // Slot s: the aligned window of L columns holding its bank as the table, its
          // column modulo L (from nibble s % 8) as the index.
          auto slot = [&](int64_t s, hn::Vec<decltype(du)> nib, hn::Vec<decltype(d)> acc) {
            const auto idx =
                hn::BitCast(di, hn::And(nib, hn::Set(du, static_cast<uint32_t>(L - 1))));
            const auto xv = hn::TableLookupLanes(hn::LoadU(d, xb + (slot_cols[s] & window)),
                                                 hn::IndicesFromVec(d, idx));
            return hn::MulAdd(hn::LoadU(d, vals + s * G), xv, acc);
          };
          int64_t s = 0;
          for (; s + 8 <= count; s += 8) {
            const auto nib = hn::LoadU(du, offs4 + s / 8 * G);
            acc0 = slot(s, nib, acc0);
            acc1 = slot(s + 1, hn::ShiftRight<4>(nib), acc1);
            acc2 = slot(s + 2, hn::ShiftRight<8>(nib), acc2);
            acc3 = slot(s + 3, hn::ShiftRight<12>(nib), acc3);
            acc0 = slot(s + 4, hn::ShiftRight<16>(nib), acc0);
            acc1 = slot(s + 5, hn::ShiftRight<20>(nib), acc1);
            acc2 = slot(s + 6, hn::ShiftRight<24>(nib), acc2);
            acc3 = slot(s + 7, hn::ShiftRight<28>(nib), acc3);
          }
          for (; s < count; ++s) {
            const auto nib = hn::LoadU(du, offs4 + s / 8 * G);
            acc0 = slot(s, hn::ShiftRightSame(nib, static_cast<int>(4 * (s % 8))), acc0);
          }
        } else {  // banks wider than a vector: gather
          const uint8_t* offs = w.offs.data() + u * spp * G + h;
          int64_t s = 0;
          auto slot = [&](int64_t s, hn::Vec<decltype(d)> acc) {
            const auto idx = hn::PromoteTo(di, hn::LoadU(d8, offs + s * G));
            return hn::MulAdd(hn::LoadU(d, vals + s * G),
                              hn::GatherIndex(d, xb + slot_cols[s], idx), acc);
          };
          for (; s + 2 <= count; s += 2) {
            acc0 = slot(s, acc0);
            acc1 = slot(s + 1, acc1);
          }
          for (; s < count; ++s) acc0 = slot(s, acc0);
        }
        hn::Store(hn::Add(hn::Add(acc0, acc1), hn::Add(acc2, acc3)), d, sums + h);
      }
      // Padding lanes hold 0 and name a real row, so all 16 are added.
      const uint16_t* rows = w.rows.data() + u * G;
      for (int64_t l = 0; l < G; ++l) yt[rows[l]] += sums[l];
    }
#pragma omp barrier
    detail::sum_partials(partial, a.y, M, t, nt);
  }
}

// Sign-extended byte k of each int32 lane.
template <int k, class V>
HWY_INLINE V ByteOf(V v) {
  return hn::ShiftRight<24>(hn::ShiftLeft<24 - 8 * k>(v));
}

void SpmvHpfI8(const detail::PlanArgs& a) {
#if defined(__x86_64__) && (HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL)
  if (detail::vnni_available()) return detail::spmv_hpf_i8_vnni(a);
#endif
  const PreparedHpf& w = *a.w;
  const int64_t M = w.header.rows, K = w.header.cols, Bc = w.header.block_cols, Q = w.quads;
  const int64_t units = w.blocks * w.groups;
  // x widened to int32 per block, 4 * Q values each (0 past the block or K).
  std::vector<int32_t> xw(static_cast<size_t>(w.blocks * Q * 4), 0);
  for (int64_t b = 0; b < w.blocks; ++b) {
    for (int64_t col = 0; col < Bc && b * Bc + col < K; ++col)
      xw[static_cast<size_t>(b * Q * 4 + col)] = a.xq[b * Bc + col];
  }
  const int threads = static_cast<int>(std::min<int64_t>(a.threads, units));
  std::vector<float> partial(static_cast<size_t>((threads - 1) * M));
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    float* yt = detail::thread_output(partial, a.y, M, t);
    const hn::CappedTag<int32_t, G> d32;
    const hn::Rebind<float, decltype(d32)> df;
    const int64_t L = static_cast<int64_t>(hn::Lanes(d32));
    HWY_ALIGN float sums[G];
    const auto [u0, u1] = split_range(units, t, nt);
    for (int64_t u = u0; u < u1; ++u) {
      const int32_t* xb = xw.data() + (u / w.groups) * Q * 4;
      for (int64_t h = 0; h < G; h += L) {
        const int32_t* quads = w.quads_i8.data() + u * Q * G + h;
        auto acc0 = hn::Zero(d32), acc1 = hn::Zero(d32);
        for (int64_t q = 0; q < Q; ++q) {
          const auto wv = hn::LoadU(d32, quads + q * G);
          acc0 = hn::Add(acc0, hn::Mul(ByteOf<0>(wv), hn::Set(d32, xb[4 * q])));
          acc1 = hn::Add(acc1, hn::Mul(ByteOf<1>(wv), hn::Set(d32, xb[4 * q + 1])));
          acc0 = hn::Add(acc0, hn::Mul(ByteOf<2>(wv), hn::Set(d32, xb[4 * q + 2])));
          acc1 = hn::Add(acc1, hn::Mul(ByteOf<3>(wv), hn::Set(d32, xb[4 * q + 3])));
        }
        const auto scale =
            hn::Mul(hn::LoadU(df, w.scales_i8.data() + u * G + h), hn::Set(df, a.x_scale));
        hn::Store(hn::Mul(hn::ConvertTo(df, hn::Add(acc0, acc1)), scale), df, sums + h);
      }
      const uint16_t* rows = w.rows.data() + u * G;
      for (int64_t l = 0; l < G; ++l) yt[rows[l]] += sums[l];
    }
#pragma omp barrier
    detail::sum_partials(partial, a.y, M, t, nt);
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
    const auto [r0, r1] = split_range(w.rows, omp_get_thread_num(), omp_get_num_threads());
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

#include "format/bit_pack.h"
#include "kernels/require.h"

namespace fitformer::kernels {

HWY_EXPORT(SpmvHpfF32);
HWY_EXPORT(SpmvHpfI8);
HWY_EXPORT(SpmmCsrF32);
HWY_EXPORT(TargetName);

namespace {

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

// The per-call checks of spmm.h's preconditions for a prepared matrix (prepare_hpf checked
// the rest once).
void check_prepared(const PreparedHpf& w, format::ValueType type, size_t x_size, int64_t n,
                    size_t y_size, int threads) {
  const auto& h = w.header;
  require(h.value_type == type, "w", fmt::format("value type {}", format::value_type_name(type)),
          std::string(format::value_type_name(h.value_type)));
  const size_t lanes = static_cast<size_t>(w.blocks * w.groups * PreparedHpf::kGroupRows);
  const bool f32 = type == format::ValueType::kF32;
  require(w.rows.size() == lanes && w.real_banks.size() == static_cast<size_t>(w.blocks) &&
              w.row_segments.size() == static_cast<size_t>(h.rows + 1) &&
              w.first_block.size() == static_cast<size_t>(h.rows) &&
              w.block_starts.size() == static_cast<size_t>(w.blocks) &&
              w.slot_cols.size() == static_cast<size_t>(w.slots()) &&
              (f32 ? w.offs.size() == lanes * static_cast<size_t>(w.slots()) &&
                         w.vals_f32.size() == w.offs.size() &&
                         w.seg_cols.size() == static_cast<size_t>(w.blocks * h.k1 * w.slots()) &&
                         w.seg_vals.size() == w.seg_cols.size() &&
                         w.offs4.size() == (16 % (h.block_cols / h.banks) == 0
                                                ? lanes * static_cast<size_t>((w.slots() + 7) / 8)
                                                : 0)
                   : w.quads_i8.size() == lanes * static_cast<size_t>(w.quads) &&
                         w.sums_i8.size() == lanes && w.scales_i8.size() == lanes),
          "w", "a matrix built by prepare_hpf", "other sizes");
  require(n >= 1, "n", "at least 1", std::to_string(n));
  require(x_size == static_cast<size_t>(h.cols * n), "x",
          fmt::format("{} values (K x N)", h.cols * n), std::to_string(x_size));
  require(y_size == static_cast<size_t>(h.rows * n), "y",
          fmt::format("{} values (M x N)", h.rows * n), std::to_string(y_size));
  require(threads >= 1, "threads", "at least 1", std::to_string(threads));
}

}  // namespace

void spmm_hpf_f32(const PreparedHpf& w, std::span<const float> x, int64_t n, std::span<float> y,
                  int threads) {
  check_prepared(w, format::ValueType::kF32, x.size(), n, y.size(), threads);
  if (n == 1)
    return HWY_DYNAMIC_DISPATCH(SpmvHpfF32)({&w, x.data(), nullptr, 1.0f, 1, y.data(), threads});
#pragma omp parallel num_threads(threads)
  spmm_hpf_f32_fused_part(w, x.data(), n, y.data(), {}, omp_get_thread_num(),
                          omp_get_num_threads());
}

void spmv_hpf_f32(const PreparedHpf& w, std::span<const float> x, std::span<float> y, int threads) {
  check_prepared(w, format::ValueType::kF32, x.size(), 1, y.size(), threads);
  HWY_DYNAMIC_DISPATCH(SpmvHpfF32)({&w, x.data(), nullptr, 1.0f, 1, y.data(), threads});
}

void spmm_hpf_i8(const PreparedHpf& w, std::span<const int8_t> x, float x_scale, int64_t n,
                 std::span<float> y, int threads) {
  check_prepared(w, format::ValueType::kI8, x.size(), n, y.size(), threads);
  if (n == 1) {
    return HWY_DYNAMIC_DISPATCH(SpmvHpfI8)({&w, nullptr, x.data(), x_scale, 1, y.data(), threads});
  }
  ActivationQuads q;
  size_quads(w.header.cols, n, w.header.block_cols, q);
  q.scale = x_scale;
#pragma omp parallel num_threads(threads)
  {
    detail::quads_from_i8_part(x.data(), q, omp_get_thread_num(), omp_get_num_threads());
#pragma omp barrier
    spmm_hpf_i8_fused_part(w, q, y.data(), {}, omp_get_thread_num(), omp_get_num_threads());
  }
}

void spmv_hpf_i8(const PreparedHpf& w, std::span<const int8_t> x, float x_scale, std::span<float> y,
                 int threads) {
  check_prepared(w, format::ValueType::kI8, x.size(), 1, y.size(), threads);
  HWY_DYNAMIC_DISPATCH(SpmvHpfI8)({&w, nullptr, x.data(), x_scale, 1, y.data(), threads});
}

// The overloads on the HPF matrix itself: check, prepare (on the call's threads), run.
void spmm_hpf_f32(const format::hpf::Matrix& w, std::span<const float> x, int64_t n,
                  std::span<float> y, int threads) {
  check_hpf(w, format::ValueType::kF32, x.size(), n, y.size(), threads);
  spmm_hpf_f32(prepare_hpf(w, threads), x, n, y, threads);
}

void spmv_hpf_f32(const format::hpf::Matrix& w, std::span<const float> x, std::span<float> y,
                  int threads) {
  check_hpf(w, format::ValueType::kF32, x.size(), 1, y.size(), threads);
  spmv_hpf_f32(prepare_hpf(w, threads), x, y, threads);
}

void spmm_hpf_i8(const format::hpf::Matrix& w, std::span<const int8_t> x, float x_scale, int64_t n,
                 std::span<float> y, int threads) {
  check_hpf(w, format::ValueType::kI8, x.size(), n, y.size(), threads);
  spmm_hpf_i8(prepare_hpf(w, threads), x, x_scale, n, y, threads);
}

void spmv_hpf_i8(const format::hpf::Matrix& w, std::span<const int8_t> x, float x_scale,
                 std::span<float> y, int threads) {
  check_hpf(w, format::ValueType::kI8, x.size(), 1, y.size(), threads);
  spmv_hpf_i8(prepare_hpf(w, threads), x, x_scale, y, threads);
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
