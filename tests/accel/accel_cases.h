// Shared builders for the accel tests: random weights pruned and packed by the real
// sparsity/ and format/ code (never a test-side packer), and random quantized activations.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "accel/accel_spec.h"
#include "accel/stream_matrix.h"
#include "core/random.h"
#include "format/hpf.h"
#include "io/model_config.h"
#include "sparsity/hierarchical.h"
#include "sparsity/patterns.h"

namespace fitformer::accel::testing {

// A spec of the given geometry with 1 MiB activation and output buffers (every test layer
// fits one tile unless the mapping caps it).
inline AccelSpec spec_for(int64_t bc, int64_t banks, Precision p, int64_t lanes, int64_t pes,
                          double offchip_gbs = 10) {
  AccelSpec s;
  s.block_cols = bc;
  s.banks = banks;
  s.precision = p;
  s.token_lanes = lanes;
  s.pes = pes;
  s.offchip_gbs = offchip_gbs;
  s.act_buffer_bytes = s.out_buffer_bytes = 1 << 20;
  return s;
}

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

// One row of 64 whose eight kept weights (1..8) all sit in bank 0 of Bc 64, B 8 (columns 0..7),
// packed per matrix in `order`: the worst case for a bank.
inline StreamMatrix one_bank_segment(StreamOrder order) {
  const int64_t cols = 64;
  std::vector<float> w(cols, 0.0f);
  sparsity::Mask mask{1, cols, std::vector<uint8_t>(cols, 0)};
  for (int c = 0; c < 8; ++c) w[c] = 1.0f + c, mask.keep[c] = 1;
  return pack_stream(w, 1, cols, mask, 64, 8, Precision::kInt8, format::ScaleMode::kPerMatrix,
                     order);
}

// The non-HP patterns the stream tests run, at the small geometry Bc 16, B 4.
inline std::vector<std::pair<std::string, sparsity::PatternParams>> stream_patterns() {
  return {{"unstructured", sparsity::UnstructuredParams{0.2}},
          {"unstructured dense-ish", sparsity::UnstructuredParams{0.7}},
          {"block", sparsity::BlockWiseParams{0.3, 4, 16}},
          {"bank-balanced", sparsity::BankBalancedParams{0.5, 16, 4}},
          {"block-balanced", sparsity::BlockBalancedParams{0.3, 16}},
          {"2:4", sparsity::NmParams{2, 4}}};
}

}  // namespace fitformer::accel::testing
