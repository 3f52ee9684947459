// Shared by the runtime tests: small model configs of both families (with ragged shapes
// against Bc = 64 and the bank width 8), random dense folders with fixed seeds, and the
// pruned and masked-dense folders built from them by the real pruner.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "io/model_config.h"
#include "model/bert_classifier.h"
#include "model/causal_lm.h"
#include "model/weights.h"
#include "runtime/magnitude_prune.h"

namespace fitformer::runtime::testing {

// hidden 48 (one ragged column block), ff 100 (ragged bank in the second block) unless
// `aligned`: hidden 64, ff 128.
inline io::ModelConfig small_config(io::ModelFamily family, bool aligned = false) {
  io::ModelConfig c = io::default_model_config(family);
  c.vocab_size = 57;
  c.hidden_size = aligned ? 64 : 48;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 4;
  c.intermediate_size = aligned ? 128 : 100;
  c.max_position_embeddings = 64;
  if (family == io::ModelFamily::kBertClassifier) c.num_labels = 3;
  return c;
}

// An HpPruneSpec in one expression (designated initializers that skip a field trip
// -Wmissing-field-initializers).
inline HpPruneSpec hp(double sparsity, std::optional<double> rho1 = {},
                      std::optional<double> rho2 = {},
                      format::ValueType type = format::ValueType::kF32) {
  HpPruneSpec spec;
  spec.sparsity = sparsity;
  spec.rho1 = rho1;
  spec.rho2 = rho2;
  spec.value_type = type;
  return spec;
}

inline model::NamedTensors random_weights(const io::ModelConfig& c, uint64_t seed) {
  return model::random_tensors(c.family == io::ModelFamily::kCausalLm
                                   ? model::causal_lm_tensor_specs(c)
                                   : model::bert_classifier_tensor_specs(c),
                               seed);
}

// dir/dense (random weights), dir/pruned (HP per spec) and dir/masked (pruned, decoded).
struct Folders {
  std::filesystem::path dense, pruned, masked;
};

inline Folders make_folders(const std::filesystem::path& dir, const io::ModelConfig& config,
                            const HpPruneSpec& spec, uint64_t seed) {
  Folders f{dir / "dense", dir / "pruned", dir / "masked"};
  model::write_model_folder(f.dense, config, random_weights(config, seed));
  prune_model_folder(f.dense, f.pruned, spec);
  densify_model_folder(f.pruned, f.masked);
  return f;
}

// Segment ids a batch may use: BERT's type vocabulary, none (only 0) for the causal LM.
inline int type_vocab(const io::ModelConfig& c) {
  return c.family == io::ModelFamily::kCausalLm ? 1 : c.type_vocab_size;
}

inline std::string family_name(const io::ModelConfig& c) {
  return std::string(io::model_type_name(c.family));
}

}  // namespace fitformer::runtime::testing
