// Readers for TSV (tab-separated, no quoting), CSV (RFC 4180 quoting) and JSON lines, each
// with a header that names the text and label fields; and for folders of .txt documents.
#include "data/user_data.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/files.h"
#include "core/printable.h"
#include "data/split.h"
#include "data/text.h"
#include "io/json_reader.h"
#include "io/model_config.h"

namespace fitformer::data {
namespace fs = std::filesystem;

namespace {

struct Row {
  std::string text, label;
  size_t line = 0;
};

std::string line_field(size_t line) {
  return "line " + std::to_string(line);
}

// Splits a CSV document into records of fields (RFC 4180: quotes double to escape and
// may hold commas and line breaks). Each record remembers the line it starts on.
std::vector<std::pair<size_t, std::vector<std::string>>> parse_csv(const std::string& bytes,
                                                                   const fs::path& file) {
  std::vector<std::pair<size_t, std::vector<std::string>>> records;
  std::vector<std::string> fields;
  std::string field;
  size_t line = 1, record_line = 1;
  bool quoted = false, field_started = false;
  const auto end_record = [&] {
    fields.push_back(std::move(field));
    field.clear();
    if (!(fields.size() == 1 && fields[0].empty()))
      records.emplace_back(record_line, std::move(fields));
    fields.clear();
    field_started = false;
  };
  for (size_t i = 0; i < bytes.size(); ++i) {
    const char c = bytes[i];
    if (quoted) {
      if (c == '"' && i + 1 < bytes.size() && bytes[i + 1] == '"') {
        field.push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
        if (i + 1 < bytes.size() && bytes[i + 1] != ',' && bytes[i + 1] != '\n' &&
            bytes[i + 1] != '\r') {
          throw Error(file.string(),
                      line_field(line) + ", column " + std::to_string(fields.size() + 1),
                      "a comma or line end after a closing quote", std::string(1, bytes[i + 1]));
        }
      } else {
        if (c == '\n') ++line;
        field.push_back(c);
      }
    } else if (c == '"' && !field_started) {
      quoted = true;
      field_started = true;
    } else if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
      field_started = false;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < bytes.size() && bytes[i + 1] == '\n') ++i;
      end_record();
      ++line;
      record_line = line;
    } else {
      field.push_back(c);
      field_started = true;
    }
  }
  if (quoted) {
    throw Error(file.string(), line_field(record_line), "a closing quote", "the end of the file");
  }
  if (field_started || !fields.empty()) end_record();
  return records;
}

std::vector<std::pair<size_t, std::vector<std::string>>> parse_tsv(const std::string& bytes) {
  std::vector<std::pair<size_t, std::vector<std::string>>> records;
  size_t line = 0;
  for (size_t pos = 0; pos < bytes.size();) {
    size_t eol = bytes.find('\n', pos);
    if (eol == std::string::npos) eol = bytes.size();
    std::string_view text(bytes.data() + pos, eol - pos);
    pos = eol + 1;
    ++line;
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (text.empty()) continue;
    std::vector<std::string> fields;
    size_t start = 0;
    for (size_t tab; (tab = text.find('\t', start)) != std::string_view::npos; start = tab + 1) {
      fields.emplace_back(text.substr(start, tab - start));
    }
    fields.emplace_back(text.substr(start));
    records.emplace_back(line, std::move(fields));
  }
  return records;
}

// Rows from a table whose first record is a header naming the columns.
std::vector<Row> rows_from_table(
    const std::vector<std::pair<size_t, std::vector<std::string>>>& records,
    const io::DataSpec& spec) {
  const std::string file = spec.path.string();
  if (records.empty())
    throw Error(file, "line 1", "a header row naming the columns", "an empty file");
  const auto& header = records[0].second;
  const auto column = [&](const std::string& name) {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) {
      std::string names;
      for (const auto& h : header) names += (names.empty() ? "" : ", ") + ("\"" + h + "\"");
      throw Error(file, "line 1", "a column named \"" + name + "\"", "columns " + names);
    }
    return static_cast<size_t>(it - header.begin());
  };
  const size_t text_col = column(spec.text_field), label_col = column(spec.label_field);
  std::vector<Row> rows;
  for (size_t r = 1; r < records.size(); ++r) {
    const auto& [line, fields] = records[r];
    if (fields.size() != header.size()) {
      throw Error(file, line_field(line), std::to_string(header.size()) + " columns",
                  std::to_string(fields.size()));
    }
    if (collapse_whitespace(fields[label_col]).empty()) {
      throw Error(file, line_field(line) + ", column " + std::to_string(label_col + 1),
                  "a label in column \"" + spec.label_field + "\"", "an empty field");
    }
    rows.push_back(
        Row{fields[text_col], to_valid_utf8(collapse_whitespace(fields[label_col])), line});
  }
  return rows;
}

std::vector<Row> rows_from_jsonl(const std::string& bytes, const io::DataSpec& spec) {
  const std::string file = spec.path.string();
  std::vector<Row> rows;
  size_t line = 0;
  for (size_t pos = 0; pos < bytes.size();) {
    size_t eol = bytes.find('\n', pos);
    if (eol == std::string::npos) eol = bytes.size();
    const std::string_view text(bytes.data() + pos, eol - pos);
    pos = eol + 1;
    ++line;
    if (collapse_whitespace(text).empty()) continue;
    const nlohmann::json object = io::parse_json(text, file, line_field(line));
    if (!object.is_object())
      throw Error(file, line_field(line), "a JSON object", io::describe_json(object));
    const auto text_it = object.find(spec.text_field);
    if (text_it == object.end() || !text_it->is_string()) {
      throw Error(file, line_field(line) + ", key \"" + spec.text_field + "\"", "a string",
                  text_it == object.end() ? "no such key" : io::describe_json(*text_it));
    }
    const auto label_it = object.find(spec.label_field);
    std::string label;
    if (label_it != object.end() && label_it->is_string())
      label = collapse_whitespace(label_it->get<std::string>());
    else if (label_it != object.end() && label_it->is_number_integer())
      label = label_it->dump();
    if (label.empty()) {
      throw Error(file, line_field(line) + ", key \"" + spec.label_field + "\"",
                  "a non-empty string or an integer",
                  label_it == object.end() ? "no such key" : io::describe_json(*label_it));
    }
    rows.push_back(Row{text_it->get<std::string>(), label, line});
  }
  return rows;
}

// Label names in a fixed order that does not depend on the order of the rows: numeric
// order when every label is an integer, else lexicographic.
std::vector<std::string> sorted_labels(const std::vector<Row>& rows) {
  std::vector<std::string> labels;
  for (const Row& r : rows) labels.push_back(r.label);
  std::sort(labels.begin(), labels.end());
  labels.erase(std::unique(labels.begin(), labels.end()), labels.end());
  const bool numeric = std::all_of(labels.begin(), labels.end(), [](const std::string& s) {
    return !s.empty() && s.size() < 18 &&
           s.find_first_not_of("0123456789", s[0] == '-' ? 1 : 0) == std::string::npos && s != "-";
  });
  if (numeric) {
    std::sort(labels.begin(), labels.end(), [](const std::string& a, const std::string& b) {
      return std::stoll(a) < std::stoll(b);
    });
  }
  return labels;
}

std::string rows_format(const io::DataSpec& spec) {
  if (!spec.format.empty()) return spec.format;
  const std::string ext = spec.path.extension().string();
  const std::string format = ext == ".tsv"     ? "tsv"
                             : ext == ".csv"   ? "csv"
                             : ext == ".jsonl" ? "jsonl"
                                               : "";
  if (format.empty()) {
    throw Error(spec.path.string(), "data.format",
                "a .tsv, .csv or .jsonl file, or data.format set", "extension \"" + ext + "\"");
  }
  return format;
}

// A UTF-8 byte-order mark: spreadsheet programs (Excel's "CSV UTF-8") write one before the
// header, where it would otherwise become part of the first column's name.
constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

Dataset rows_dataset(const std::string& file_bytes, const std::string& format,
                     const io::DataSpec& spec, Progress* progress) {
  const std::string bytes =
      file_bytes.starts_with(kUtf8Bom) ? file_bytes.substr(kUtf8Bom.size()) : file_bytes;
  if (spec.text_field == spec.label_field) {
    throw Error(spec.path.string(), "data.label_field", "a column other than data.text_field",
                "\"" + spec.label_field + "\"");
  }
  const std::vector<Row> rows = format == "jsonl" ? rows_from_jsonl(bytes, spec)
                                : format == "csv"
                                    ? rows_from_table(parse_csv(bytes, spec.path), spec)
                                    : rows_from_table(parse_tsv(bytes), spec);
  if (rows.empty()) throw Error(spec.path.string(), "", "at least one row of data", "none");
  for (const Row& r : rows) {
    // Labels are printed in listings and reports and written to config.json (id2label).
    if (!is_printable(r.label)) {
      throw Error(spec.path.string(), line_field(r.line) + ", " + spec.label_field,
                  "a label without control characters", "\"" + r.label + "\"");
    }
  }
  Dataset out;
  out.name = spec.path.stem().string();
  out.kind = TaskKind::kClassification;
  out.label_names = sorted_labels(rows);
  if (out.label_names.size() > static_cast<size_t>(io::ModelLimits::kLabels)) {
    throw Error(spec.path.string(), spec.label_field,
                "at most " + std::to_string(io::ModelLimits::kLabels) + " distinct labels",
                std::to_string(out.label_names.size()));
  }
  if (out.label_names.size() < 2) {
    throw Error(spec.path.string(), spec.label_field, "at least two distinct labels",
                "only \"" + out.label_names[0] + "\"");
  }
  std::map<std::string, int> index;
  for (size_t i = 0; i < out.label_names.size(); ++i)
    index[out.label_names[i]] = static_cast<int>(i);
  std::vector<Example> examples;
  for (const Row& r : rows) {
    examples.push_back(Example{collapse_whitespace(to_valid_utf8(r.text)), index.at(r.label),
                               spec.path.filename().string() + ":" + std::to_string(r.line)});
  }
  advance(progress, examples.size());
  split_stratified(std::move(examples), static_cast<int>(out.label_names.size()),
                   SplitFractions{spec.valid_fraction, spec.test_fraction, spec.seed}, out);
  return out;
}

Dataset load_documents(const io::DataSpec& spec, Progress* progress) {
  std::vector<Example> docs;
  for (const fs::path& file : list_files(spec.path)) {
    if (file.extension() != ".txt") continue;
    require_inside(file, spec.path);  // a link to /etc/passwd is not a document
    std::string text = collapse_whitespace(to_valid_utf8(read_file(file)));
    if (text.empty()) continue;
    docs.push_back(Example{std::move(text), -1, file.filename().string()});
    advance(progress);
  }
  const auto needed = static_cast<size_t>(1 + (spec.valid_fraction > 0) + (spec.test_fraction > 0));
  if (docs.size() < needed) {
    throw Error(spec.path.string(), "",
                "at least " + std::to_string(needed) + " non-empty .txt documents (one per split)",
                std::to_string(docs.size()));
  }
  Dataset out;
  out.name = spec.path.filename().string();
  out.kind = TaskKind::kLanguageModel;
  split_random(std::move(docs), SplitFractions{spec.valid_fraction, spec.test_fraction, spec.seed},
               out);
  // A small folder can round a requested split down to nothing: give it one document.
  const std::pair<std::vector<Example>*, double> requested[] = {{&out.valid, spec.valid_fraction},
                                                                {&out.test, spec.test_fraction}};
  for (const auto& [split, fraction] : requested) {
    if (fraction > 0 && split->empty() && out.train.size() > 1) {
      split->push_back(std::move(out.train.back()));
      out.train.pop_back();
    }
  }
  return out;
}

}  // namespace

Dataset parse_user_rows(const std::string& bytes, const io::DataSpec& spec) {
  return rows_dataset(bytes, rows_format(spec), spec, nullptr);
}

Dataset load_user_data(const io::DataSpec& spec, Progress* progress) {
  if (spec.kind == "language-model") return load_documents(spec, progress);
  if (spec.kind == "classification") {
    const std::string format = rows_format(spec);
    return rows_dataset(read_file(spec.path), format, spec, progress);
  }
  throw Error(spec.recipe.string(), "data.kind", "\"classification\" or \"language-model\"",
              "\"" + spec.kind + "\"");
}

}  // namespace fitformer::data
