// Foreign text made safe to print on one terminal line: error messages and listings quote
// names and values from files fitformer did not write, which may hold line breaks, terminal
// escapes, invalid UTF-8 or megabytes of bytes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace fitformer {

// `text` with every control character (C0, DEL, C1) and every byte that is not part of valid
// UTF-8 written as an escape (\n, \t, \r, \xNN), cut to at most `max_chars` output bytes
// (never inside an escape or a UTF-8 character) with "..." marking the cut.
std::string printable(std::string_view text, size_t max_chars);

// The same, but a cut keeps the end ("...tail"): for paths, whose file name matters most.
std::string printable_tail(std::string_view text, size_t max_chars);

// Length of the valid UTF-8 sequence starting at text[i] (RFC 3629: no overlongs, no
// surrogates, nothing above U+10FFFF), or 0 when the bytes there are not one. i < size.
size_t utf8_sequence_length(std::string_view text, size_t i);

// True when printable(text, any) would change nothing: valid UTF-8 without control characters.
bool is_printable(std::string_view text);

}  // namespace fitformer
