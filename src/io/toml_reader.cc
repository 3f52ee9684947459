// TomlTableReader: typed reads over toml++ tables with fitformer's errors.
#include "io/toml_reader.h"

#include <cmath>
#include <sstream>

namespace fitformer::io {

TomlTableReader::TomlTableReader(const toml::table& table, std::string path,
                                 std::filesystem::path file)
    : table_(table), path_(std::move(path)), file_(std::move(file)) {}

void TomlTableReader::read(const std::string& key, std::string& out) {
  if (const auto* node = get(key)) {
    if (!node->is_string()) throw wrong_type(key, "a string");
    out = *node->value<std::string>();
  }
}

void TomlTableReader::read(const std::string& key, int& out) {
  if (const auto* node = get(key)) {
    if (!node->is_integer()) throw wrong_type(key, "an integer");
    const int64_t v = *node->value<int64_t>();
    if (v < INT32_MIN || v > INT32_MAX) throw wrong_type(key, "an integer in 32-bit range");
    out = static_cast<int>(v);
  }
}

void TomlTableReader::read(const std::string& key, uint64_t& out) {
  if (const auto* node = get(key)) {
    if (!node->is_integer() || *node->value<int64_t>() < 0) {
      throw wrong_type(key, "a non-negative integer");
    }
    out = static_cast<uint64_t>(*node->value<int64_t>());
  }
}

void TomlTableReader::read(const std::string& key, double& out) {
  if (const auto* node = get(key)) {
    if (!node->is_number()) throw wrong_type(key, "a number");
    out = *node->value<double>();
    // TOML spells nan and inf; no figure fitformer reads may be either.
    if (!std::isfinite(out)) throw wrong_type(key, "a finite number");
  }
}

void TomlTableReader::read(const std::string& key, bool& out) {
  if (const auto* node = get(key)) {
    if (!node->is_boolean()) throw wrong_type(key, "true or false");
    out = *node->value<bool>();
  }
}

void TomlTableReader::read(const std::string& key, std::optional<int64_t>& out) {
  if (const auto* node = get(key)) {
    if (!node->is_integer()) throw wrong_type(key, "an integer");
    out = *node->value<int64_t>();
  }
}

void TomlTableReader::read(const std::string& key, std::optional<double>& out) {
  if (const auto* node = get(key)) {
    if (!node->is_number() || !std::isfinite(*node->value<double>()))
      throw wrong_type(key, "a finite number");
    out = *node->value<double>();
  }
}

void TomlTableReader::read(const std::string& key, std::vector<double>& out) {
  if (const auto* node = get(key)) {
    const toml::array* array = node->as_array();
    if (array == nullptr) throw wrong_type(key, "an array of numbers");
    std::vector<double> values;
    for (const toml::node& e : *array) {
      if (!e.is_number() || !std::isfinite(*e.value<double>()))
        throw wrong_type(key, "an array of finite numbers");
      values.push_back(*e.value<double>());
    }
    out = std::move(values);
  }
}

void TomlTableReader::read(const std::string& key, std::vector<int64_t>& out) {
  if (const auto* node = get(key)) {
    const toml::array* array = node->as_array();
    if (array == nullptr) throw wrong_type(key, "an array of integers");
    std::vector<int64_t> values;
    for (const toml::node& e : *array) {
      if (!e.is_integer()) throw wrong_type(key, "an array of integers");
      values.push_back(*e.value<int64_t>());
    }
    out = std::move(values);
  }
}

void TomlTableReader::read(const std::string& key, std::vector<std::string>& out) {
  if (const auto* node = get(key)) {
    const toml::array* array = node->as_array();
    if (array == nullptr) throw wrong_type(key, "an array of strings");
    std::vector<std::string> values;
    for (const toml::node& e : *array) {
      if (!e.is_string()) throw wrong_type(key, "an array of strings");
      values.push_back(*e.value<std::string>());
    }
    out = std::move(values);
  }
}

const toml::table* TomlTableReader::table(const std::string& key) {
  const auto* node = get(key);
  if (node == nullptr) return nullptr;
  if (!node->is_table()) throw wrong_type(key, "a table");
  return node->as_table();
}

const toml::array* TomlTableReader::array_of_tables(const std::string& key) {
  const auto* node = get(key);
  if (node == nullptr) return nullptr;
  if (!node->is_array_of_tables()) throw wrong_type(key, "an array of tables ([[" + key + "]])");
  return node->as_array();
}

void TomlTableReader::require(const std::string& key) const {
  if (!table_.contains(key)) throw Error(file_.string(), field(key), "a value", "none");
}

void TomlTableReader::refuse_unknown_keys() const {
  for (const auto& [key, value] : table_) {
    if (known_.contains(std::string(key.str()))) continue;
    std::string allowed;
    for (const auto& k : known_) allowed += (allowed.empty() ? "" : ", ") + k;
    throw Error(file_.string(), field(std::string(key.str())), "one of: " + allowed,
                "an unknown key");
  }
}

std::string TomlTableReader::field(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

const toml::node* TomlTableReader::get(const std::string& key) {
  known_.insert(key);
  return table_.get(key);
}

Error TomlTableReader::wrong_type(const std::string& key, const std::string& expected) const {
  return Error(file_.string(), field(key), expected, describe_toml(table_.get(key)));
}

std::string describe_toml(const toml::node* node) {
  if (node == nullptr) return "nothing";
  // A table or array printed whole can run to many lines; its size says enough.
  if (const toml::table* t = node->as_table())
    return "a table of " + std::to_string(t->size()) + " keys";
  if (const toml::array* a = node->as_array()) return "an array of " + std::to_string(a->size());
  std::ostringstream found;
  node->visit([&found](const auto& value) { found << value; });
  return found.str();
}

toml::table parse_toml(const std::string& text, const std::filesystem::path& file) {
  try {
    return toml::parse(text, file.string());
  } catch (const toml::parse_error& e) {
    throw Error(file.string(), "line " + std::to_string(e.source().begin.line), "valid TOML",
                std::string(e.description()));
  }
}

}  // namespace fitformer::io
