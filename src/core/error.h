// The one error type of fitformer: every bad input is reported as file, field, expected, found.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace fitformer {

// Longest what(): the parts are escaped (control characters, invalid UTF-8) and cut so the
// message is one line of at most this many characters, whatever the input held.
inline constexpr size_t kMaxErrorChars = 200;

// Thrown for bad input (a malformed file, an unknown name, a missing dataset). Only cli/
// catches it; it prints what() on one line and exits non-zero. Any of the parts may be empty;
// the accessors return them unescaped and uncut.
class Error : public std::runtime_error {
 public:
  Error(std::string file, std::string field, std::string expected, std::string found = {});

  const std::string& file() const { return file_; }
  const std::string& field() const { return field_; }
  const std::string& expected() const { return expected_; }
  const std::string& found() const { return found_; }

 private:
  std::string file_, field_, expected_, found_;
};

}  // namespace fitformer
