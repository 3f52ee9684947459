// quantize_activations (spmm.h, and fixed_point.h's int8/int16 one) as a Highway body for
// every target: the max |x| in float vectors, then each value divided by the scale in double and
// rounded half away from zero, exactly as format::quantize_symmetric does one value at a time (the
// scalar loop, a double division and lround per value, cost more than the 90 %-sparse SpMM it
// feeds; docs/kernels.md).
#include <algorithm>
#include <cmath>
#include <cstddef>

#include "format/value_type.h"
#include "kernels/fixed_point.h"
#include "kernels/spmm.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/quantize_simd.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace fitformer::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

float MaxAbs(const float* HWY_RESTRICT x, size_t n) {
  const hn::ScalableTag<float> d;
  const size_t lanes = hn::Lanes(d);
  auto max = hn::Zero(d);
  size_t i = 0;
  for (; i + lanes <= n; i += lanes) max = hn::Max(max, hn::Abs(hn::LoadU(d, x + i)));
  float result = hn::GetLane(hn::MaxOfLanes(d, max));
  for (; i < n; ++i) result = std::max(result, std::fabs(x[i]));
  return result;
}

// q[i] = clamp(round_half_away(x[i] / scale), -qmax, qmax), the division in double, for int8
// or int16 outputs.
template <typename T>
void QuantizeQ(const float* HWY_RESTRICT x, size_t n, float scale, int32_t qmax_int,
               T* HWY_RESTRICT q) {
  const hn::ScalableTag<double> dd;
  const hn::Rebind<float, decltype(dd)> df;
  const hn::Rebind<int32_t, decltype(dd)> di32;
  const hn::Rebind<T, decltype(dd)> dq;
  const size_t lanes = hn::Lanes(dd);
  const auto s = hn::Set(dd, static_cast<double>(scale));
  const auto half = hn::Set(dd, 0.5), one = hn::Set(dd, 1.0);
  const auto qmax = hn::Set(dd, static_cast<double>(qmax_int));
  const auto qmin = hn::Neg(qmax);
  size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    const auto v = hn::Div(hn::PromoteTo(dd, hn::LoadU(df, x + i)), s);
    // Round() breaks ties to even; a tie (exact .5 fraction, found exactly) goes away from 0.
    const auto whole = hn::Trunc(v);
    const auto tie = hn::Eq(hn::Abs(hn::Sub(v, whole)), half);
    auto r = hn::IfThenElse(tie, hn::Add(whole, hn::CopySign(one, v)), hn::Round(v));
    r = hn::Min(hn::Max(r, qmin), qmax);
    hn::StoreU(hn::DemoteTo(dq, hn::DemoteTo(di32, r)), dq, q + i);
  }
  for (; i < n; ++i) q[i] = static_cast<T>(format::quantize_symmetric(x[i], scale, qmax_int));
}

void QuantizeI8(const float* HWY_RESTRICT x, size_t n, float scale, int8_t* HWY_RESTRICT q) {
  QuantizeQ(x, n, scale, 127, q);
}

void QuantizeI16(const float* HWY_RESTRICT x, size_t n, float scale, int32_t qmax,
                 int16_t* HWY_RESTRICT q) {
  QuantizeQ(x, n, scale, qmax, q);
}

}  // namespace fitformer::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include <fmt/format.h>

#include "core/error.h"

namespace fitformer::kernels {

HWY_EXPORT(MaxAbs);
HWY_EXPORT(QuantizeI8);
HWY_EXPORT(QuantizeI16);

QuantizedActivations quantize_activations(std::span<const float> x) {
  QuantizedActivations q;
  q.scale = format::symmetric_scale(HWY_DYNAMIC_DISPATCH(MaxAbs)(x.data(), x.size()), 127);
  q.values.resize(x.size());
  HWY_DYNAMIC_DISPATCH(QuantizeI8)(x.data(), x.size(), q.scale, q.values.data());
  return q;
}

float activation_scale(std::span<const float> x, format::ValueType type) {
  return format::symmetric_scale(HWY_DYNAMIC_DISPATCH(MaxAbs)(x.data(), x.size()),
                                 fixed_qmax(type));
}

void quantize_activations(std::span<const float> x, float scale, format::ValueType type,
                          std::span<int16_t> q) {
  const int32_t qmax = fixed_qmax(type);
  if (q.size() != x.size()) {
    throw Error("", "q", fmt::format("{} values", x.size()), fmt::format("{}", q.size()));
  }
  HWY_DYNAMIC_DISPATCH(QuantizeI16)(x.data(), x.size(), scale, qmax, q.data());
}

}  // namespace fitformer::kernels
#endif  // HWY_ONCE
