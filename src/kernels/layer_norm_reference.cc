// The naive twin of layer_norm_columns_f32: each token's mean and variance in double, one
// thread.
#include <fmt/format.h>

#include <cmath>

#include "core/error.h"
#include "kernels/layer_norm.h"

namespace fitformer::kernels {

void layer_norm_columns_f32_reference(std::span<float> x, int64_t n, std::span<const float> gamma,
                                      std::span<const float> beta, float eps, float* max_abs,
                                      int threads) {
  const auto width = static_cast<int64_t>(gamma.size());
  if (width < 1 || beta.size() != gamma.size() || n < 1 ||
      x.size() != static_cast<size_t>(width * n)) {
    throw Error("", "x, gamma, beta", "width x n values, width = gamma = beta >= 1",
                fmt::format("{}, {}, {}", x.size(), gamma.size(), beta.size()));
  }
  double max = 0.0;
  for (int64_t t = 0; t < n; ++t) {
    double sum = 0.0, squares = 0.0;
    for (int64_t f = 0; f < width; ++f) sum += x[static_cast<size_t>(f * n + t)];
    const double mean = sum / static_cast<double>(width);
    for (int64_t f = 0; f < width; ++f) {
      const double c = x[static_cast<size_t>(f * n + t)] - mean;
      squares += c * c;
    }
    const double inv_std = 1.0 / std::sqrt(squares / static_cast<double>(width) + eps);
    for (int64_t f = 0; f < width; ++f) {
      float& v = x[static_cast<size_t>(f * n + t)];
      v = static_cast<float>((v - mean) * inv_std * gamma[static_cast<size_t>(f)] +
                             beta[static_cast<size_t>(f)]);
      max = std::max(max, std::fabs(static_cast<double>(v)));
    }
  }
  if (max_abs != nullptr) {
    for (int t = 0; t < threads; ++t) max_abs[t] = t == 0 ? static_cast<float>(max) : 0.0f;
  }
}

}  // namespace fitformer::kernels
