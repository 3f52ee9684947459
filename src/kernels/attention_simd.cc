// attention_f32 (attention.h) as one Highway body for every target. A unit of work is one
// vector of queries (lanes) of one head of one sequence: its scaled Q columns are copied into a
// [head_dim][lanes] tile, the scores against every visible key are formed as lane-wise
// outer products (a Q vector times a broadcast K value), so the softmax's max, exponentials
// and sum are lane-wise too and no horizontal reduction is needed; then each output feature is
// sum_j p_j * V[f][j], again a probability vector times a broadcast V value, and is scaled by
// 1 / sum on the way out. The scores of one unit (seq x lanes floats, 8 KiB at seq 128 on
// AVX-512) stay in L1 between the two passes.
#include <algorithm>
#include <cmath>
#include <cstring>
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

// ot[i * L] = inv_sum * sum_j scores[j * L] * vh[i * stride + j] for features i < F. Under 4
// features one chain of FMAs per feature would wait on the FMA latency (head_dim 26 = 3 x 8 + 2
// leaves two), so C chains take alternate keys.
template <int F, class D>
HWY_INLINE void OutputTile(D d, const float* HWY_RESTRICT scores, const float* HWY_RESTRICT vh,
                           int64_t stride, int64_t keys, hn::Vec<D> inv_sum,
                           float* HWY_RESTRICT ot) {
  constexpr int C = F >= 4 ? 1 : (F == 1 ? 4 : 2);
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

// exp(x) for x <= 0 (a score minus its row's max), 0 below -87 (where exp is no longer a normal
// float; masked keys are -inf): x = n ln 2 + r with |r| <= ln 2 / 2 (ln 2 split in a part exact
// in float and a correction, Cody and Waite), e^r by its Taylor polynomial of degree 6
// (truncation below 1.2e-7 relative at |r| = ln 2 / 2), times 2^n built in the exponent field.
// About 13 vector operations against Highway's Exp's 20, which also serves positive arguments.
template <class D, class V = hn::Vec<D>>
HWY_INLINE V ExpNonPositive(D d, V x) {
  const hn::RebindToSigned<D> di;
  const auto underflow = hn::Lt(x, hn::Set(d, -87.0f));
  const V n = hn::Round(hn::Mul(x, hn::Set(d, 1.44269504088896341f)));
  V r = hn::NegMulAdd(n, hn::Set(d, 0.693359375f), x);   // ln 2 high part: 8 bits, exact n * it
  r = hn::NegMulAdd(n, hn::Set(d, -2.12194440e-4f), r);  // ln 2 - 0.693359375
  V p = hn::Set(d, 1.0f / 720);
  p = hn::MulAdd(p, r, hn::Set(d, 1.0f / 120));
  p = hn::MulAdd(p, r, hn::Set(d, 1.0f / 24));
  p = hn::MulAdd(p, r, hn::Set(d, 1.0f / 6));
  p = hn::MulAdd(p, r, hn::Set(d, 0.5f));
  p = hn::MulAdd(p, r, hn::Set(d, 1.0f));
  p = hn::MulAdd(p, r, hn::Set(d, 1.0f));
  // 2^n for n in [-126, 0]: (n + 127) << 23 is its bit pattern.
  const V scale =
      hn::BitCast(d, hn::ShiftLeft<23>(hn::Add(hn::ConvertTo(di, n), hn::Set(di, 127))));
  return hn::IfThenZeroElse(underflow, hn::Mul(p, scale));
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
  const float scale = 1.0f / std::sqrt(static_cast<float>(dh));
  for (int64_t f = 0; f < dh; ++f) {
    const float* qr = q + (blk.feature0 + f) * stride + col;
    float* row = qt + f * L;
    for (int64_t l = 0; l < blk.valid; ++l) row[l] = qr[l] * scale;
    std::fill(row + blk.valid, row + L, 0.0f);
  }
  const int64_t keys = causal ? std::min(length, blk.s0 + blk.valid) : length;
  const float* kh = k + blk.feature0 * stride + blk.token0;
  int64_t j = 0;
  for (; j + kKeyTile <= keys; j += kKeyTile) ScoreTile<kKeyTile>(d, qt, kh, stride, dh, j, scores);
  for (; j < keys; ++j) ScoreTile<1>(d, qt, kh, stride, dh, j, scores);
  if (causal) {  // key j is visible to lane l (query s0 + l) when j <= s0 + l
    const auto lane = hn::Iota(d, 0.0f);
    const auto minus_inf = hn::Set(d, -std::numeric_limits<float>::infinity());
    for (j = blk.s0 + 1; j < keys; ++j) {
      float* sj = scores + j * L;
      const auto visible = hn::Le(hn::Set(d, static_cast<float>(j - blk.s0)), lane);
      hn::Store(hn::IfThenElse(visible, hn::Load(d, sj), minus_inf), d, sj);
    }
  }
  auto max = hn::Load(d, scores);
  for (j = 1; j < keys; ++j) max = hn::Max(max, hn::Load(d, scores + j * L));
  auto sum = hn::Zero(d);
  for (j = 0; j < keys; ++j) {
    const auto e = ExpNonPositive(d, hn::Sub(hn::Load(d, scores + j * L), max));
    sum = hn::Add(sum, e);
    hn::Store(e, d, scores + j * L);
  }
  const auto inv_sum = hn::Div(hn::Set(d, 1.0f), sum);
  const float* vh = v + blk.feature0 * stride + blk.token0;
  for (int64_t f0 = 0; f0 < dh;) {
    const int64_t count = std::min<int64_t>(kFeatureTile, dh - f0);
    OutputTiles(d, count, scores, vh + f0 * stride, stride, keys, inv_sum, ot);
    const auto valid = hn::FirstN(d, static_cast<size_t>(blk.valid));
    for (int64_t i = 0; i < count; ++i) {
      out_max = hn::Max(out_max, hn::IfThenElseZero(valid, hn::Abs(hn::Load(d, ot + i * L))));
      float* orow = out0 + (f0 + i) * stride;
      std::memcpy(orow, ot + i * L, static_cast<size_t>(blk.valid) * sizeof(float));
      std::fill(orow + blk.valid, orow + blk.nq, 0.0f);
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
