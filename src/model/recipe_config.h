// The model a recipe's [model] section describes (io/recipe.h), as the ModelConfig the
// trainer builds and the devices predict: the one place the recipe's field names meet
// config.json's.
#pragma once

#include "io/model_config.h"
#include "io/recipe.h"

namespace fitformer::model {

// The family's defaults (io::default_model_config) with the recipe's hidden size, layers,
// heads, FFN width, positions (max_length), activation (when set) and dropout, for a
// vocabulary of vocab_size and, for a classifier, num_labels labels. Throws Error naming
// recipe.file and "model.family" (not causal-lm or bert-classifier) or "model.num_heads"
// (not a divisor of the hidden size).
io::ModelConfig recipe_model_config(const io::Recipe& recipe, int vocab_size, int num_labels);

}  // namespace fitformer::model
