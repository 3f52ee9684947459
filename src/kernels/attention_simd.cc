// attention_f32 (attention.h) as one Highway body for every target. A unit of work is up to
// kQueryVectors vectors of queries (lanes) of one head of one sequence: its Q columns, scaled
// by log2(e) / sqrt(head_dim), are copied into a [head_dim][vectors][lanes] tile, the scores
// against every visible key are formed as lane-wise outer products (a Q vector times a
// broadcast K value), so the softmax's max, exponentials and sum are lane-wise too and no
// horizontal reduction is needed; then each output feature is sum_j p_j * V[f][j], again a
// probability vector times a broadcast V value, and is scaled by 1 / sum on the way out. The
// scores of one unit (seq x vectors x lanes floats, 16 KiB at seq 128 on AVX-512) stay in L1
// between the two passes. Scores are in base 2 (the log2(e) in Q's scale), so the softmax's
// exponential is 2^x, one op shorter than e^x.
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

// A unit holds up to kQueryVectors vectors of queries, so that each K and V value broadcast
// from memory feeds that many FMAs (one broadcast load per FMA would make the loads, not the
// FMAs, the limit). Keys per pass over the head's features and output features per pass over
// the keys: 16 accumulator vectors in all keep both FMA units busy past their latency.
constexpr int kQueryVectors = 2;
constexpr int kAccumulators = 16;
constexpr int kFeatureTile = 8;

// 2^r on |r| <= 1/2, lowest power first (scripts/fit_exp2.py; the constant term is 1 so that a
// row's max weighs exactly 1).
constexpr float kExp2[] = {
    1.0f, 6.931470037e-01f, 2.402224541e-01f, 5.550704896e-02f, 9.671355598e-03f, 1.327241189e-03f};

// Scores of keys j..j+J-1 for the unit's V query vectors: scores[((j + i) * V + u) * L] =
// sum_f qt[(f * V + u) * L] * kh[f * stride + j + i].
template <int J, int V, class D>
HWY_INLINE void ScoreTile(D d, const float* HWY_RESTRICT qt, const float* HWY_RESTRICT kh,
                          int64_t stride, int64_t dh, int64_t j, float* HWY_RESTRICT scores) {
  const int64_t L = static_cast<int64_t>(hn::Lanes(d));
  hn::Vec<D> acc[J][V];
  for (int i = 0; i < J; ++i)
    for (int u = 0; u < V; ++u) acc[i][u] = hn::Zero(d);
  for (int64_t f = 0; f < dh; ++f) {
    hn::Vec<D> qv[V];
    for (int u = 0; u < V; ++u) qv[u] = hn::Load(d, qt + (f * V + u) * L);
    const float* kr = kh + f * stride + j;
    for (int i = 0; i < J; ++i) {
      const auto kv = hn::Set(d, kr[i]);
      for (int u = 0; u < V; ++u) acc[i][u] = hn::MulAdd(qv[u], kv, acc[i][u]);
    }
  }
  for (int i = 0; i < J; ++i)
    for (int u = 0; u < V; ++u) hn::Store(acc[i][u], d, scores + ((j + i) * V + u) * L);
}

// ot[(i * V + u) * L] = inv_sum[u] * sum_j p[(j * V + u) * L] * vh[i * stride + j] for
// features i < F. Fewer than kAccumulators chains would wait on the FMA latency (head_dim 26 =
// 3 x 8 + 2 leaves two features), so then C chains take alternate keys.
template <int F, int V, class D>
HWY_NOINLINE void OutputTile(D d, const float* HWY_RESTRICT p, const float* HWY_RESTRICT vh,
                             int64_t stride, int64_t keys, const hn::Vec<D>* inv_sum,
                             float* HWY_RESTRICT ot) {
  constexpr int C = (kAccumulators + F * V - 1) / (F * V);
  const int64_t L = static_cast<int64_t>(hn::Lanes(d));
  hn::Vec<D> acc[C][F][V];
  for (int c = 0; c < C; ++c)
    for (int i = 0; i < F; ++i)
      for (int u = 0; u < V; ++u) acc[c][i][u] = hn::Zero(d);
  const auto step = [&](int c, int64_t key) {
    hn::Vec<D> pv[V];
    for (int u = 0; u < V; ++u) pv[u] = hn::Load(d, p + (key * V + u) * L);
    for (int i = 0; i < F; ++i) {
      const auto vv = hn::Set(d, vh[i * stride + key]);
      for (int u = 0; u < V; ++u) acc[c][i][u] = hn::MulAdd(pv[u], vv, acc[c][i][u]);
    }
  };
  int64_t j = 0;
  for (; j + C <= keys; j += C)
    for (int c = 0; c < C; ++c) step(c, j + c);
  for (; j < keys; ++j) step(0, j);
  for (int i = 0; i < F; ++i) {
    for (int u = 0; u < V; ++u) {
      for (int c = 1; c < C; ++c) acc[0][i][u] = hn::Add(acc[0][i][u], acc[c][i][u]);
      hn::Store(hn::Mul(acc[0][i][u], inv_sum[u]), d, ot + (i * V + u) * L);
    }
  }
}

// OutputTile for count = 1..kFeatureTile features.
template <int V, class D>
HWY_INLINE void OutputTiles(D d, int64_t count, const float* HWY_RESTRICT p,
                            const float* HWY_RESTRICT vh, int64_t stride, int64_t keys,
                            const hn::Vec<D>* inv_sum, float* HWY_RESTRICT ot) {
  static_assert(kFeatureTile == kMaxTileWidth, "OutputTiles dispatches 1..8 features");
  with_tile_width(count, [&](auto features) {
    OutputTile<decltype(features)::value, V>(d, p, vh, stride, keys, inv_sum, ot);
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
  int64_t nq;      // queries in the block (<= V lanes)
  int64_t valid;   // of which real (s < length), >= 1
  int64_t feature0;
};

// The unit's Q columns, scaled by log2(e) / sqrt(dh) (so the scores come out in base 2, for
// Exp2NonPositive), into qt [dh][V][L]; padded queries' lanes are 0.
template <int V, class D>
HWY_INLINE void ScaledQueryTile(D d, const float* HWY_RESTRICT q, const AttentionShape& s,
                                const Block& blk, const int64_t* valid, float* HWY_RESTRICT qt) {
  const int64_t L = static_cast<int64_t>(hn::Lanes(d));
  const float scale = 1.44269504088896341f / std::sqrt(static_cast<float>(s.head_dim));
  for (int64_t f = 0; f < s.head_dim; ++f) {
    const float* qr = q + (blk.feature0 + f) * s.stride + blk.token0 + blk.s0;
    for (int u = 0; u < V; ++u) {
      float* row = qt + (f * V + u) * L;
      if (valid[u] == L) {
        hn::Store(hn::Mul(hn::LoadU(d, qr + u * L), hn::Set(d, scale)), d, row);
        continue;
      }
      for (int64_t l = 0; l < valid[u]; ++l) row[l] = qr[u * L + l] * scale;
      std::fill(row + valid[u], row + L, 0.0f);
    }
  }
}

// Each lane's softmax over the unit's `keys` base-2 scores, in place and unnormalized (2^(x -
// max)); returns 1 / sum per query vector in inv_sum.
template <int V, class D>
HWY_INLINE void SoftmaxWeights(D d, const Block& blk, bool causal, int64_t keys,
                               float* HWY_RESTRICT scores, hn::Vec<D>* inv_sum) {
  const int64_t L = static_cast<int64_t>(hn::Lanes(d));
  // Causal: key j is visible to lane l of vector u (query s0 + u L + l) when j <= s0 + u L + l;
  // only keys past s0 can be hidden from some lane. They are -inf for the max and 0 after the
  // exponential.
  const auto lane = hn::Iota(d, 0.0f);
  const auto visible = [&](int64_t key, int u) {
    return hn::Le(hn::Set(d, static_cast<float>(key - blk.s0 - u * L)), lane);
  };
  if (causal) {
    const auto minus_inf = hn::Set(d, -std::numeric_limits<float>::infinity());
    for (int64_t j = blk.s0 + 1; j < keys; ++j) {
      for (int u = 0; u < V; ++u) {
        float* sj = scores + (j * V + u) * L;
        hn::Store(hn::IfThenElse(visible(j, u), hn::Load(d, sj), minus_inf), d, sj);
      }
    }
  }
  // Each lane's max over the keys, in 4 chains per vector: one chain of Max would wait on its
  // latency at every key.
  hn::Vec<D> max[V], sum[V];
  for (int u = 0; u < V; ++u) {
    const auto at = [&](int64_t key) { return hn::Load(d, scores + (key * V + u) * L); };
    auto m0 = at(0), m1 = m0, m2 = m0, m3 = m0;
    int64_t j = 1;
    for (; j + 4 <= keys; j += 4) {
      m0 = hn::Max(m0, at(j));
      m1 = hn::Max(m1, at(j + 1));
      m2 = hn::Max(m2, at(j + 2));
      m3 = hn::Max(m3, at(j + 3));
    }
    for (; j < keys; ++j) m0 = hn::Max(m0, at(j));
    max[u] = hn::Max(hn::Max(m0, m1), hn::Max(m2, m3));
    sum[u] = hn::Zero(d);
  }
  for (int64_t j = 0; j < keys; ++j) {
    for (int u = 0; u < V; ++u) {
      float* sj = scores + (j * V + u) * L;
      auto e = Exp2NonPositive(d, hn::Sub(hn::Load(d, sj), max[u]));
      if (causal && j > blk.s0) e = hn::IfThenElseZero(visible(j, u), e);
      sum[u] = hn::Add(sum[u], e);
      hn::Store(e, d, sj);
    }
  }
  for (int u = 0; u < V; ++u) inv_sum[u] = hn::Div(hn::Set(d, 1.0f), sum[u]);
}

// One unit of V query vectors: qt [dh][V][L], scores [seq][V][L] and ot [kFeatureTile][V][L]
// are the thread's scratch.
template <int V, class D>
void AttendBlock(D d, const float* HWY_RESTRICT q, const float* HWY_RESTRICT k,
                 const float* HWY_RESTRICT v, const AttentionShape& s, int64_t length, bool causal,
                 const Block& blk, float* HWY_RESTRICT out, float* HWY_RESTRICT qt,
                 float* HWY_RESTRICT scores, float* HWY_RESTRICT ot, hn::Vec<D>& out_max) {
  const int64_t L = static_cast<int64_t>(hn::Lanes(d));
  const int64_t dh = s.head_dim, stride = s.stride;
  // Lanes of query vector u: real ones, and those inside the sequence (the rest of a partial
  // last block belongs to the next sequence, another unit's, and is not written).
  int64_t valid[V], inside[V];
  for (int u = 0; u < V; ++u) {
    valid[u] = std::clamp<int64_t>(blk.valid - u * L, 0, L);
    inside[u] = std::clamp<int64_t>(blk.nq - u * L, 0, L);
  }
  ScaledQueryTile<V>(d, q, s, blk, valid, qt);
  const int64_t keys = causal ? std::min(length, blk.s0 + blk.valid) : length;
  const float* kh = k + blk.feature0 * stride + blk.token0;
  constexpr int kKeyTile = kAccumulators / V;
  int64_t j = 0;
  for (; j + kKeyTile <= keys; j += kKeyTile)
    ScoreTile<kKeyTile, V>(d, qt, kh, stride, dh, j, scores);
  for (; j < keys; ++j) ScoreTile<1, V>(d, qt, kh, stride, dh, j, scores);
  hn::Vec<D> inv_sum[V];
  SoftmaxWeights<V>(d, blk, causal, keys, scores, inv_sum);
  const float* vh = v + blk.feature0 * stride + blk.token0;
  // A local copy: out_max itself lives in memory (stores to out may alias it), which would put
  // a store and a reload on every output vector's path.
  auto unit_max = out_max;
  for (int64_t f0 = 0; f0 < dh;) {
    const int64_t count = std::min<int64_t>(kFeatureTile, dh - f0);
    OutputTiles<V>(d, count, scores, vh + f0 * stride, stride, keys, inv_sum, ot);
    for (int64_t i = 0; i < count; ++i) {
      float* orow = out + (blk.feature0 + f0 + i) * stride + blk.token0 + blk.s0;
      for (int u = 0; u < V; ++u) {
        // Padded queries' lanes (a uniform mix of V, from their zero Q) are written as 0.
        float* o_tile = ot + (i * V + u) * L;
        const auto o =
            hn::IfThenElseZero(hn::FirstN(d, static_cast<size_t>(valid[u])), hn::Load(d, o_tile));
        unit_max = hn::Max(unit_max, hn::Abs(o));
        if (inside[u] == L) {
          hn::StoreU(o, d, orow + u * L);
        } else {
          hn::Store(o, d, o_tile);
          std::copy(o_tile, o_tile + inside[u], orow + u * L);
        }
      }
    }
    f0 += count;
  }
  out_max = unit_max;
}

void AttentionPart(const float* q, const float* k, const float* v, const AttentionShape& s,
                   const int64_t* lengths, bool causal, float* out, int thread, int threads,
                   float* max_abs) {
  const hn::ScalableTag<float> d;
  const int64_t L = static_cast<int64_t>(hn::Lanes(d));
  // Queries per unit. A causal unit of 2 vectors would score its first vector against the
  // second's keys too, all masked: at seq 128 more work than the shared broadcasts save.
  const int64_t W = (causal ? 1 : kQueryVectors) * L;
  const int64_t blocks = (s.seq + W - 1) / W;
  const int64_t units = s.batch * s.heads * blocks;
  auto max = hn::Zero(d);
  if (max_abs != nullptr) max_abs[thread] = 0.0f;
  if (thread >= units) return;
  auto qt = hwy::AllocateAligned<float>(static_cast<size_t>(s.head_dim * W));
  auto scores = hwy::AllocateAligned<float>(static_cast<size_t>(s.seq * W));
  auto ot = hwy::AllocateAligned<float>(static_cast<size_t>(kFeatureTile * W));
  for (int64_t u = thread; u < units; u += threads) {
    const int64_t b = u / (s.heads * blocks), h = (u / blocks) % s.heads, qb = u % blocks;
    const int64_t length = lengths[b];
    Block blk;
    blk.token0 = b * s.seq;
    blk.s0 = qb * W;
    blk.nq = std::min(W, s.seq - blk.s0);
    blk.valid = std::clamp<int64_t>(length - blk.s0, 0, blk.nq);
    blk.feature0 = h * s.head_dim;
    // Query vectors with no real query are written as 0 and not computed: the whole unit
    // when it has none, its second vector when the first holds them all.
    int64_t computed = blk.nq;
    if (blk.valid <= L) computed = blk.valid == 0 ? 0 : std::min(L, blk.nq);
    if (computed < blk.nq) {
      for (int64_t f = 0; f < s.head_dim; ++f) {
        float* row = out + (blk.feature0 + f) * s.stride + blk.token0 + blk.s0;
        std::fill(row + computed, row + blk.nq, 0.0f);
      }
    }
    if (computed == 0) continue;
    if (blk.valid <= L) {
      blk.nq = computed;
      AttendBlock<1>(d, q, k, v, s, length, causal, blk, out, qt.get(), scores.get(), ot.get(),
                     max);
    } else {
      AttendBlock<kQueryVectors>(d, q, k, v, s, length, causal, blk, out, qt.get(), scores.get(),
                                 ot.get(), max);
    }
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
