// attention_f32 (attention.h) as one Highway body for every target. A unit of work is one
// vector of queries (lanes) of one head of one sequence: its Q columns, scaled by
// log2(e) / sqrt(head_dim), are copied into a [head_dim][lanes] tile, the scores against every
// visible key are formed as lane-wise outer products (a Q vector times a broadcast K value), so
// the softmax's max, exponentials and sum are lane-wise too and no horizontal reduction is
// needed; then each output feature is sum_j p_j * V[f][j], again a probability vector times a
// broadcast V value, and is scaled by 1 / sum on the way out. The scores of one unit (seq x
// lanes floats, 8 KiB at seq 128 on AVX-512) stay in L1 between the two passes. Scores are in
// base 2 (the log2(e) in Q's scale), so the softmax's exponential is 2^x, one op shorter than
// e^x.
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/attention.h"
#include "kernels/tile_width.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/attention_simd.cc"
#include <hwy/aligned_allocator.h>
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace fitformer::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Keys per pass over the head's features (score accumulators in registers), and output
// features per pass over the keys: 8 vectors each keep the FMA units busy past their latency.
constexpr int kKeyTile = 16;
constexpr int kFeatureTile = 8;

// 2^r on |r| <= 1/2, lowest power first (scripts/fit_exp2.py; the constant term is 1 so that a
// row's max weighs exactly 1).
constexpr float kExp2[] = {
    1.0f, 6.931470037e-01f, 2.402224541e-01f, 5.550704896e-02f, 9.671355598e-03f, 1.327241189e-03f};

// scores[(j + i) * L] = sum_f qt[f * L] * kh[f * stride + j + i] for i < J.
template <int J, class D>
HWY_INLINE void ScoreTile(D d, const float* HWY_RESTRICT qt, const float* HWY_RESTRICT kh,
                          int64_t stride, int64_t dh, int64_t j, float* HWY_RESTRICT scores) {
  const int64_t L = static_cast<int64_t>(hn::Lanes(d));
  hn::Vec<D> acc[J];
  for (int i = 0; i < J; ++i) acc[i] = hn::Zero(d);
  for (int64_t f = 0; f < dh; ++f) {
    const auto qv = hn::Load(d, qt + f * L);
    const float* kr = kh + f * stride + j;
    for (int i = 0; i < J; ++i) acc[i] = hn::MulAdd(qv, hn::Set(d, kr[i]), acc[i]);
  }
  for (int i = 0; i < J; ++i) hn::Store(acc[i], d, scores + (j + i) * L);
}

// ot[i * L] = inv_sum * sum_j scores[j * L] * vh[i * stride + j] for features i < F. Under 8
// features one chain of FMAs per feature would wait on the FMA latency (2 units x 4 cycles;
// head_dim 26 = 3 x 8 + 2 leaves two), so C chains take alternate keys: at least 8 in all.
template <int F, class D>
HWY_NOINLINE void OutputTile(D d, const float* HWY_RESTRICT scores, const float* HWY_RESTRICT vh,
                             int64_t stride, int64_t keys, hn::Vec<D> inv_sum,
                             float* HWY_RESTRICT ot) {
  constexpr int C = (kFeatureTile + F - 1) / F;
  const int64_t L = static_cast<int64_t>(hn::Lanes(d));
  hn::Vec<D> acc[C][F];
  for (int c = 0; c < C; ++c)
    for (int i = 0; i < F; ++i) acc[c][i] = hn::Zero(d);
  int64_t j = 0;
  for (; j + C <= keys; j += C) {
    for (int c = 0; c < C; ++c) {
      const auto p = hn::Load(d, scores + (j + c) * L);
      for (int i = 0; i < F; ++i)
        acc[c][i] = hn::MulAdd(p, hn::Set(d, vh[i * stride + j + c]), acc[c][i]);
    }
  }
  for (; j < keys; ++j) {
    const auto p = hn::Load(d, scores + j * L);
    for (int i = 0; i < F; ++i)
      acc[0][i] = hn::MulAdd(p, hn::Set(d, vh[i * stride + j]), acc[0][i]);
  }
  for (int i = 0; i < F; ++i) {
    for (int c = 1; c < C; ++c) acc[0][i] = hn::Add(acc[0][i], acc[c][i]);
    hn::Store(hn::Mul(acc[0][i], inv_sum), d, ot + i * L);
  }
}

// OutputTile for count = 1..kFeatureTile features.
template <class D>
HWY_INLINE void OutputTiles(D d, int64_t count, const float* HWY_RESTRICT scores,
                            const float* HWY_RESTRICT vh, int64_t stride, int64_t keys,
                            hn::Vec<D> inv_sum, float* HWY_RESTRICT ot) {
  static_assert(kFeatureTile == kMaxTileWidth, "OutputTiles dispatches 1..8 features");
  with_tile_width(count, [&](auto features) {
    OutputTile<decltype(features)::value>(d, scores, vh, stride, keys, inv_sum, ot);
  });
}

// 2^x for x <= 0 (a base-2 score minus its row's max): x = n + r with n = round(x) and
// |r| <= 1/2, 2^r by a degree-5 polynomial (minimax in relative error, fitted by
// scripts/fit_exp2.py: 1.5e-7 relative in float arithmetic), times 2^n added into the
// exponent field. n comes from adding 1.5 * 2^23, which rounds x to an integer held in the
// sum's low mantissa bits; shifted left by 23 they are n's exponent increment (two's
// complement, so negative n works), with no float-to-int conversion (Highway's ConvertTo costs
// 5 operations for its overflow rule). x is clamped at -125 so the result stays a normal float:
// a key 125 below the row's max (87 in natural units; masked keys are -inf) weighs 2^-125
// instead of its true 0..2^-125, which no float sum of weights >= 1 can see. 11 vector
// operations against 17 for e^x by Cody and Waite's reduction with an underflow select.
template <class D, class V = hn::Vec<D>>
HWY_INLINE V Exp2NonPositive(D d, V x) {
  const hn::RebindToSigned<D> di;
  const V magic = hn::Set(d, 12582912.0f);  // 1.5 * 2^23
  x = hn::Max(x, hn::Set(d, -125.0f));
  const V shifted = hn::Add(x, magic);
  const V r = hn::Sub(x, hn::Sub(shifted, magic));
  V p = hn::Set(d, kExp2[5]);
  for (int k = 4; k >= 0; --k) p = hn::MulAdd(p, r, hn::Set(d, kExp2[k]));
  const auto exponent = hn::ShiftLeft<23>(hn::BitCast(di, shifted));
  return hn::BitCast(d, hn::Add(hn::BitCast(di, p), exponent));
}

struct Block {
  int64_t token0;  // first token of the sequence
  int64_t s0;      // first query position of the block
  int64_t nq;      // queries in the block (<= lanes)
  int64_t valid;   // of which real (s < length)
  int64_t feature0;
};

// One unit: qt [dh][L], scores [seq][L] and ot [kFeatureTile][L] are the thread's scratch.
template <class D>
void AttendBlock(D d, const float* HWY_RESTRICT q, const float* HWY_RESTRICT k,
                 const float* HWY_RESTRICT v, const AttentionShape& s, int64_t length, bool causal,
                 const Block& blk, float* HWY_RESTRICT out, float* HWY_RESTRICT qt,
                 float* HWY_RESTRICT scores, float* HWY_RESTRICT ot, hn::Vec<D>& out_max) {
  const int64_t L = static_cast<int64_t>(hn::Lanes(d));
  const int64_t dh = s.head_dim, stride = s.stride;
  const int64_t col = blk.token0 + blk.s0;
  float* out0 = out + blk.feature0 * stride + col;
  if (blk.valid == 0) {  // padded queries only
    for (int64_t f = 0; f < dh; ++f) std::fill(out0 + f * stride, out0 + f * stride + blk.nq, 0.0f);
    return;
  }
  // log2(e) / sqrt(dh): the scores come out in base 2 (Exp2NonPositive).
  const float scale = 1.44269504088896341f / std::sqrt(static_cast<float>(dh));
  const bool full = blk.valid == L;
  for (int64_t f = 0; f < dh; ++f) {
    const float* qr = q + (blk.feature0 + f) * stride + col;
    float* row = qt + f * L;
    if (full) {
      hn::Store(hn::Mul(hn::LoadU(d, qr), hn::Set(d, scale)), d, row);
      continue;
    }
    for (int64_t l = 0; l < blk.valid; ++l) row[l] = qr[l] * scale;
    std::fill(row + blk.valid, row + L, 0.0f);
  }
  const int64_t keys = causal ? std::min(length, blk.s0 + blk.valid) : length;
  const float* kh = k + blk.feature0 * stride + blk.token0;
  int64_t j = 0;
  for (; j + kKeyTile <= keys; j += kKeyTile) ScoreTile<kKeyTile>(d, qt, kh, stride, dh, j, scores);
  for (; j < keys; ++j) ScoreTile<1>(d, qt, kh, stride, dh, j, scores);
  // Causal: key j is visible to lane l (query s0 + l) when j <= s0 + l; only keys past s0 can
  // be hidden from some lane. They are -inf for the max and 0 after the exponential.
  const auto lane = hn::Iota(d, 0.0f);
  const auto visible = [&](int64_t key) {
    return hn::Le(hn::Set(d, static_cast<float>(key - blk.s0)), lane);
  };
  if (causal) {
    const auto minus_inf = hn::Set(d, -std::numeric_limits<float>::infinity());
    for (j = blk.s0 + 1; j < keys; ++j) {
      float* sj = scores + j * L;
      hn::Store(hn::IfThenElse(visible(j), hn::Load(d, sj), minus_inf), d, sj);
    }
  }
  // The row max in 4 chains: one chain of Max would wait on its latency at every key.
  hn::Vec<D> maxes[4];
  for (auto& m : maxes) m = hn::Load(d, scores);
  for (j = 1; j < keys; ++j) maxes[j % 4] = hn::Max(maxes[j % 4], hn::Load(d, scores + j * L));
  const auto max = hn::Max(hn::Max(maxes[0], maxes[1]), hn::Max(maxes[2], maxes[3]));
  auto sum = hn::Zero(d);
  for (j = 0; j < keys; ++j) {
    auto e = Exp2NonPositive(d, hn::Sub(hn::Load(d, scores + j * L), max));
    if (causal && j > blk.s0) e = hn::IfThenElseZero(visible(j), e);
    sum = hn::Add(sum, e);
    hn::Store(e, d, scores + j * L);
  }
  const auto inv_sum = hn::Div(hn::Set(d, 1.0f), sum);
  const float* vh = v + blk.feature0 * stride + blk.token0;
  const auto valid = hn::FirstN(d, static_cast<size_t>(blk.valid));
  for (int64_t f0 = 0; f0 < dh;) {
    const int64_t count = std::min<int64_t>(kFeatureTile, dh - f0);
    OutputTiles(d, count, scores, vh + f0 * stride, stride, keys, inv_sum, ot);
    for (int64_t i = 0; i < count; ++i) {
      // Padded queries' lanes (a uniform mix of V, from their zero Q) are written as 0.
      const auto o = hn::IfThenElseZero(valid, hn::Load(d, ot + i * L));
      out_max = hn::Max(out_max, hn::Abs(o));
      float* orow = out0 + (f0 + i) * stride;
      if (blk.nq == L) {
        hn::StoreU(o, d, orow);
      } else {  // the sequence's last, partial block: no write past its end (another unit's)
        hn::Store(o, d, ot + i * L);
        std::copy(ot + i * L, ot + i * L + blk.nq, orow);
      }
    }
    f0 += count;
  }
}

void AttentionPart(const float* q, const float* k, const float* v, const AttentionShape& s,
                   const int64_t* lengths, bool causal, float* out, int thread, int threads,
                   float* max_abs) {
  const hn::ScalableTag<float> d;
  const int64_t L = static_cast<int64_t>(hn::Lanes(d));
  const int64_t blocks = (s.seq + L - 1) / L;
  const int64_t units = s.batch * s.heads * blocks;
  auto max = hn::Zero(d);
  if (max_abs != nullptr) max_abs[thread] = 0.0f;
  if (thread >= units) return;
  auto qt = hwy::AllocateAligned<float>(static_cast<size_t>(s.head_dim * L));
  auto scores = hwy::AllocateAligned<float>(static_cast<size_t>(s.seq * L));
  auto ot = hwy::AllocateAligned<float>(static_cast<size_t>(kFeatureTile * L));
  for (int64_t u = thread; u < units; u += threads) {
    const int64_t b = u / (s.heads * blocks), h = (u / blocks) % s.heads, qb = u % blocks;
    const int64_t length = lengths[b];
    Block blk;
    blk.token0 = b * s.seq;
    blk.s0 = qb * L;
    blk.nq = std::min(L, s.seq - blk.s0);
    blk.valid = std::clamp<int64_t>(length - blk.s0, 0, blk.nq);
    blk.feature0 = h * s.head_dim;
    AttendBlock(d, q, k, v, s, length, causal, blk, out, qt.get(), scores.get(), ot.get(), max);
  }
  if (max_abs != nullptr) max_abs[thread] = hn::GetLane(hn::MaxOfLanes(d, max));
}

}  // namespace fitformer::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include <fmt/format.h>
#include <omp.h>

#include "kernels/require.h"

namespace fitformer::kernels {

HWY_EXPORT(AttentionPart);

void attention_f32_part(const float* q, const float* k, const float* v, const AttentionShape& shape,
                        const int64_t* lengths, bool causal, float* out, int thread, int threads,
                        float* max_abs) {
  HWY_DYNAMIC_DISPATCH(AttentionPart)
  (q, k, v, shape, lengths, causal, out, thread, threads, max_abs);
}

void attention_f32(std::span<const float> q, std::span<const float> k, std::span<const float> v,
                   const AttentionShape& s, std::span<const int64_t> lengths, bool causal,
                   std::span<float> out, int threads) {
  require(
      s.batch >= 1 && s.seq >= 1 && s.heads >= 1 && s.head_dim >= 1 && s.stride >= s.batch * s.seq,
      "shape", "sizes >= 1 and stride >= batch * seq",
      fmt::format("batch {} seq {} heads {} head_dim {} stride {}", s.batch, s.seq, s.heads,
                  s.head_dim, s.stride));
  require(lengths.size() == static_cast<size_t>(s.batch), "lengths",
          fmt::format("{} lengths", s.batch), std::to_string(lengths.size()));
  for (int64_t len : lengths)
    require(len >= 1 && len <= s.seq, "lengths", fmt::format("1..{}", s.seq), std::to_string(len));
  const size_t need =
      static_cast<size_t>(((s.heads * s.head_dim - 1) * s.stride) + s.batch * s.seq);
  require(q.size() >= need && k.size() >= need && v.size() >= need && out.size() >= need,
          "q, k, v, out", fmt::format("at least {} floats each", need),
          fmt::format("{}, {}, {}, {}", q.size(), k.size(), v.size(), out.size()));
  require(threads >= 1, "threads", "at least 1", std::to_string(threads));
#pragma omp parallel num_threads(threads)
  attention_f32_part(q.data(), k.data(), v.data(), s, lengths.data(), causal, out.data(),
                     omp_get_thread_num(), omp_get_num_threads());
}

}  // namespace fitformer::kernels
#endif  // HWY_ONCE
