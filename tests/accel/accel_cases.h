// Shared builders for the accel tests: random weights pruned and packed by the real
// sparsity/ and format/ code (never a test-side packer), and random quantized activations.
#pragma once

#include <cstdint>
#include <vector>

#include "accel/accel_spec.h"
#include "accel/stream_matrix.h"
#include "core/random.h"
#include "format/hpf.h"
#include "io/model_config.h"
#include "sparsity/hierarchical.h"
#include "sparsity/patterns.h"

namespace fitformer::accel::testing {

// The task models' shapes, 2 layers: a causal LM of width d (FFN 4d, 4 heads) and TinyBERT
// (312 / 1200, 12 heads).
inline io::ModelConfig causal_lm_config(int d, int vocab) {
  io::ModelConfig c = io::default_model_config(io::ModelFamily::kCausalLm);
  c.hidden_size = d;
  c.intermediate_size = 4 * d;
  c.num_attention_heads = 4;
  c.num_hidden_layers = 2;
  c.vocab_size = vocab;
  return c;
}

inline io::ModelConfig tinybert_config() {
  io::ModelConfig c = io::default_model_config(io::ModelFamily::kBertClassifier);
  c.hidden_size = 312;
  c.intermediate_size = 1200;
  c.num_attention_heads = 12;
  c.num_hidden_layers = 2;
  c.vocab_size = 30522;
  return c;
}

inline std::vector<float> random_weights(int64_t rows, int64_t cols, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> w(static_cast<size_t>(rows * cols));
  for (float& v : w) v = static_cast<float>(rng.uniform() * 2.0 - 1.0);
  return w;
}

// Activations spread over the whole range, with the extremes present.
inline std::vector<int16_t> random_activations(int64_t tokens, int64_t cols, Precision p,
                                               uint64_t seed) {
  Rng rng(seed);
  const int32_t q = precision_qmax(p);
  std::vector<int16_t> x(static_cast<size_t>(tokens * cols));
  for (int16_t& v : x) v = static_cast<int16_t>(static_cast<int64_t>(rng.below(2 * q + 1)) - q);
  if (x.size() > 2) x[0] = static_cast<int16_t>(q), x[1] = static_cast<int16_t>(-q);
  return x;
}

inline std::vector<int64_t> random_bias(int64_t rows, uint64_t seed) {
  Rng rng(seed);
  std::vector<int64_t> b(static_cast<size_t>(rows));
  for (int64_t& v : b) v = static_cast<int64_t>(rng.below(200001)) - 100000;
  return b;
}

// hp_mask + pack_hpf at the precision's value type, per-row scales.
inline format::hpf::Matrix random_hpf(int64_t rows, int64_t cols, const sparsity::HpParams& hp,
                                      Precision p, uint64_t seed) {
  const auto w = random_weights(rows, cols, seed);
  const auto mask = sparsity::hp_mask(sparsity::magnitude_scores(w), rows, cols, hp);
  return format::pack_hpf(w, rows, cols, mask, hp, precision_value_type(p),
                          format::ScaleMode::kPerRow);
}

inline StreamMatrix random_stream(int64_t rows, int64_t cols, const sparsity::PatternParams& pat,
                                  int64_t block_cols, int64_t banks, Precision p, StreamOrder order,
                                  uint64_t seed) {
  const auto w = random_weights(rows, cols, seed);
  const auto mask = sparsity::make_mask(sparsity::magnitude_scores(w), rows, cols, pat);
  return pack_stream(w, rows, cols, mask, block_cols, banks, p, format::ScaleMode::kPerRow, order);
}

}  // namespace fitformer::accel::testing
