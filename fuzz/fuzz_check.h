// What every harness asserts besides "no crash": a refusal is a fitformer::Error whose
// message is one line of at most kMaxErrorChars; any other exception escapes the harness and
// libFuzzer reports it as a crash (an uncaught std::out_of_range is a defect, not a refusal).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/error.h"

namespace fitformer::fuzz {

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Aborts (a finding) unless the error reads as the CLI will print it: one short line.
inline void check_error(const Error& e) {
  const std::string_view what = e.what();
  if (what.size() > kMaxErrorChars || what.find_first_of("\n\r") != std::string_view::npos ||
      what.find('\x1b') != std::string_view::npos) {
    std::fprintf(stderr, "error message breaks the one-line rule (%zu chars): %.400s\n",
                 what.size(), std::string(what).c_str());
    std::abort();
  }
}

// Aborts with a message when a property the harness checks does not hold.
inline void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "harness property failed: %s\n", what);
    std::abort();
  }
}

}  // namespace fitformer::fuzz
