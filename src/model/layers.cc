// Layer norm, activations and attention for the dense engine, parallel over rows (or over
// sequence x head for attention) with OpenMP, the runtime oneDNN's GEMMs also use.
#include "model/layers.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <stdexcept>

#include "core/error.h"
#include "model/sgemm.h"
#include "model/vector_math.h"

namespace fitformer::model {
namespace {

// One row of attention probabilities in place: softmax over the first n scores, zero after.
void softmax_prefix(float* row, int64_t n, int64_t width) {
  softmax_in_place(std::span<float>(row, static_cast<size_t>(n)));
  std::fill(row + n, row + width, 0.0f);
}

// Below this many elements an elementwise loop costs less than waking the OpenMP team
// (a few microseconds, far more when the cores are shared), so it runs on the caller.
constexpr int64_t kParallelElements = int64_t{1} << 15;

}  // namespace

void apply_layer_norm(const LayerNorm& norm, std::span<float> x, int64_t rows) {
  const auto width = static_cast<int64_t>(norm.weight.size());
  assert(static_cast<int64_t>(x.size()) >= rows * width);
#pragma omp parallel for schedule(static) if (rows * width >= kParallelElements)
  for (int64_t r = 0; r < rows; ++r) {
    layer_norm_in_place(x.subspan(static_cast<size_t>(r * width), static_cast<size_t>(width)),
                        norm.weight, norm.bias, static_cast<float>(norm.eps));
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
    // Chunks of the vectorized GELU, so that large activations still split across threads.
    constexpr int64_t kChunk = 4096;
    const int64_t chunks = (n + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static) if (n >= kParallelElements)
    for (int64_t c = 0; c < chunks; ++c) {
      const int64_t begin = c * kChunk;
      gelu_in_place(
          x.subspan(static_cast<size_t>(begin), static_cast<size_t>(std::min(kChunk, n - begin))));
    }
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
            row_stride, 0.0f, scores.data(), len);
      for (int64_t s = 0; s < len; ++s) softmax_prefix(&scores[s * len], causal ? s + 1 : len, len);
      sgemm('N', 'N', len, dh, len, 1.0f, scores.data(), len, v.data() + first, row_stride, 0.0f, o,
            width);
      for (int64_t s = len; s < seq; ++s) std::fill(o + s * width, o + s * width + dh, 0.0f);
    }
  }
}

}  // namespace fitformer::model
