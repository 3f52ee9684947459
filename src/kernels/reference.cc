// The naive twins of spmm.h's kernels: decode W to dense, accumulate in double, one thread.
// They share nothing with the SIMD bodies but the packers' output, so a kernel bug cannot
// hide in both.
#include <fmt/format.h>

#include <cmath>

#include "core/error.h"
#include "kernels/spmm.h"

namespace fitformer::kernels {
namespace {

template <typename X>
void dense_reference(std::span<const float> w, int64_t rows, int64_t cols, std::span<const X> x,
                     double x_scale, int64_t n, std::span<float> y) {
  if (n < 1 || x.size() != static_cast<size_t>(cols * n) ||
      y.size() != static_cast<size_t>(rows * n)) {
    throw Error("", "x, y", fmt::format("{} and {} values", cols * n, rows * n),
                fmt::format("{} and {}", x.size(), y.size()));
  }
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < n; ++c) {
      double sum = 0.0;
      for (int64_t k = 0; k < cols; ++k) {
        sum += static_cast<double>(w[static_cast<size_t>(r * cols + k)]) *
               (static_cast<double>(x[static_cast<size_t>(k * n + c)]) * x_scale);
      }
      y[static_cast<size_t>(r * n + c)] = static_cast<float>(sum);
    }
  }
}

void require_type(const format::hpf::Matrix& w, format::ValueType type) {
  if (w.header.value_type != type) {
    throw Error("", "w", fmt::format("value type {}", format::value_type_name(type)),
                std::string(format::value_type_name(w.header.value_type)));
  }
}

}  // namespace

void spmm_hpf_f32_reference(const format::hpf::Matrix& w, std::span<const float> x, int64_t n,
                            std::span<float> y, int) {
  require_type(w, format::ValueType::kF32);
  dense_reference(std::span<const float>(format::hpf_to_dense(w)), w.header.rows, w.header.cols, x,
                  1.0, n, y);
}

void spmv_hpf_f32_reference(const format::hpf::Matrix& w, std::span<const float> x,
                            std::span<float> y, int threads) {
  spmm_hpf_f32_reference(w, x, 1, y, threads);
}

void spmm_hpf_i8_reference(const format::hpf::Matrix& w, std::span<const int8_t> x, float x_scale,
                           int64_t n, std::span<float> y, int) {
  require_type(w, format::ValueType::kI8);
  dense_reference(std::span<const float>(format::hpf_to_dense(w)), w.header.rows, w.header.cols, x,
                  x_scale, n, y);
}

void spmv_hpf_i8_reference(const format::hpf::Matrix& w, std::span<const int8_t> x, float x_scale,
                           std::span<float> y, int threads) {
  spmm_hpf_i8_reference(w, x, x_scale, 1, y, threads);
}

void spmm_csr_f32_reference(const format::CsrMatrix& w, std::span<const float> x, int64_t n,
                            std::span<float> y, int) {
  dense_reference(std::span<const float>(format::to_dense(w)), w.rows, w.cols, x, 1.0, n, y);
}

void gemm_dense_f32_reference(const format::DenseMatrix& w, std::span<const float> x, int64_t n,
                              std::span<float> y, int) {
  dense_reference(std::span<const float>(w.vals), w.rows, w.cols, x, 1.0, n, y);
}

QuantizedActivations quantize_activations_reference(std::span<const float> x) {
  float max_abs = 0.0f;
  for (float v : x) max_abs = std::max(max_abs, std::fabs(v));
  QuantizedActivations q;
  q.scale = format::symmetric_scale(max_abs, 127);
  q.values.resize(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    q.values[i] = static_cast<int8_t>(format::quantize_symmetric(x[i], q.scale, 127));
  }
  return q;
}

}  // namespace fitformer::kernels
