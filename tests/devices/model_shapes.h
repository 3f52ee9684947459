// Model shapes the devices tests predict and measure on: a config of a family with its sizes
// named, and the tiny causal LM whose host forward takes milliseconds.
#pragma once

#include "devices/predict.h"
#include "io/model_config.h"

namespace fitformer::devices {

struct ShapeSizes {
  int vocab = 0, hidden = 0, layers = 0, heads = 0, ffn = 0;
};

inline io::ModelConfig model_shape(io::ModelFamily family, const ShapeSizes& s) {
  io::ModelConfig c = io::default_model_config(family);
  c.vocab_size = s.vocab;
  c.hidden_size = s.hidden;
  c.num_hidden_layers = s.layers;
  c.num_attention_heads = s.heads;
  c.intermediate_size = s.ffn;
  return c;
}

// d 64, one layer, HP at 75 % sparsity, 16 tokens.
inline CandidateModel tiny_model() {
  CandidateModel m;
  m.config = model_shape(io::ModelFamily::kCausalLm,
                         {.vocab = 64, .hidden = 64, .layers = 1, .heads = 2, .ffn = 128});
  m.candidate.plan.sparsity = 0.75;
  m.seq = 16;
  return m;
}

}  // namespace fitformer::devices
