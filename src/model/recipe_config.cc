// A recipe's [model] section as a ModelConfig.
#include "model/recipe_config.h"

#include <string>

#include "core/error.h"

namespace fitformer::model {

io::ModelConfig recipe_model_config(const io::Recipe& recipe, int vocab_size, int num_labels) {
  const io::ModelSpec& m = recipe.model;
  io::ModelFamily family;
  if (m.family == "causal-lm")
    family = io::ModelFamily::kCausalLm;
  else if (m.family == "bert-classifier")
    family = io::ModelFamily::kBertClassifier;
  else
    throw Error(recipe.file.string(), "model.family", "causal-lm or bert-classifier", m.family);
  io::ModelConfig c = io::default_model_config(family);
  c.vocab_size = vocab_size;
  c.hidden_size = m.hidden_size;
  c.num_hidden_layers = m.num_layers;
  c.num_attention_heads = m.num_heads;
  c.intermediate_size = m.intermediate_size;
  c.max_position_embeddings = m.max_length;
  if (!m.activation.empty()) c.hidden_act = m.activation;
  c.hidden_dropout_prob = m.dropout;
  c.attention_probs_dropout_prob = m.dropout;
  if (family == io::ModelFamily::kBertClassifier) c.num_labels = num_labels;
  if (c.hidden_size % c.num_attention_heads != 0)
    throw Error(recipe.file.string(), "model.num_heads",
                "a divisor of hidden_size " + std::to_string(c.hidden_size),
                std::to_string(c.num_attention_heads));
  return c;
}

}  // namespace fitformer::model
