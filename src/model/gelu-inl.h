// The vectorized GELU of vector_math.h as a Highway template, included per target by every
// translation unit that applies it: model/vector_math.cc (the engine's pass over an
// activation) and kernels/spmm_tile_simd.cc (the sparse runtime's FFN-up tile, GELU applied
// while the tile is in cache). One definition, so both give the same bits.
//
// gelu(x) = x * Phi(x), Phi from erfc(u) = t exp(-u^2 + P(s)), t = 1 / (1 + u / 2),
// u = |x| / sqrt 2, s = (2t - 7/6) / (5/6), P of degree 8 fitted at Chebyshev nodes by
// `scripts/fit_gelu.py 8` (Phi within 6.7e-8 in double arithmetic). t comes from the
// hardware's reciprocal estimate refined by one Newton step (relative error ~2^-23 from
// AVX-512's 14-bit estimate, ~2^-22 from AVX2/SSE's 12-bit one) instead of a division, whose
// throughput bounded the old form.
// Per-target include guard (Highway's -inl.h convention): toggled by foreach_target.h.
#if defined(FITFORMER_MODEL_GELU_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef FITFORMER_MODEL_GELU_INL_H_
#undef FITFORMER_MODEL_GELU_INL_H_
#else
#define FITFORMER_MODEL_GELU_INL_H_
#endif

#include <hwy/highway.h>
// The math header must follow highway.h.
#include <hwy/contrib/math/math-inl.h>

HWY_BEFORE_NAMESPACE();
namespace fitformer::model::HWY_NAMESPACE {

// P(s), lowest power first.
constexpr float kErfcPoly[] = {-5.585953511e-01f, 5.703051426e-01f,  1.574583192e-02f,
                               -2.944436511e-02f, -1.056145020e-03f, 3.614385611e-03f,
                               -2.374718216e-04f, -4.105901963e-04f, 7.844273235e-05f};

template <class D, class V = hwy::HWY_NAMESPACE::Vec<D>>
HWY_INLINE V Gelu(D d, V x) {
  namespace hn = hwy::HWY_NAMESPACE;
  // u is capped where exp(-u^2) is 0 in float (Exp gives 0 below -104), so that infinities
  // give 1 or 0 for Phi (and gelu(-inf) = -inf * 0 = NaN, as torch) and den stays finite.
  const V u = hn::Min(hn::Mul(hn::Abs(x), hn::Set(d, 0.70710678118654752f)), hn::Set(d, 10.5f));
  const V den = hn::MulAdd(u, hn::Set(d, 0.5f), hn::Set(d, 1.0f));  // >= 1: no special cases
  const V r = hn::ApproximateReciprocal(den);
  const V t = hn::Mul(r, hn::NegMulAdd(den, r, hn::Set(d, 2.0f)));  // Newton: r (2 - den r)
  const V s = hn::MulAdd(t, hn::Set(d, 2.4f), hn::Set(d, -1.4f));
  constexpr size_t kTerms = sizeof(kErfcPoly) / sizeof(kErfcPoly[0]);
  V p = hn::Set(d, kErfcPoly[kTerms - 1]);
  for (size_t k = kTerms - 1; k-- > 0;) p = hn::MulAdd(p, s, hn::Set(d, kErfcPoly[k]));
  const V half_erfc =
      hn::Mul(hn::Mul(t, hn::Set(d, 0.5f)), hn::Exp(d, hn::NegMulAdd(u, u, p)));  // Phi(-|x|)
  const V phi =
      hn::IfThenElse(hn::Lt(x, hn::Zero(d)), half_erfc, hn::Sub(hn::Set(d, 1.0f), half_erfc));
  return hn::Mul(x, phi);
}

}  // namespace fitformer::model::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // FITFORMER_MODEL_GELU_INL_H_
