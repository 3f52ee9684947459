// Reads the SpamAssassin mails listed in the package's file_list.json.
#include "data/spam.h"

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/files.h"
#include "data/mail.h"
#include "data/split.h"
#include "data/text.h"
#include "io/json_reader.h"

namespace fitformer::data {
namespace fs = std::filesystem;

namespace {

// The folder a mail sits in says what it is (the package's README).
int label_of_group(const std::string& group, const std::string& where) {
  if (group == "easy-ham-1" || group == "easy-ham-2" || group == "hard-ham-1") return 0;
  if (group == "spam-1" || group == "spam-2") return 1;
  throw Error(where, "group", "one of easy-ham-1, easy-ham-2, hard-ham-1, spam-1, spam-2",
              "\"" + group + "\"");
}

}  // namespace

Dataset load_spam(const fs::path& package_dir, Progress* progress) {
  const fs::path dir = package_dir / "data";
  const fs::path list_file = dir / "file_list.json";
  const nlohmann::json list = io::parse_json(read_file(list_file), list_file.string());
  if (!list.is_array() || list.empty()) {
    throw Error(list_file.string(), "", "a non-empty JSON array of mail paths");
  }
  Dataset out;
  out.name = "spam-cls";
  out.kind = TaskKind::kClassification;
  out.label_names = {"ham", "spam"};
  std::vector<Example> examples;
  examples.reserve(list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string where = list_file.string() + "[" + std::to_string(i) + "]";
    if (!list[i].is_string()) throw Error(where, "", "a path string", io::describe_json(list[i]));
    const std::string rel = list[i].get<std::string>();
    const size_t slash = rel.find('/');
    if (slash == std::string::npos || rel.find("..") != std::string::npos) {
      throw Error(where, "", "GROUP/FILE.txt", "\"" + rel + "\"");
    }
    const int label = label_of_group(rel.substr(0, slash), where);
    const std::string raw = read_file(dir / rel);
    std::string text = collapse_whitespace(to_valid_utf8(mail_body_text(raw)));
    // A handful of mails are nothing but an attachment; keep them visible to the model.
    if (text.empty()) text = "(empty)";
    examples.push_back(Example{std::move(text), label, rel});
    advance(progress);
  }
  split_stratified(std::move(examples), 2, SplitFractions{0.1, 0.1, 1}, out);
  return out;
}

}  // namespace fitformer::data
