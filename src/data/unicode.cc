// UTF-8 coding and Unicode properties for the tokenizers, delegating tables to utf8proc.
#include "data/unicode.h"

#include <utf8proc.h>

#include <cstdlib>
#include <memory>

namespace fitformer::data {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

// Runs one of utf8proc's normalizations over the UTF-8 form of text.
std::u32string map_utf8proc(std::u32string_view text, int options) {
  const std::string bytes = encode_utf8(text);
  utf8proc_uint8_t* mapped = nullptr;
  const utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(bytes.data()),
                                          static_cast<utf8proc_ssize_t>(bytes.size()), &mapped,
                                          static_cast<utf8proc_option_t>(options));
  const std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owner(mapped, &std::free);
  // The input came from valid scalar values, so utf8proc can only fail on memory.
  if (n < 0) throw std::bad_alloc();
  return decode_utf8(
      std::string_view(reinterpret_cast<const char*>(mapped), static_cast<size_t>(n)));
}

// Python's _PyUnicode_IsCased, approximated by the letter categories with case.
bool is_cased(char32_t c) {
  const std::string_view cat = unicode_category(c);
  return cat == "Lu" || cat == "Ll" || cat == "Lt";
}

// Unicode's Case_Ignorable property (UAX #44): these categories plus the Word_Break
// MidLetter, MidNumLet and Single_Quote characters.
bool is_case_ignorable(char32_t c) {
  switch (c) {
    case 0x27:
    case 0x2E:
    case 0x3A:
    case 0xB7:
    case 0x387:
    case 0x55F:
    case 0x5F4:
    case 0x2018:
    case 0x2019:
    case 0x2024:
    case 0x2027:
    case 0xFE13:
    case 0xFE52:
    case 0xFE55:
    case 0xFF07:
    case 0xFF0E:
    case 0xFF1A:
      return true;
    default:
      break;
  }
  const std::string_view cat = unicode_category(c);
  return cat == "Mn" || cat == "Me" || cat == "Cf" || cat == "Lm" || cat == "Sk";
}

// Unicode's Final_Sigma condition (Unicode 3.13, table 3-17), as CPython applies it: a cased
// letter before (skipping case-ignorables) and none after.
bool is_final_sigma(std::u32string_view text, size_t i) {
  size_t j = i;
  while (j > 0 && is_case_ignorable(text[j - 1])) --j;
  if (j == 0 || !is_cased(text[j - 1])) return false;
  size_t k = i + 1;
  while (k < text.size() && is_case_ignorable(text[k])) ++k;
  return k == text.size() || !is_cased(text[k]);
}

}  // namespace

std::u32string decode_utf8(std::string_view bytes) {
  std::u32string out;
  out.reserve(bytes.size());
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(bytes.data());
  auto left = static_cast<utf8proc_ssize_t>(bytes.size());
  while (left > 0) {
    utf8proc_int32_t cp = 0;
    const utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
    if (n <= 0) {  // skip one byte of a malformed sequence
      out.push_back(kReplacement);
      ++p;
      --left;
    } else {
      out.push_back(static_cast<char32_t>(cp));
      p += n;
      left -= n;
    }
  }
  return out;
}

bool is_valid_utf8(std::string_view bytes) {
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(bytes.data());
  auto left = static_cast<utf8proc_ssize_t>(bytes.size());
  while (left > 0) {
    utf8proc_int32_t cp = 0;
    const utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
    if (n <= 0) return false;
    p += n;
    left -= n;
  }
  return true;
}

void append_utf8(std::string& out, char32_t code_point) {
  utf8proc_uint8_t buf[4];
  const utf8proc_ssize_t n = utf8proc_encode_char(static_cast<utf8proc_int32_t>(code_point), buf);
  out.append(reinterpret_cast<const char*>(buf), static_cast<size_t>(n));
}

std::string encode_utf8(std::u32string_view code_points) {
  std::string out;
  out.reserve(code_points.size());
  for (const char32_t c : code_points) append_utf8(out, c);
  return out;
}

std::string_view unicode_category(char32_t code_point) {
  return utf8proc_category_string(static_cast<utf8proc_int32_t>(code_point));
}

std::u32string normalize_nfc(std::u32string_view text) {
  return map_utf8proc(text, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
}

std::u32string normalize_nfd(std::u32string_view text) {
  return map_utf8proc(text, UTF8PROC_STABLE | UTF8PROC_DECOMPOSE);
}

std::u32string to_lower(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char32_t c = text[i];
    if (c == 0x130) {  // the one unconditional multi-character lowering (SpecialCasing.txt)
      out += U"i\u0307";
    } else if (c == 0x3A3) {
      out.push_back(is_final_sigma(text, i) ? 0x3C2 : 0x3C3);
    } else {
      out.push_back(static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(c))));
    }
  }
  return out;
}

}  // namespace fitformer::data
