// What `fitformer train` and `fitformer prune` share on the fitformer side of the libtorch
// split: tokenizing a recipe's data into a file for the trainer, and starting
// `fitformer-train` (libtorch's protobuf and SentencePiece's bundled one cannot share a process).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "io/recipe.h"

namespace fitformer::cli {

struct TrainerInput {
  std::filesystem::path tokens;          // dir/tokens.safetensors
  std::filesystem::path tokenizer_file;  // absolute: the tokenizer the ids come from
};

// Loads the recipe's data and tokenizes its train and valid splits into dir/tokens.safetensors.
// The tokenizer is the one of model_dir (tokenizer.model or vocab.txt) when given, so a
// trained model is fine-tuned on its own ids; else the recipe's (a SentencePiece model
// trained on the train split and cached by content, or its WordPiece vocab).
TrainerInput tokenize_for_trainer(const io::Recipe& recipe, const GlobalOptions& global, bool bars,
                                  const std::filesystem::path& dir,
                                  const std::filesystem::path& model_dir = {});

// `fitformer-train` in the folder of this executable; throws Error if the build has none.
std::filesystem::path trainer_path();

// Replaces this process with the trainer.
[[noreturn]] void exec_trainer(const std::filesystem::path& tool, std::vector<std::string> args);

// Runs the trainer as a child and waits: for callers with work left after it. Returns its
// exit status (128 + signal when killed). With stdout_to_stderr the child's stdout goes to
// our stderr, so a caller printing JSON keeps its stdout clean.
int run_trainer(const std::filesystem::path& tool, std::vector<std::string> args,
                bool stdout_to_stderr = false);

}  // namespace fitformer::cli
