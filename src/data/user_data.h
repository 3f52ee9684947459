// A user's own data, named by a recipe: rows of (text, label) in TSV, CSV or JSON lines for
// classification, or a folder of plain-text files (one document each) for language
// modeling. Split by the recipe's fractions and seed (stratified for classification).
#pragma once

#include <filesystem>

#include "core/progress.h"
#include "data/dataset.h"
#include "io/recipe.h"

namespace fitformer::data {

// Reads spec.path per spec.kind and spec.format. A malformed row throws Error naming the
// file, the line (and the column for TSV/CSV) and what was expected there.
// A folder's .txt entries must lie inside it once links are resolved.
Dataset load_user_data(const io::DataSpec& spec, Progress* progress = nullptr);

// The classification rows of `bytes` as if read from spec.path (which names them in errors
// and, with spec.format, gives the format): what load_user_data does after reading the file.
// For tests and fuzzing.
Dataset parse_user_rows(const std::string& bytes, const io::DataSpec& spec);

}  // namespace fitformer::data
