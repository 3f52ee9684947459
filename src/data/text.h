// Small text clean-ups shared by the readers: every text leaves src/data as valid UTF-8
// with its whitespace collapsed, whatever encoding the source file had.
#pragma once

#include <string>
#include <string_view>

namespace fitformer::data {

// Valid UTF-8 passes through; each byte that is not part of a valid sequence is read as
// Latin-1 (the usual encoding of old mail) and re-encoded.
std::string to_valid_utf8(std::string_view bytes);

// Runs of ASCII whitespace become one space; leading and trailing whitespace go.
std::string collapse_whitespace(std::string_view text);

// Number of whitespace-separated words.
size_t count_words(std::string_view text);

}  // namespace fitformer::data
