// Formats an Error as "FILE: FIELD: expected EXPECTED, found FOUND".
#include "core/error.h"

namespace fitformer {
namespace {

std::string format_message(const std::string& file, const std::string& field,
                           const std::string& expected, const std::string& found) {
  std::string message;
  if (!file.empty()) message += file + ": ";
  if (!field.empty()) message += field + ": ";
  message += "expected " + expected;
  if (!found.empty()) message += ", found " + found;
  return message;
}

}  // namespace

Error::Error(std::string file, std::string field, std::string expected, std::string found)
    : std::runtime_error(format_message(file, field, expected, found)),
      file_(std::move(file)),
      field_(std::move(field)),
      expected_(std::move(expected)),
      found_(std::move(found)) {}

}  // namespace fitformer
