// Tokenizing a recipe's data for the trainer (jobs/trainer_process.h): the fitformer side of
// the libtorch split, shared by the train and prune jobs.
#pragma once

#include <filesystem>

#include "io/recipe.h"
#include "jobs/workspace.h"

namespace fitformer::jobs {

struct TrainerInput {
  std::filesystem::path tokens;          // dir/tokens.safetensors
  std::filesystem::path tokenizer_file;  // absolute: the tokenizer the ids come from
};

// Loads the recipe's data and tokenizes its train and valid splits into dir/tokens.safetensors.
// The tokenizer is the one of model_dir (tokenizer.model or vocab.txt) when given, so a
// trained model is fine-tuned on its own ids; else the recipe's (a SentencePiece model
// trained on the train split and cached by content, or its WordPiece vocab). bars: progress
// bars on stderr.
TrainerInput tokenize_for_trainer(const io::Recipe& recipe, const Workspace& workspace, bool bars,
                                  const std::filesystem::path& dir,
                                  const std::filesystem::path& model_dir = {});

}  // namespace fitformer::jobs
