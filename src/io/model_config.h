// The config.json of a model: what the network is, apart from how it runs. Two families:
//  - "causal-lm": the PyTorch word-language-model Transformer (token embedding scaled by
//    sqrt(d), sinusoidal positions, post-LN encoder layers under a causal mask, a linear
//    decoder to the vocabulary). model_type "fitformer-causal-lm".
//  - "bert-classifier": HuggingFace BertForSequenceClassification, config fields and tensor
//    names as HuggingFace writes them (model_type "bert"), so their checkpoints load as is.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fitformer::io {

enum class ModelFamily { kCausalLm, kBertClassifier };

// "fitformer-causal-lm" or "bert": the model_type that names the family in config.json.
std::string_view model_type_name(ModelFamily family);

struct ModelConfig {
  ModelFamily family = ModelFamily::kCausalLm;
  int vocab_size = 0;
  int hidden_size = 256;
  int num_hidden_layers = 2;
  int num_attention_heads = 4;
  int intermediate_size = 1024;
  int max_position_embeddings = 512;
  int type_vocab_size = 2;               // bert only
  int num_labels = 2;                    // bert only
  std::vector<std::string> label_names;  // bert: id2label in id order (may be empty)
  std::string hidden_act = "gelu";       // "gelu" (erf form) or "relu"
  double layer_norm_eps = 1e-12;
  double hidden_dropout_prob = 0.1;
  double attention_probs_dropout_prob = 0.1;
  int pad_token_id = 0;
  double initializer_range = 0.02;           // std of the normal initializer (training only)
  std::optional<double> classifier_dropout;  // bert; unset: hidden_dropout_prob applies
  std::optional<std::string> problem_type;   // bert: HF's "single_label_classification", ...
  // bert: the head's activation after the pooler dense layer: "tanh" (BERT's pooler, RoBERTa's
  // classification head) or "relu" (DistilBERT's pre_classifier). Key pooler_hidden_act, as
  // DeBERTa names it; written only when not tanh.
  std::string pooler_hidden_act = "tanh";
  // bert: whether the WordPiece tokenizer lower-cases, when the model says (an imported
  // checkpoint's tokenizer_config.json); kept in config.json so that every copy of the folder
  // (pruned, deployed) tokenizes the same. Unset: the folder's tokenizer files decide.
  std::optional<bool> do_lower_case;

  bool operator==(const ModelConfig&) const = default;
};

// The largest sizes a config.json (or a recipe's [model]) may give: far above any model
// fitformer targets (BERT-large, GPT-2 XL have hidden 1024-1600, 24-48 layers, 1.5B
// parameters at most), low enough that nothing sized from a config alone (a layer list, a
// random model for a host measurement) can exhaust memory before the weights are read.
struct ModelLimits {
  static constexpr int kVocabSize = 1 << 21;
  static constexpr int kHiddenSize = 1 << 15;
  static constexpr int kLayers = 1024;
  static constexpr int kIntermediateSize = 1 << 17;
  static constexpr int kPositions = 1 << 20;
  static constexpr int kTypeVocabSize = 1 << 10;
  static constexpr int kLabels = 1 << 16;
  static constexpr int64_t kParameters = int64_t{1} << 31;  // 8 GiB as fp32
};

// Parameters of a model of this shape (embeddings, encoder linears, heads; biases and
// norms left out), in 64 bits: what ModelLimits::kParameters bounds.
int64_t approx_parameter_count(const ModelConfig& config);

// A config with the family's defaults: bert as HuggingFace's BertConfig (gelu, eps 1e-12),
// the causal LM as PyTorch's nn.TransformerEncoderLayer (relu, eps 1e-5).
ModelConfig default_model_config(ModelFamily family);

// Parses config.json text; `file` names it in errors. The JSON is read strictly
// (io/json_reader.h: no repeated keys, depth capped). Every field is checked (sizes
// positive and within ModelLimits, hidden_size divisible by num_attention_heads, the
// parameter count within ModelLimits::kParameters, known activation); HuggingFace's
// bookkeeping keys (architectures, torch_dtype, transformers_version, use_cache,
// gradient_checkpointing, keys starting with "_") are accepted and ignored, any other
// unknown key is an error that lists the allowed keys. Fields absent take the family's
// defaults. Labels come from id2label (ids 0..n-1; label2id must be its inverse) or from
// num_labels, as HuggingFace's PretrainedConfig accepts either.
ModelConfig parse_model_config(const std::string& json_text, const std::filesystem::path& file);
ModelConfig load_model_config(const std::filesystem::path& file);

// The JSON text that parse_model_config reads back to an equal config. For bert it has
// HuggingFace's shape (architectures, id2label/label2id), so transformers can load it.
std::string model_config_json(const ModelConfig& config);

// Writes model_config_json(config) to file atomically.
void save_model_config(const ModelConfig& config, const std::filesystem::path& file);

}  // namespace fitformer::io
