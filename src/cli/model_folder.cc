// Imports a Hugging Face folder on first use and says so on stderr.
#include "cli/model_folder.h"

#include <fmt/format.h>

#include <cstdio>

#include "model/hf_import.h"

namespace fitformer::cli {

std::filesystem::path resolve_model_folder(const std::filesystem::path& dir,
                                           const GlobalOptions& global) {
  if (!model::needs_hf_import(dir)) return dir;
  const io::HfConfig hf = model::read_hf_config(dir);
  for (const std::string& line : hf.warnings) fmt::print(stderr, "fitformer: warning: {}\n", line);
  const std::filesystem::path imported = model::import_hf_folder(dir, global.cache_dir);
  fmt::print(stderr, "fitformer: note: {} read as a Hugging Face {} classifier: {}\n", dir.string(),
             hf.model_type, imported.string());
  return imported;
}

}  // namespace fitformer::cli
