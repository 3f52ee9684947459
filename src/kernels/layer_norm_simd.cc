// layer_norm_columns_f32 (layer_norm.h) as one Highway body for every target: per vector of
// tokens, three passes down the features (sum, centered squares, normalize), the column block
// (width x one vector, 20 KiB at d 312 on AVX-512) staying in L1 between them.
#include <algorithm>

#include "kernels/layer_norm.h"
#include "kernels/split_range.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/layer_norm_simd.cc"
#include <hwy/aligned_allocator.h>
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace fitformer::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Normalizes the tokens [0, L) of x, rows `stride` floats apart; returns max |result| lane-wise.
template <class D>
HWY_INLINE hn::Vec<D> NormalizeVector(D d, float* HWY_RESTRICT x, int64_t stride, int64_t width,
                                      const float* HWY_RESTRICT gamma,
                                      const float* HWY_RESTRICT beta, float eps) {
  // Two partial sums per pass halve the rounding error's growth along the column.
  auto s0 = hn::Zero(d), s1 = hn::Zero(d);
  int64_t f = 0;
  for (; f + 2 <= width; f += 2) {
    s0 = hn::Add(s0, hn::LoadU(d, x + f * stride));
    s1 = hn::Add(s1, hn::LoadU(d, x + (f + 1) * stride));
  }
  if (f < width) s0 = hn::Add(s0, hn::LoadU(d, x + f * stride));
  const auto count = hn::Set(d, static_cast<float>(width));
  const auto mean = hn::Div(hn::Add(s0, s1), count);
  s0 = hn::Zero(d);
  s1 = hn::Zero(d);
  for (f = 0; f + 2 <= width; f += 2) {
    const auto c0 = hn::Sub(hn::LoadU(d, x + f * stride), mean);
    const auto c1 = hn::Sub(hn::LoadU(d, x + (f + 1) * stride), mean);
    s0 = hn::MulAdd(c0, c0, s0);
    s1 = hn::MulAdd(c1, c1, s1);
  }
  if (f < width) {
    const auto c0 = hn::Sub(hn::LoadU(d, x + f * stride), mean);
    s0 = hn::MulAdd(c0, c0, s0);
  }
  const auto var = hn::Div(hn::Add(s0, s1), count);
  const auto inv_std = hn::Div(hn::Set(d, 1.0f), hn::Sqrt(hn::Add(var, hn::Set(d, eps))));
  auto max = hn::Zero(d);
  for (f = 0; f < width; ++f) {
    float* row = x + f * stride;
    const auto c = hn::Mul(hn::Sub(hn::LoadU(d, row), mean), inv_std);
    const auto out = hn::MulAdd(c, hn::Set(d, gamma[f]), hn::Set(d, beta[f]));
    max = hn::Max(max, hn::Abs(out));
    hn::StoreU(out, d, row);
  }
  return max;
}

void LayerNormColumnsPart(float* x, int64_t width, int64_t n, const float* gamma, const float* beta,
                          float eps, float* max_abs, int thread, int threads) {
  const hn::ScalableTag<float> d;
  const int64_t L = static_cast<int64_t>(hn::Lanes(d));
  const int64_t vectors = (n + L - 1) / L;
  const auto [v0, v1] = split_range(vectors, thread, threads);
  auto max = hn::Zero(d);
  for (int64_t v = v0; v < v1; ++v) {
    const int64_t t0 = v * L;
    if (t0 + L <= n) {
      max = hn::Max(max, NormalizeVector(d, x + t0, n, width, gamma, beta, eps));
      continue;
    }
    // The last, partial vector: through a [width][L] buffer, padded with zeros (a zero column
    // normalizes to beta, which the copy back leaves out; the max skips the padding lanes).
    const int64_t valid = n - t0;
    auto buf = hwy::AllocateAligned<float>(static_cast<size_t>(width * L));
    for (int64_t f = 0; f < width; ++f) {
      std::fill(buf.get() + f * L, buf.get() + (f + 1) * L, 0.0f);
      std::copy(x + f * n + t0, x + f * n + n, buf.get() + f * L);
    }
    const auto m = NormalizeVector(d, buf.get(), L, width, gamma, beta, eps);
    max = hn::Max(max, hn::IfThenElseZero(hn::FirstN(d, static_cast<size_t>(valid)), m));
    for (int64_t f = 0; f < width; ++f)
      std::copy(buf.get() + f * L, buf.get() + f * L + valid, x + f * n + t0);
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

void layer_norm_columns_f32_part(float* x, int64_t width, int64_t n, const float* gamma,
                                 const float* beta, float eps, float* max_abs, int thread,
                                 int threads) {
  HWY_DYNAMIC_DISPATCH(LayerNormColumnsPart)
  (x, width, n, gamma, beta, eps, max_abs, thread, threads);
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
  layer_norm_columns_f32_part(x.data(), width, n, gamma.data(), beta.data(), eps, max_abs,
                              omp_get_thread_num(), omp_get_num_threads());
}

}  // namespace fitformer::kernels
#endif  // HWY_ONCE
