// Reads one TOML table into plain structs field by field, with errors that name the file
// and the dotted field, and refuses keys nobody asked for. Shared by recipes and the
// device catalog so both speak the same error language.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"

namespace fitformer::io {

class TomlTableReader {
 public:
  // `path` is the table's dotted name in errors ("data", "device[zcu104].fpga").
  TomlTableReader(const toml::table& table, std::string path, std::filesystem::path file);

  // Each read leaves `out` alone when the key is absent and throws Error on a wrong type;
  // numbers read as double must be finite (TOML has nan and inf literals).
  void read(const std::string& key, std::string& out);
  void read(const std::string& key, int& out);
  void read(const std::string& key, uint64_t& out);
  void read(const std::string& key, double& out);
  void read(const std::string& key, bool& out);
  void read(const std::string& key, std::optional<int64_t>& out);
  void read(const std::string& key, std::optional<double>& out);
  // Arrays: every element must have the type (numbers / strings).
  void read(const std::string& key, std::vector<double>& out);
  void read(const std::string& key, std::vector<std::string>& out);
  void read(const std::string& key, std::vector<int64_t>& out);  // integers only
  // A sub-table, or nullptr when absent.
  const toml::table* table(const std::string& key);
  // An array of tables (TOML's [[key]]), or nullptr when absent.
  const toml::array* array_of_tables(const std::string& key);

  bool has(const std::string& key) const { return table_.contains(key); }
  // Throws Error(file, field, "a value for KEY") unless the key is present.
  void require(const std::string& key) const;
  // Call after the last read: throws for any key that no read asked about, listing those
  // that were asked about.
  void refuse_unknown_keys() const;

  std::string field(const std::string& key) const;
  const std::filesystem::path& file() const { return file_; }

 private:
  const toml::node* get(const std::string& key);
  Error wrong_type(const std::string& key, const std::string& expected) const;

  const toml::table& table_;
  std::string path_;
  std::filesystem::path file_;
  std::set<std::string> known_;  // keys this reader has been asked about
};

// A value for "found ..." in errors: a scalar as TOML writes it, a table or an array by its
// size ("nothing" for nullptr).
std::string describe_toml(const toml::node* node);

// Parses TOML text, turning a syntax error into Error(file, "line N", "valid TOML", why).
toml::table parse_toml(const std::string& text, const std::filesystem::path& file);

}  // namespace fitformer::io
