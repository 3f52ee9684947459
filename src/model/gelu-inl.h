// The vectorized GELU of vector_math.h as a Highway template, included per target by every
// translation unit that applies it: model/vector_math.cc (the engine's pass over an
// activation) and kernels/spmm_tile_simd.cc (the sparse runtime's FFN-up tile, GELU applied
// while the tile is in cache). One definition, so both give the same bits.
//
// gelu(x) = x * Phi(x), Phi(x) = (1 + erf(z)) / 2, z = x / sqrt 2, with erf(z) = z P(t) / Q(t),
// t = z^2 / 3.9^2 for |z| <= 3.9 (erf is 1 within 3.5e-8 beyond), P and Q of degree 5 fitted by
// scripts/fit_erf.py (weighted least squares, reweighted towards the largest errors, then the
// coefficients rounded to float one at a time with the rest refitted): |erf error| <= 3.9e-8 in
// double arithmetic, gelu within 2.1e-7 |x| simulated in float. 1 / Q is the hardware's estimate
// refined by one Newton step. About 25 vector operations against the 55 of the erfc * exp form
// it replaced (docs/kernels.md).
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

// P(t) and Q(t), lowest power first.
constexpr float kErfP[] = {1.128378987e+00f, 2.916259289e+00f, 1.224755287e+01f,
                           1.347106075e+01f, 1.537834549e+01f, 1.671157718e+00f};
constexpr float kErfQ[] = {1.000000000e+00f, 7.654444218e+00f, 2.652904510e+01f,
                           5.310521698e+01f, 6.314340210e+01f, 3.113764000e+01f};

template <class D, class V = hwy::HWY_NAMESPACE::Vec<D>>
HWY_INLINE V Gelu(D d, V x) {
  namespace hn = hwy::HWY_NAMESPACE;
  constexpr float kLimit = 3.9f;
  const V z = hn::Min(hn::Max(hn::Mul(x, hn::Set(d, 0.70710678118654752f)), hn::Set(d, -kLimit)),
                      hn::Set(d, kLimit));
  const V t = hn::Mul(hn::Mul(z, z), hn::Set(d, 1.0f / (kLimit * kLimit)));
  V p = hn::Set(d, kErfP[5]), q = hn::Set(d, kErfQ[5]);
  for (int k = 4; k >= 0; --k) {
    p = hn::MulAdd(p, t, hn::Set(d, kErfP[k]));
    q = hn::MulAdd(q, t, hn::Set(d, kErfQ[k]));
  }
  const V r0 = hn::ApproximateReciprocal(q);                        // q >= 1: no special cases
  const V r = hn::Mul(r0, hn::NegMulAdd(q, r0, hn::Set(d, 2.0f)));  // Newton: r0 (2 - q r0)
  const V erf = hn::Mul(hn::Mul(z, p), r);
  const V phi = hn::MulAdd(erf, hn::Set(d, 0.5f), hn::Set(d, 0.5f));
  // Past the clamp erf is -1 to float precision on the left: Phi = 0 exactly there, so that
  // gelu(-inf) = -inf * 0 = NaN as torch's, and NaN stays NaN through the final product.
  const auto far_left = hn::Lt(x, hn::Set(d, -kLimit * 1.41421356f));
  return hn::Mul(x, hn::IfThenZeroElse(far_left, phi));
}

}  // namespace fitformer::model::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // FITFORMER_MODEL_GELU_INL_H_
