// The --model folder a command reads: the user's folder as it is, or, for a Hugging Face
// classifier fitformer's loaders cannot read directly (DistilBERT, RoBERTa, tokenizer.json,
// tokenizer_config.json), its import under the cache (model/hf_import.h).
#pragma once

#include <filesystem>

#include "cli/commands.h"

namespace fitformer::cli {

// Returns the folder to load for `dir`. Prints each ignored config key as one warning line,
// and one note naming the imported folder, on stderr. Throws Error for what cannot be read.
std::filesystem::path resolve_model_folder(const std::filesystem::path& dir,
                                           const GlobalOptions& global);

// The same for select's dense model, which select trains when its folder holds no finished
// training: a BERT folder with config.json and model.safetensors and no trace of a fitformer
// training (job.key, fitformer.lock, tokens.safetensors, checkpoint.pt) is imported even when
// it could be read as it is, and the import marked pretrained, so that select uses the model
// and never trains over it (nor writes into the user's folder). Any other folder, absent or a
// training's, is returned as it is (select trains or resumes there).
std::filesystem::path resolve_dense_model_folder(const std::filesystem::path& dir,
                                                 const GlobalOptions& global);

}  // namespace fitformer::cli
