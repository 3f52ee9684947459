// JSON Lines of texts, each line parsed by io::parse_json so a bad line is named by number.
#include "io/text_inputs.h"

#include "core/error.h"
#include "io/json_reader.h"

namespace fitformer::io {

std::vector<std::string> parse_text_jsonl(std::string_view bytes, const std::string& file) {
  std::vector<std::string> texts;
  size_t line_number = 0;
  size_t start = 0;
  while (start < bytes.size()) {
    size_t end = bytes.find('\n', start);
    if (end == std::string_view::npos) end = bytes.size();
    std::string_view line = bytes.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    const std::string field = "line " + std::to_string(line_number);
    const nlohmann::json row = parse_json(line, file, field);
    if (!row.is_object() || !row.contains("text") || !row["text"].is_string())
      throw Error(file, field, "an object with a string \"text\"", describe_json(row));
    texts.push_back(row["text"].get<std::string>());
  }
  if (texts.empty()) throw Error(file, "", "at least one line {\"text\": ...}", "none");
  return texts;
}

}  // namespace fitformer::io
