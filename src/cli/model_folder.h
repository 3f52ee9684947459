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

}  // namespace fitformer::cli
