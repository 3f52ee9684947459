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
Dataset load_user_data(const io::DataSpec& spec, Progress* progress = nullptr);

}  // namespace fitformer::data
