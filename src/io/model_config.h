// The config.json of a model: what the network is, apart from how it runs. Two families:
//  - "causal-lm": the PyTorch word-language-model Transformer (token embedding scaled by
//    sqrt(d), sinusoidal positions, post-LN encoder layers under a causal mask, a linear
//    decoder to the vocabulary). model_type "fitformer-causal-lm".
//  - "bert-classifier": HuggingFace BertForSequenceClassification, config fields and tensor
//    names as HuggingFace writes them (model_type "bert"), so their checkpoints load as is.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace fitformer::io {

enum class ModelFamily { kCausalLm, kBertClassifier };

struct ModelConfig {
  ModelFamily family = ModelFamily::kCausalLm;
  int vocab_size = 0;
  int hidden_size = 256;
  int num_hidden_layers = 2;
  int num_attention_heads = 4;
  int intermediate_size = 1024;
  int max_position_embeddings = 512;
  int type_vocab_size = 2;  // bert only
  int num_labels = 2;       // bert only
  std::vector<std::string> label_names;  // bert: id2label in id order (may be empty)
  std::string hidden_act = "gelu";  // "gelu" (erf form) or "relu"
  double layer_norm_eps = 1e-12;
  double hidden_dropout_prob = 0.1;
  double attention_probs_dropout_prob = 0.1;
  int pad_token_id = 0;
};

// Parses config.json text; `file` names it in errors. Every field is checked (positive
// sizes, hidden_size divisible by num_attention_heads, known activation); HuggingFace's
// bookkeeping keys are accepted and ignored, any other unknown key is an error.
ModelConfig parse_model_config(const std::string& json_text, const std::filesystem::path& file);
ModelConfig load_model_config(const std::filesystem::path& file);

// The JSON text that parse_model_config reads back to an equal config.
std::string model_config_json(const ModelConfig& config);

}  // namespace fitformer::io
