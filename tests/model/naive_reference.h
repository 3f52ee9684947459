// Deliberately naive forward passes for the engine tests: plain loops over one unpadded
// sequence at a time, double accumulation, weights read straight from the named tensors
// (not through the engine's loader), so a mistake in either the engine or its loading fails.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "io/model_config.h"
#include "model/weights.h"

namespace fitformer::model::naive {

using Rows = std::vector<double>;  // [rows, width] row-major

inline const Tensor& get(const NamedTensors& w, const std::string& name) {
  return w.at(name);
}

// y[r, o] = sum_i x[r, i] * W[o, i] + b[o]
inline Rows linear(const Rows& x, const NamedTensors& w, const std::string& prefix) {
  const Tensor& weight = get(w, prefix + "weight");
  const Tensor& bias = get(w, prefix + "bias");
  const int64_t out = weight.shape[0], in = weight.shape[1];
  const int64_t rows = static_cast<int64_t>(x.size()) / in;
  Rows y(static_cast<size_t>(rows * out));
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t o = 0; o < out; ++o) {
      double acc = bias.data[o];
      for (int64_t i = 0; i < in; ++i) acc += x[r * in + i] * weight.data[o * in + i];
      y[r * out + o] = acc;
    }
  }
  return y;
}

inline void layer_norm(Rows& x, const NamedTensors& w, const std::string& prefix, double eps) {
  const Tensor& gamma = get(w, prefix + "weight");
  const Tensor& beta = get(w, prefix + "bias");
  const int64_t d = gamma.shape[0], rows = static_cast<int64_t>(x.size()) / d;
  for (int64_t r = 0; r < rows; ++r) {
    double mean = 0, var = 0;
    for (int64_t i = 0; i < d; ++i) mean += x[r * d + i] / d;
    for (int64_t i = 0; i < d; ++i) var += (x[r * d + i] - mean) * (x[r * d + i] - mean) / d;
    for (int64_t i = 0; i < d; ++i) {
      x[r * d + i] = (x[r * d + i] - mean) / std::sqrt(var + eps) * gamma.data[i] + beta.data[i];
    }
  }
}

inline void activate(Rows& x, const std::string& act) {
  for (double& v : x)
    v = act == "relu" ? (v > 0 ? v : 0) : 0.5 * v * (1 + std::erf(v / std::sqrt(2.0)));
}

inline void add(Rows& x, const Rows& y) {
  for (size_t i = 0; i < x.size(); ++i) x[i] += y[i];
}

// Softmax attention of one sequence of n tokens; q, k, v are [n, d] with heads side by side.
inline Rows attention(const Rows& q, const Rows& k, const Rows& v, int64_t n, int64_t heads,
                      bool causal) {
  const int64_t d = static_cast<int64_t>(q.size()) / n, dh = d / heads;
  Rows out(q.size(), 0.0);
  for (int64_t h = 0; h < heads; ++h) {
    for (int64_t s = 0; s < n; ++s) {
      const int64_t keys = causal ? s + 1 : n;
      std::vector<double> p(static_cast<size_t>(keys));
      double max = -INFINITY, sum = 0;
      for (int64_t t = 0; t < keys; ++t) {
        double dot = 0;
        for (int64_t i = 0; i < dh; ++i) dot += q[s * d + h * dh + i] * k[t * d + h * dh + i];
        p[t] = dot / std::sqrt(static_cast<double>(dh));
        max = std::max(max, p[t]);
      }
      for (double& x : p) sum += (x = std::exp(x - max));
      for (int64_t t = 0; t < keys; ++t) {
        for (int64_t i = 0; i < dh; ++i)
          out[s * d + h * dh + i] += p[t] / sum * v[t * d + h * dh + i];
      }
    }
  }
  return out;
}

// Logits [n, vocab] of one sequence under the causal LM.
inline Rows causal_lm(const io::ModelConfig& c, const NamedTensors& w,
                      const std::vector<int32_t>& tokens) {
  const int64_t n = static_cast<int64_t>(tokens.size()), d = c.hidden_size;
  Rows x(static_cast<size_t>(n * d));
  const Tensor& emb = get(w, "encoder.weight");
  for (int64_t s = 0; s < n; ++s) {
    for (int64_t i = 0; i < d; ++i) {
      const double angle = s / std::pow(10000.0, static_cast<double>(i - i % 2) / d);
      const double pe = i % 2 == 0 ? std::sin(angle) : std::cos(angle);
      x[s * d + i] = emb.data[tokens[s] * d + i] * std::sqrt(static_cast<double>(d)) + pe;
    }
  }
  for (int l = 0; l < c.num_hidden_layers; ++l) {
    const std::string p = "transformer_encoder.layers." + std::to_string(l) + ".";
    // Split the fused in_proj into q, k, v the way nn.MultiheadAttention does: rows in order.
    NamedTensors split;
    const Tensor& win = get(w, p + "self_attn.in_proj_weight");
    const Tensor& bin = get(w, p + "self_attn.in_proj_bias");
    for (int part = 0; part < 3; ++part) {
      Tensor wp{{d, d}, {win.data.begin() + part * d * d, win.data.begin() + (part + 1) * d * d}};
      Tensor bp{{d}, {bin.data.begin() + part * d, bin.data.begin() + (part + 1) * d}};
      split["p" + std::to_string(part) + ".weight"] = wp;
      split["p" + std::to_string(part) + ".bias"] = bp;
    }
    const Rows q = linear(x, split, "p0."), k = linear(x, split, "p1."),
               v = linear(x, split, "p2.");
    Rows a =
        linear(attention(q, k, v, n, c.num_attention_heads, true), w, p + "self_attn.out_proj.");
    add(x, a);
    layer_norm(x, w, p + "norm1.", c.layer_norm_eps);
    Rows h = linear(x, w, p + "linear1.");
    activate(h, c.hidden_act);
    add(x, linear(h, w, p + "linear2."));
    layer_norm(x, w, p + "norm2.", c.layer_norm_eps);
  }
  return linear(x, w, "decoder.");
}

// Logits [num_labels] of one sequence under the BERT classifier.
inline Rows bert_classifier(const io::ModelConfig& c, const NamedTensors& w,
                            const std::vector<int32_t>& tokens, const std::vector<int32_t>& types) {
  const int64_t n = static_cast<int64_t>(tokens.size()), d = c.hidden_size;
  Rows x(static_cast<size_t>(n * d));
  for (int64_t s = 0; s < n; ++s) {
    for (int64_t i = 0; i < d; ++i) {
      x[s * d + i] = static_cast<double>(
                         get(w, "bert.embeddings.word_embeddings.weight").data[tokens[s] * d + i]) +
                     get(w, "bert.embeddings.position_embeddings.weight").data[s * d + i] +
                     get(w, "bert.embeddings.token_type_embeddings.weight").data[types[s] * d + i];
    }
  }
  layer_norm(x, w, "bert.embeddings.LayerNorm.", c.layer_norm_eps);
  for (int l = 0; l < c.num_hidden_layers; ++l) {
    const std::string p = "bert.encoder.layer." + std::to_string(l) + ".";
    const Rows q = linear(x, w, p + "attention.self.query.");
    const Rows k = linear(x, w, p + "attention.self.key.");
    const Rows v = linear(x, w, p + "attention.self.value.");
    Rows a = linear(attention(q, k, v, n, c.num_attention_heads, false), w,
                    p + "attention.output.dense.");
    add(a, x);
    layer_norm(a, w, p + "attention.output.LayerNorm.", c.layer_norm_eps);
    Rows h = linear(a, w, p + "intermediate.dense.");
    activate(h, c.hidden_act);
    x = linear(h, w, p + "output.dense.");
    add(x, a);
    layer_norm(x, w, p + "output.LayerNorm.", c.layer_norm_eps);
  }
  Rows pooled = linear(Rows(x.begin(), x.begin() + d), w, "bert.pooler.dense.");
  // BERT's pooler is tanh, DistilBERT's pre_classifier relu.
  for (double& v : pooled) v = c.pooler_hidden_act == "relu" ? std::max(v, 0.0) : std::tanh(v);
  return linear(pooled, w, "classifier.");
}

}  // namespace fitformer::model::naive
