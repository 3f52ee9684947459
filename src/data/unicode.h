// The few Unicode operations the tokenizers need (UTF-8 coding, categories, case, NFC/NFD),
// on top of utf8proc so the tables track the Unicode standard instead of a hand copy.
#pragma once

#include <string>
#include <string_view>

namespace fitformer::data {

// Code points of UTF-8 bytes; each byte of an invalid sequence becomes U+FFFD.
std::u32string decode_utf8(std::string_view bytes);

// True when bytes are well-formed UTF-8 (no surrogates, nothing above U+10FFFF).
bool is_valid_utf8(std::string_view bytes);

// UTF-8 bytes of code points (which must be valid scalar values).
std::string encode_utf8(std::u32string_view code_points);
void append_utf8(std::string& out, char32_t code_point);

// Two-letter general category ("Lu", "Mn", "Zs", ...); "Cn" for unassigned code points.
std::string_view unicode_category(char32_t code_point);

// Canonical composition and decomposition (Unicode normalization forms C and D).
std::u32string normalize_nfc(std::u32string_view text);
std::u32string normalize_nfd(std::u32string_view text);

// Lower case as Python's str.lower does it: simple mappings, U+0130 to "i" + U+0307, and
// capital sigma to final sigma at the end of a word.
std::u32string to_lower(std::u32string_view text);

}  // namespace fitformer::data
