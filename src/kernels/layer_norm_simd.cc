// layer_norm_columns_f32 (layer_norm.h) as one Highway body for every target: per chunk of up
// to 8 vectors of tokens, three passes down the features (sum, centered squares, normalize),
// each lane's arithmetic in the same order as one vector at a time.
#include <algorithm>

#include "kernels/layer_norm.h"
#include "kernels/split_range.h"
#include "kernels/tile_width.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/layer_norm_simd.cc"
#include <hwy/aligned_allocator.h>
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace fitformer::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Normalizes the tokens [0, V * L) of x into out (which may be x), rows `stride` floats apart,
// V vectors side by side; returns max |result| lane-wise. Walking a row's V vectors together reads
// x row by row (V independent sums, and at V = 8 a 512-byte row is 8 whole cache lines): one vector
// at a time the column's rows, `stride` floats apart, all fall in a few of L1's sets and are read
// from L2 on every pass anyway, one latency-bound chain at a time.
template <int V, class D>
HWY_INLINE hn::Vec<D> NormalizeVectors(D d, const float* x, float* out, int64_t stride,
                                       int64_t width, const float* HWY_RESTRICT gamma,
                                       const float* HWY_RESTRICT beta, float eps) {
  const int64_t L = static_cast<int64_t>(hn::Lanes(d));
  // Two partial sums per pass halve the rounding error's growth along the column.
  hn::Vec<D> s0[V], s1[V], mean[V];
  for (int v = 0; v < V; ++v) s0[v] = s1[v] = hn::Zero(d);
  int64_t f = 0;
  for (; f + 2 <= width; f += 2) {
    for (int v = 0; v < V; ++v) {
      s0[v] = hn::Add(s0[v], hn::LoadU(d, x + f * stride + v * L));
      s1[v] = hn::Add(s1[v], hn::LoadU(d, x + (f + 1) * stride + v * L));
    }
  }
  if (f < width)
    for (int v = 0; v < V; ++v) s0[v] = hn::Add(s0[v], hn::LoadU(d, x + f * stride + v * L));
  const auto count = hn::Set(d, static_cast<float>(width));
  for (int v = 0; v < V; ++v) {
    mean[v] = hn::Div(hn::Add(s0[v], s1[v]), count);
    s0[v] = s1[v] = hn::Zero(d);
  }
  for (f = 0; f + 2 <= width; f += 2) {
    for (int v = 0; v < V; ++v) {
      const auto c0 = hn::Sub(hn::LoadU(d, x + f * stride + v * L), mean[v]);
      const auto c1 = hn::Sub(hn::LoadU(d, x + (f + 1) * stride + v * L), mean[v]);
      s0[v] = hn::MulAdd(c0, c0, s0[v]);
      s1[v] = hn::MulAdd(c1, c1, s1[v]);
    }
  }
  if (f < width) {
    for (int v = 0; v < V; ++v) {
      const auto c0 = hn::Sub(hn::LoadU(d, x + f * stride + v * L), mean[v]);
      s0[v] = hn::MulAdd(c0, c0, s0[v]);
    }
  }
  hn::Vec<D> inv_std[V];
  for (int v = 0; v < V; ++v) {
    const auto var = hn::Div(hn::Add(s0[v], s1[v]), count);
    inv_std[v] = hn::Div(hn::Set(d, 1.0f), hn::Sqrt(hn::Add(var, hn::Set(d, eps))));
  }
  auto max = hn::Zero(d);
  for (f = 0; f < width; ++f) {
    const float* row = x + f * stride;
    float* out_row = out + f * stride;
    const auto g = hn::Set(d, gamma[f]), b = hn::Set(d, beta[f]);
    for (int v = 0; v < V; ++v) {
      const auto c = hn::Mul(hn::Sub(hn::LoadU(d, row + v * L), mean[v]), inv_std[v]);
      const auto y = hn::MulAdd(c, g, b);
      max = hn::Max(max, hn::Abs(y));
      hn::StoreU(y, d, out_row + v * L);
    }
  }
  return max;
}

// NormalizeVectors for 1..8 vectors.
template <class D>
HWY_INLINE hn::Vec<D> NormalizeChunk(D d, int64_t vectors, const float* x, float* out,
                                     int64_t stride, int64_t width, const float* HWY_RESTRICT gamma,
                                     const float* HWY_RESTRICT beta, float eps) {
  auto max = hn::Zero(d);
  with_tile_width(vectors, [&](auto v) {
    max = NormalizeVectors<decltype(v)::value>(d, x, out, stride, width, gamma, beta, eps);
  });
  return max;
}

// Token vectors normalized side by side (NormalizeVectors).
constexpr int64_t kChunkVectors = kMaxTileWidth;

// Tokens of this thread's share of x normalized into out (which may be x).
void LayerNormColumnsPart(const float* x, float* out, int64_t width, int64_t n, const float* gamma,
                          const float* beta, float eps, float* max_abs, int thread, int threads) {
  const hn::ScalableTag<float> d;
  const int64_t L = static_cast<int64_t>(hn::Lanes(d));
  const int64_t vectors = (n + L - 1) / L;
  const auto [v0, v1] = split_range(vectors, thread, threads);
  const int64_t whole = std::min(v1, n / L);  // this thread's vectors [v0, whole) are full
  auto max = hn::Zero(d);
  for (int64_t v = v0; v < whole; v += kChunkVectors) {
    const int64_t count = std::min(kChunkVectors, whole - v);
    max =
        hn::Max(max, NormalizeChunk(d, count, x + v * L, out + v * L, n, width, gamma, beta, eps));
  }
  for (int64_t v = std::max(v0, whole); v < v1; ++v) {
    const int64_t t0 = v * L;
    // The last, partial vector: through a [width][L] buffer, padded with zeros (a zero column
    // normalizes to beta, which the copy back leaves out; the max skips the padding lanes).
    const int64_t valid = n - t0;
    auto buf = hwy::AllocateAligned<float>(static_cast<size_t>(width * L));
    for (int64_t f = 0; f < width; ++f) {
      std::fill(buf.get() + f * L, buf.get() + (f + 1) * L, 0.0f);
      std::copy(x + f * n + t0, x + f * n + n, buf.get() + f * L);
    }
    const auto m = NormalizeVectors<1>(d, buf.get(), buf.get(), L, width, gamma, beta, eps);
    max = hn::Max(max, hn::IfThenElseZero(hn::FirstN(d, static_cast<size_t>(valid)), m));
    for (int64_t f = 0; f < width; ++f)
      std::copy(buf.get() + f * L, buf.get() + f * L + valid, out + f * n + t0);
  }
  if (max_abs != nullptr) max_abs[thread] = hn::GetLane(hn::MaxOfLanes(d, max));
}

}  // namespace fitformer::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include <fmt/format.h>
#include <omp.h>

#include "core/error.h"

namespace fitformer::kernels {

HWY_EXPORT(LayerNormColumnsPart);

void layer_norm_columns_f32_into(const float* x, float* out, int64_t width, int64_t n,
                                 const float* gamma, const float* beta, float eps, float* max_abs) {
  HWY_DYNAMIC_DISPATCH(LayerNormColumnsPart)(x, out, width, n, gamma, beta, eps, max_abs, 0, 1);
}

void layer_norm_columns_f32(std::span<float> x, int64_t n, std::span<const float> gamma,
                            std::span<const float> beta, float eps, float* max_abs, int threads) {
  const auto width = static_cast<int64_t>(gamma.size());
  if (width < 1 || beta.size() != gamma.size() || n < 1 ||
      x.size() != static_cast<size_t>(width * n) || threads < 1) {
    throw Error("", "x, gamma, beta, n, threads",
                "width x n values, width = gamma = beta >= 1, n >= 1, threads >= 1",
                fmt::format("{}, {}, {}, {}, {}", x.size(), gamma.size(), beta.size(), n, threads));
  }
#pragma omp parallel num_threads(threads)
  HWY_DYNAMIC_DISPATCH(LayerNormColumnsPart)
  (x.data(), x.data(), width, n, gamma.data(), beta.data(), eps, max_abs, omp_get_thread_num(),
   omp_get_num_threads());
}

}  // namespace fitformer::kernels
#endif  // HWY_ONCE
