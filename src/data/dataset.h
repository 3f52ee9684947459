// Datasets as fitformer sees them: texts (with labels for classification) already split
// into train, valid and test. The built-in tasks and a user's own files share this type.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace fitformer::data {

enum class TaskKind { kLanguageModel, kClassification };

// "language-model" / "classification".
std::string_view task_kind_name(TaskKind kind);

struct Example {
  std::string text;
  int label = -1;      // index into Dataset::label_names; -1 for language modeling
  std::string source;  // where it came from: a file, "file:line", or an id
};

struct Dataset {
  std::string name;
  TaskKind kind = TaskKind::kClassification;
  std::vector<std::string> label_names;  // empty for language modeling
  std::vector<Example> train, valid, test;
};

}  // namespace fitformer::data
