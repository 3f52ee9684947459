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

// Names the recipe's data.task when the name came from one, else the --task option.
[[noreturn]] void unknown_task(const std::string& name, const fs::path& recipe) {
  std::string known;
  for (const auto& n : builtin_task_names()) known += (known.empty() ? "" : ", ") + n;
  throw Error(recipe.string(), recipe.empty() ? "task" : "data.task", "one of: " + known,
              "\"" + name + "\"");
}

}  // namespace

Dataset load_builtin_task(const std::string& name, const fs::path& data_dir, Progress* progress) {
  const auto& names = builtin_task_names();
  if (std::find(names.begin(), names.end(), name) == names.end()) unknown_task(name, {});
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

Dataset load_dataset(const io::DataSpec& spec, const fs::path& data_dir, Progress* progress) {
  if (!spec.task.empty()) {
    const auto& names = builtin_task_names();
    if (std::find(names.begin(), names.end(), spec.task) == names.end())
      unknown_task(spec.task, spec.recipe);
    return load_builtin_task(spec.task, data_dir, progress);
  }
  return load_user_data(spec, progress);
}

}  // namespace fitformer::data
