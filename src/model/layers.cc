// Layer norm, activations and attention for the dense engine, parallel over rows (or over
// sequence x head for attention) with OpenMP, the runtime oneDNN's GEMMs also use.
#include "model/layers.h"

#include <dnnl.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <stdexcept>

#include "core/error.h"

namespace fitformer::model {
namespace {

void sgemm(char transa, char transb, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
           int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc) {
  const dnnl_status_t status =
      dnnl_sgemm(transa, transb, m, n, k, alpha, a, lda, b, ldb, 0.0f, c, ldc);
  if (status != dnnl_success) {
    throw std::logic_error("dnnl_sgemm failed with status " + std::to_string(status));
  }
}

// One row of attention probabilities in place: softmax over the first n scores, zero after.
void softmax_prefix(float* row, int64_t n, int64_t width) {
  const float max = *std::max_element(row, row + n);
  float sum = 0.0f;
  for (int64_t t = 0; t < n; ++t) {
    row[t] = std::exp(row[t] - max);
    sum += row[t];
  }
  const float inv = 1.0f / sum;
  for (int64_t t = 0; t < n; ++t) row[t] *= inv;
  std::fill(row + n, row + width, 0.0f);
}

// Below this many elements an elementwise loop costs less than waking the OpenMP team
// (a few microseconds, far more when the cores are shared), so it runs on the caller.
constexpr int64_t kParallelElements = int64_t{1} << 15;

}  // namespace

void apply_layer_norm(const LayerNorm& norm, std::span<float> x, int64_t rows) {
  const auto width = static_cast<int64_t>(norm.weight.size());
  assert(static_cast<int64_t>(x.size()) >= rows * width);
  const float* gamma = norm.weight.data();
  const float* beta = norm.bias.data();
#pragma omp parallel for schedule(static) if (rows * width >= kParallelElements)
  for (int64_t r = 0; r < rows; ++r) {
    float* row = x.data() + r * width;
    // Two passes in double: the mean first, then the variance around it, so a row with a large
    // offset does not lose its variance to cancellation.
    double mean = 0.0;
    for (int64_t i = 0; i < width; ++i) mean += row[i];
    mean /= static_cast<double>(width);
    double var = 0.0;
    for (int64_t i = 0; i < width; ++i) var += (row[i] - mean) * (row[i] - mean);
    var /= static_cast<double>(width);
    const auto inv_std = static_cast<float>(1.0 / std::sqrt(var + norm.eps));
    const auto mean_f = static_cast<float>(mean);
    for (int64_t i = 0; i < width; ++i) row[i] = (row[i] - mean_f) * inv_std * gamma[i] + beta[i];
  }
}

Activation parse_activation(const std::string& name) {
  if (name == "gelu") return Activation::kGelu;
  if (name == "relu") return Activation::kRelu;
  throw Error("", "hidden_act", "one of gelu, relu", name);
}

void apply_activation(Activation activation, std::span<float> x) {
  const auto n = static_cast<int64_t>(x.size());
  float* p = x.data();
  if (activation == Activation::kRelu) {
#pragma omp parallel for schedule(static) if (n >= kParallelElements)
    for (int64_t i = 0; i < n; ++i) p[i] = std::max(p[i], 0.0f);
  } else {
    // gelu(x) = x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)) (Hendrycks & Gimpel 2016).
    constexpr float kInvSqrt2 = 0.70710678118654752f;
#pragma omp parallel for schedule(static) if (n >= kParallelElements / 8)  // erf is ~8x a max
    for (int64_t i = 0; i < n; ++i) p[i] = 0.5f * p[i] * (1.0f + std::erf(p[i] * kInvSqrt2));
  }
}

void add_residual(std::span<float> x, std::span<const float> residual) {
  assert(x.size() == residual.size());
  const auto n = static_cast<int64_t>(x.size());
  float* p = x.data();
  const float* q = residual.data();
#pragma omp parallel for schedule(static) if (n >= kParallelElements)
  for (int64_t i = 0; i < n; ++i) p[i] += q[i];
}

void apply_tanh(std::span<float> x) {
  for (float& v : x) v = std::tanh(v);
}

void multi_head_attention(std::span<const float> q, std::span<const float> k,
                          std::span<const float> v, int64_t row_stride, AttentionShape shape,
                          std::span<const int64_t> lengths, bool causal, std::span<float> out) {
  const int64_t seq = shape.seq, dh = shape.head_dim, width = shape.heads * shape.head_dim;
  assert(static_cast<int64_t>(lengths.size()) == shape.batch);
  assert(static_cast<int64_t>(out.size()) >= shape.batch * seq * width);
  const int64_t last = (shape.batch * seq - 1) * row_stride + width;
  assert(static_cast<int64_t>(q.size()) >= last && static_cast<int64_t>(k.size()) >= last &&
         static_cast<int64_t>(v.size()) >= last);
  (void)last;
  const float scale = 1.0f / std::sqrt(static_cast<float>(dh));
  const int64_t tasks = shape.batch * shape.heads;

#pragma omp parallel
  {
    // Each thread's scores for one (sequence, head): only the valid lengths x lengths corner
    // is computed, since padded keys get zero weight and padded queries are don't-care.
    std::vector<float> scores(static_cast<size_t>(seq * seq));
#pragma omp for schedule(dynamic)
    for (int64_t task = 0; task < tasks; ++task) {
      const int64_t b = task / shape.heads, h = task % shape.heads;
      const int64_t len = lengths[static_cast<size_t>(b)];
      const int64_t first = b * seq * row_stride + h * dh;
      float* o = out.data() + b * seq * width + h * dh;
      // oneDNN runs a GEMM called inside a parallel region on the calling thread alone.
      sgemm('N', 'T', len, len, dh, scale, q.data() + first, row_stride, k.data() + first,
            row_stride, scores.data(), len);
      for (int64_t s = 0; s < len; ++s) softmax_prefix(&scores[s * len], causal ? s + 1 : len, len);
      sgemm('N', 'N', len, dh, len, 1.0f, scores.data(), len, v.data() + first, row_stride, o,
            width);
      for (int64_t s = len; s < seq; ++s) std::fill(o + s * width, o + s * width + dh, 0.0f);
    }
  }
}

}  // namespace fitformer::model
