// Imports a Hugging Face folder on first use and says so on stderr.
#include "cli/model_folder.h"

#include <fmt/format.h>

#include <cstdio>

#include "jobs/job_key.h"
#include "model/hf_import.h"

namespace fitformer::cli {

namespace {

std::filesystem::path import_with_notes(const std::filesystem::path& dir,
                                        const GlobalOptions& global) {
  const io::HfConfig hf = model::read_hf_config(dir);
  for (const std::string& line : hf.warnings) fmt::print(stderr, "fitformer: warning: {}\n", line);
  const std::filesystem::path imported = model::import_hf_folder(dir, global.workspace.cache_dir);
  fmt::print(stderr, "fitformer: note: {} read as a Hugging Face {} classifier: {}\n", dir.string(),
             hf.model_type, imported.string());
  return imported;
}

}  // namespace

std::filesystem::path resolve_model_folder(const std::filesystem::path& dir,
                                           const GlobalOptions& global) {
  return model::needs_hf_import(dir) ? import_with_notes(dir, global) : dir;
}

std::filesystem::path resolve_dense_model_folder(const std::filesystem::path& dir,
                                                 const GlobalOptions& global) {
  namespace fs = std::filesystem;
  // What a training fitformer started there leaves (finished, running or killed): that folder
  // is select's to train and resume, as before.
  for (const char* trace : {"job.key", "fitformer.lock", "tokens.safetensors", "checkpoint.pt"})
    if (fs::exists(dir / trace))
      return fs::exists(dir / "job.key") ? resolve_model_folder(dir, global) : dir;
  if (!fs::exists(dir / model::kConfigFileName) || !fs::exists(dir / model::kWeightsFileName))
    return dir;
  const bool causal_lm =
      !model::needs_hf_import(dir) &&
      io::load_model_config(dir / model::kConfigFileName).family == io::ModelFamily::kCausalLm;
  if (causal_lm) return dir;  // not a Hugging Face model: select's training rules apply
  const fs::path imported = import_with_notes(dir, global);
  jobs::mark_pretrained(imported);
  return imported;
}

}  // namespace fitformer::cli
