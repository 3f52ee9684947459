// Highway bodies of vector_math.h, compiled for every target (foreach_target.h). A row whose
// length is not a multiple of the vector runs its last partial vector through a one-vector
// buffer, padded with a value that does not change the result (0 for GELU and the layer norm's
// sums, -inf for softmax's max and exponentials); the layer norm's last partial vector is
// normalized in scalar code with the same mean and scale.
#include "model/vector_math.h"

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <limits>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "model/vector_math.cc"
// The math header must follow highway.h, which foreach_target.h re-includes per target.
// clang-format off
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>
#include <hwy/contrib/math/math-inl.h>
#include "model/gelu-inl.h"
// clang-format on

HWY_BEFORE_NAMESPACE();
namespace fitformer::model::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

void GeluInPlace(float* HWY_RESTRICT x, size_t n) {
  const hn::ScalableTag<float> d;
  const size_t lanes = hn::Lanes(d);
  size_t i = 0;
  for (; i + lanes <= n; i += lanes) hn::StoreU(Gelu(d, hn::LoadU(d, x + i)), d, x + i);
  if (i == n) return;
  HWY_ALIGN float tail[HWY_MAX_BYTES / sizeof(float)] = {};
  std::copy(x + i, x + n, tail);
  hn::Store(Gelu(d, hn::Load(d, tail)), d, tail);
  std::copy(tail, tail + (n - i), x + i);
}

void SoftmaxInPlace(float* HWY_RESTRICT x, size_t n) {
  const hn::ScalableTag<float> d;
  const size_t lanes = hn::Lanes(d);
  const size_t whole = n - n % lanes;
  constexpr float kMinusInf = -std::numeric_limits<float>::infinity();
  HWY_ALIGN float tail[HWY_MAX_BYTES / sizeof(float)];
  std::fill(tail, tail + lanes, kMinusInf);
  std::copy(x + whole, x + n, tail);

  auto max = hn::Load(d, tail);
  for (size_t i = 0; i < whole; i += lanes) max = hn::Max(max, hn::LoadU(d, x + i));
  max = hn::MaxOfLanes(d, max);

  auto sum = hn::Zero(d);
  for (size_t i = 0; i < whole; i += lanes) {
    const auto e = hn::Exp(d, hn::Sub(hn::LoadU(d, x + i), max));
    sum = hn::Add(sum, e);
    hn::StoreU(e, d, x + i);
  }
  const auto tail_e = hn::Exp(d, hn::Sub(hn::Load(d, tail), max));  // padding: exp(-inf) = 0
  sum = hn::Add(sum, tail_e);
  hn::Store(tail_e, d, tail);

  const auto inv = hn::Div(hn::Set(d, 1.0f), hn::SumOfLanes(d, sum));
  for (size_t i = 0; i < whole; i += lanes) hn::StoreU(hn::Mul(hn::LoadU(d, x + i), inv), d, x + i);
  hn::Store(hn::Mul(hn::Load(d, tail), inv), d, tail);
  std::copy(tail, tail + (n - whole), x + whole);
}

void LayerNormInPlace(float* HWY_RESTRICT x, size_t n, const float* HWY_RESTRICT gamma,
                      const float* HWY_RESTRICT beta, float eps) {
  const hn::ScalableTag<float> d;
  const size_t lanes = hn::Lanes(d);
  const size_t whole = n - n % lanes;
  HWY_ALIGN float tail[HWY_MAX_BYTES / sizeof(float)] = {};
  std::copy(x + whole, x + n, tail);

  auto sum = hn::Load(d, tail);  // padding: zeros
  for (size_t i = 0; i < whole; i += lanes) sum = hn::Add(sum, hn::LoadU(d, x + i));
  const auto mean = hn::Div(hn::SumOfLanes(d, sum), hn::Set(d, static_cast<float>(n)));

  auto squares = hn::Zero(d);
  for (size_t i = 0; i < whole; i += lanes) {
    const auto c = hn::Sub(hn::LoadU(d, x + i), mean);
    squares = hn::MulAdd(c, c, squares);
  }
  const auto tail_mask = hn::FirstN(d, n - whole);  // padding must not add mean^2
  const auto tail_c = hn::IfThenElseZero(tail_mask, hn::Sub(hn::Load(d, tail), mean));
  squares = hn::MulAdd(tail_c, tail_c, squares);
  const auto var = hn::Div(hn::SumOfLanes(d, squares), hn::Set(d, static_cast<float>(n)));
  const auto inv_std = hn::Div(hn::Set(d, 1.0f), hn::Sqrt(hn::Add(var, hn::Set(d, eps))));

  for (size_t i = 0; i < whole; i += lanes) {
    const auto c = hn::Mul(hn::Sub(hn::LoadU(d, x + i), mean), inv_std);
    hn::StoreU(hn::MulAdd(c, hn::LoadU(d, gamma + i), hn::LoadU(d, beta + i)), d, x + i);
  }
  const float mean_s = hn::GetLane(mean), inv_std_s = hn::GetLane(inv_std);
  for (size_t i = whole; i < n; ++i) x[i] = (x[i] - mean_s) * inv_std_s * gamma[i] + beta[i];
}

}  // namespace fitformer::model::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace fitformer::model {

HWY_EXPORT(GeluInPlace);
HWY_EXPORT(SoftmaxInPlace);
HWY_EXPORT(LayerNormInPlace);

void gelu_in_place(std::span<float> x) {
  HWY_DYNAMIC_DISPATCH(GeluInPlace)(x.data(), x.size());
}

void softmax_in_place(std::span<float> row) {
  HWY_DYNAMIC_DISPATCH(SoftmaxInPlace)(row.data(), row.size());
}

void layer_norm_in_place(std::span<float> row, std::span<const float> gamma,
                         std::span<const float> beta, float eps) {
  assert(row.size() >= gamma.size() && beta.size() == gamma.size());
  HWY_DYNAMIC_DISPATCH(LayerNormInPlace)(row.data(), gamma.size(), gamma.data(), beta.data(), eps);
}

}  // namespace fitformer::model
#endif  // HWY_ONCE
