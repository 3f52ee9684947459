// quantize_activations (spmm.h) as a Highway body for every target: the max |x| in float
// vectors, then each value divided by the scale in double and rounded half away from zero,
// exactly as format::quantize_symmetric does one value at a time (the scalar loop, a double
// division and lround per value, cost more than the 90 %-sparse SpMM it feeds; docs/kernels.md).
#include <algorithm>
#include <cmath>
#include <cstddef>

#include "format/value_type.h"
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

// q[i] = clamp(round_half_away(x[i] / scale), -127, 127), the division in double.
void QuantizeI8(const float* HWY_RESTRICT x, size_t n, float scale, int8_t* HWY_RESTRICT q) {
  const hn::ScalableTag<double> dd;
  const hn::Rebind<float, decltype(dd)> df;
  const hn::Rebind<int32_t, decltype(dd)> di32;
  const hn::Rebind<int8_t, decltype(dd)> di8;
  const size_t lanes = hn::Lanes(dd);
  const auto s = hn::Set(dd, static_cast<double>(scale));
  const auto half = hn::Set(dd, 0.5), one = hn::Set(dd, 1.0);
  const auto qmax = hn::Set(dd, 127.0), qmin = hn::Set(dd, -127.0);
  size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    const auto v = hn::Div(hn::PromoteTo(dd, hn::LoadU(df, x + i)), s);
    // Round() breaks ties to even; a tie (exact .5 fraction, found exactly) goes away from 0.
    const auto whole = hn::Trunc(v);
    const auto tie = hn::Eq(hn::Abs(hn::Sub(v, whole)), half);
    auto r = hn::IfThenElse(tie, hn::Add(whole, hn::CopySign(one, v)), hn::Round(v));
    r = hn::Min(hn::Max(r, qmin), qmax);
    hn::StoreU(hn::DemoteTo(di8, hn::DemoteTo(di32, r)), di8, q + i);
  }
  for (; i < n; ++i) q[i] = static_cast<int8_t>(format::quantize_symmetric(x[i], scale, 127));
}

}  // namespace fitformer::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace fitformer::kernels {

HWY_EXPORT(MaxAbs);
HWY_EXPORT(QuantizeI8);

QuantizedActivations quantize_activations(std::span<const float> x) {
  QuantizedActivations q;
  q.scale = format::symmetric_scale(HWY_DYNAMIC_DISPATCH(MaxAbs)(x.data(), x.size()), 127);
  q.values.resize(x.size());
  HWY_DYNAMIC_DISPATCH(QuantizeI8)(x.data(), x.size(), q.scale, q.values.data());
  return q;
}

}  // namespace fitformer::kernels
#endif  // HWY_ONCE
