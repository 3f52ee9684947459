// Layer norm over the features of each token on the sparse runtime's feature-major
// activations (spmm.h's layout: x[f * n + t] holds feature f of token t), where one token is a
// column: its mean and variance are sums down the column, so a vector of tokens is normalized
// with lane-wise arithmetic and no horizontal sums. The residual add before it is folded into
// the producing kernel (SpmmEpilogue::residual), so this is the whole add-and-norm step.
#pragma once

#include <cstdint>
#include <span>

namespace fitformer::kernels {

// x[f][t] = (x[f][t] - mean_t) / sqrt(var_t + eps) * gamma[f] + beta[f] in place for tokens
// t < n, over width = gamma.size() features, biased variance (torch.nn.LayerNorm), mean
// removed before squaring. When max_abs is set, max_abs[thread] = max |result| over that
// thread's tokens (SpmmEpilogue's convention). Error naming the argument unless x holds
// width x n values, beta.size() == width >= 1, n >= 1, threads >= 1.
void layer_norm_columns_f32(std::span<float> x, int64_t n, std::span<const float> gamma,
                            std::span<const float> beta, float eps, float* max_abs,
                            int threads = 1);
void layer_norm_columns_f32_reference(std::span<float> x, int64_t n, std::span<const float> gamma,
                                      std::span<const float> beta, float eps, float* max_abs,
                                      int threads = 1);
// All n tokens of x (width x n) normalized into out (width x n, may be x; otherwise must not
// overlap it) on the calling thread, x left unchanged when out is elsewhere; *max_abs =
// max |out| when set. Bit for bit the values the in-place forms write: for a team in which
// every thread keeps its own normalized copy (no barrier after the norm).
void layer_norm_columns_f32_into(const float* x, float* out, int64_t width, int64_t n,
                                 const float* gamma, const float* beta, float eps, float* max_abs);

}  // namespace fitformer::kernels
