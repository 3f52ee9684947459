// The one error type of fitformer: every bad input is reported as file, field, expected, found.
#pragma once

#include <stdexcept>
#include <string>

namespace fitformer {

// Thrown for bad input (a malformed file, an unknown name, a missing dataset). Only cli/
// catches it; it prints what() on one line and exits non-zero. Any of the parts may be empty.
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
