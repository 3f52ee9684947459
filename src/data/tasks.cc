// Maps task names to their readers and the folders scripts/setup fills.
#include "data/tasks.h"

#include <algorithm>

#include "core/error.h"
#include "core/files.h"
#include "data/sotu.h"
#include "data/spam.h"
#include "data/user_data.h"
#include "data/wordnet.h"

namespace fitformer::data {
namespace fs = std::filesystem;

const std::vector<std::string>& builtin_task_names() {
  static const std::vector<std::string> names = {"sotu-lm", "wordnet-cls", "spam-cls"};
  return names;
}

namespace {

// load_builtin_task, with the recipe the name came from (empty: the --task option), so that
// an unknown name is reported as the recipe's data.task or as the option.
Dataset load_task(const std::string& name, const fs::path& recipe, const fs::path& data_dir,
                  Progress* progress) {
  const auto& names = builtin_task_names();
  if (std::find(names.begin(), names.end(), name) == names.end()) {
    std::string known;
    for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
    throw Error(recipe.string(), recipe.empty() ? "task" : "data.task", "one of: " + known,
                "\"" + name + "\"");
  }
  std::error_code ec;
  if (!fs::is_directory(data_dir, ec)) {
    throw Error(data_dir.string(), "data folder", "the folder scripts/setup fills (run it first)",
                "nothing there");
  }
  const auto dataset_dir = [&](const char* sub) {
    const fs::path dir = data_dir / sub;
    if (!fs::exists(dir, ec)) {
      throw Error(dir.string(), "", "a fetched dataset (run scripts/setup)", "nothing there");
    }
    return dir;
  };
  if (name == "sotu-lm") return load_sotu(dataset_dir("sotu"), progress);
  if (name == "wordnet-cls") return load_wordnet(dataset_dir("wordnet") / "data.noun", progress);
  return load_spam(dataset_dir("spam-assassin"), progress);
}

}  // namespace

Dataset load_builtin_task(const std::string& name, const fs::path& data_dir, Progress* progress) {
  return load_task(name, {}, data_dir, progress);
}

Dataset load_dataset(const io::DataSpec& spec, const fs::path& data_dir, Progress* progress) {
  if (!spec.task.empty()) return load_task(spec.task, spec.recipe, data_dir, progress);
  return load_user_data(spec, progress);
}

}  // namespace fitformer::data
