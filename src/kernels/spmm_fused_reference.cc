// The naive twins of spmm_fused.h's kernels: decode W to dense, accumulate in double, then the
// epilogue by its definition (GELU through std::erfc), one thread; int8 activations through
// the scalar float rule. They share nothing with the SIMD bodies but the packers' output.
#include <fmt/format.h>

#include <cmath>

#include "core/error.h"
#include "kernels/spmm_fused.h"

namespace fitformer::kernels {
namespace {

template <typename X>
void fused_reference(const format::hpf::Matrix& w, format::ValueType type, std::span<const X> x,
                     double x_scale, int64_t n, std::span<float> y, const SpmmEpilogue& e,
                     int threads) {
  const auto& h = w.header;
  if (h.value_type != type) {
    throw Error("", "w", fmt::format("value type {}", format::value_type_name(type)),
                std::string(format::value_type_name(h.value_type)));
  }
  const int64_t rows = h.rows, cols = h.cols;
  if (n < 1 || x.size() != static_cast<size_t>(cols * n) ||
      y.size() != static_cast<size_t>(rows * n) ||
      (!e.bias.empty() && e.bias.size() != static_cast<size_t>(rows)) ||
      (!e.residual.empty() && e.residual.size() != y.size())) {
    throw Error(
        "", "x, y, bias, residual",
        fmt::format("{}, {}, 0 or {}, 0 or {} values", cols * n, rows * n, rows, rows * n),
        fmt::format("{}, {}, {}, {}", x.size(), y.size(), e.bias.size(), e.residual.size()));
  }
  const std::vector<float> dense = format::hpf_to_dense(w);
  double max = 0.0;
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < n; ++c) {
      double sum = 0.0;
      for (int64_t k = 0; k < cols; ++k) {
        sum += static_cast<double>(dense[static_cast<size_t>(r * cols + k)]) *
               (static_cast<double>(x[static_cast<size_t>(k * n + c)]) * x_scale);
      }
      const size_t at = static_cast<size_t>(r * n + c);
      if (!e.bias.empty()) sum += e.bias[static_cast<size_t>(r)];
      if (!e.residual.empty()) sum += e.residual[at];
      if (e.activation == EpilogueActivation::kGelu)
        sum = sum * 0.5 * std::erfc(-sum / std::sqrt(2.0));
      if (e.activation == EpilogueActivation::kRelu) sum = std::max(sum, 0.0);
      y[at] = static_cast<float>(sum);
      max = std::max(max, std::fabs(static_cast<double>(y[at])));
    }
  }
  if (e.max_abs != nullptr) {
    for (int t = 0; t < threads; ++t) e.max_abs[t] = t == 0 ? static_cast<float>(max) : 0.0f;
  }
}

}  // namespace

void spmm_hpf_f32_fused_reference(const format::hpf::Matrix& w, std::span<const float> x, int64_t n,
                                  std::span<float> y, const SpmmEpilogue& epilogue, int threads) {
  fused_reference(w, format::ValueType::kF32, x, 1.0, n, y, epilogue, threads);
}

void spmm_hpf_i8_fused_reference(const format::hpf::Matrix& w, std::span<const float> x,
                                 float x_max_abs, int64_t n, std::span<float> y,
                                 const SpmmEpilogue& epilogue, int threads) {
  const QuantizedFloatRule q = quantize_activations_float(x, x_max_abs);
  fused_reference(w, format::ValueType::kI8, std::span<const int8_t>(q.values), q.scale, n, y,
                  epilogue, threads);
}

}  // namespace fitformer::kernels
