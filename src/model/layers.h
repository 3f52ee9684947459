// The engine's non-GEMM layers: layer norm, activations, residual adds and attention, each
// over dense row-major [rows, width] fp32 buffers.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace fitformer::model {

struct LayerNorm {
  std::vector<float> weight;  // [width] (gamma)
  std::vector<float> bias;    // [width] (beta)
  double eps = 1e-5;
};

// x[r, :] = (x[r, :] - mean) / sqrt(var + eps) * weight + bias, in place, biased variance
// (as torch.nn.LayerNorm). x is [rows, weight.size()].
void apply_layer_norm(const LayerNorm& norm, std::span<float> x, int64_t rows);

enum class Activation { kGelu, kRelu };

// "gelu" -> kGelu (the exact erf form, HuggingFace's "gelu" and torch's default), "relu" ->
// kRelu; throws Error naming the field for anything else.
Activation parse_activation(const std::string& name);

// In place over all of x.
void apply_activation(Activation activation, std::span<float> x);

// x += residual, elementwise; the two spans have equal size.
void add_residual(std::span<float> x, std::span<const float> residual);

// x = tanh(x), in place (BERT's pooler).
void apply_tanh(std::span<float> x);

struct AttentionShape {
  int64_t batch = 0;
  int64_t seq = 0;
  int64_t heads = 0;
  int64_t head_dim = 0;
};

// Scaled dot-product attention over heads, softmax(q k^T / sqrt(head_dim)) v, per sequence.
// q, k and v hold [batch * seq] rows of `row_stride` floats; head h reads columns
// [h * head_dim, (h+1) * head_dim) of each, so one fused QKV buffer (three subspans, stride
// 3d) and three separate buffers (stride d) both work. Key positions >= lengths[b] take no
// weight (what an additive mask of -inf or float's lowest does), and with `causal` neither do
// keys after the query. out is [batch * seq, heads * head_dim]; rows of padded positions
// (s >= lengths[b]) are set to zero.
void multi_head_attention(std::span<const float> q, std::span<const float> k,
                          std::span<const float> v, int64_t row_stride, AttentionShape shape,
                          std::span<const int64_t> lengths, bool causal, std::span<float> out);

}  // namespace fitformer::model
