// The engine's elementwise and per-row steps, GELU, softmax and layer norm, vectorized with Google
// Highway for every x86/ARM target and dispatched at run time. libm's erff and expf are scalar
// calls; on the TinyBERT classifier at batch 1 they, the loops around them and the layer norm
// were a quarter of the forward pass (docs/models.md).
#pragma once

#include <span>

namespace fitformer::model {

// x = gelu(x) = x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)), the exact (erf) form, in place, with
// erf from a rational function of degree 5 / 5 in z^2 fitted by scripts/fit_erf.py
// (model/gelu-inl.h); evaluated in float, the result is within 4e-7 |x| of the exact form
// (tests/model/vector_math_test.cc). NaN stays NaN; -inf gives NaN (as torch's gelu: -inf * 0).
void gelu_in_place(std::span<float> x);

// row = softmax(row) = exp(row - max) / sum, in place. The entries must be finite or -inf
// (a masked entry gets probability 0); at least one must be finite.
void softmax_in_place(std::span<float> row);

// row = (row - mean) / sqrt(var + eps) * gamma + beta over `gamma.size()` entries, biased
// variance (torch.nn.LayerNorm). Two passes in float with one partial sum per lane, so a row
// with a large common offset keeps its variance (the mean is removed before squaring).
void layer_norm_in_place(std::span<float> row, std::span<const float> gamma,
                         std::span<const float> beta, float eps);

}  // namespace fitformer::model
