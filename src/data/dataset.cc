// Names of the task kinds, for printing and for errors.
#include "data/dataset.h"

namespace fitformer::data {

std::string_view task_kind_name(TaskKind kind) {
  return kind == TaskKind::kLanguageModel ? "language-model" : "classification";
}

}  // namespace fitformer::data
