// Escaping of control characters and invalid UTF-8, and length caps, for one-line output.
#include "core/printable.h"

#include <cstdint>
#include <vector>

namespace fitformer {
namespace {

constexpr std::string_view kEllipsis = "...";

std::string hex_escape(uint8_t byte) {
  constexpr char kDigits[] = "0123456789abcdef";
  return {'\\', 'x', kDigits[byte >> 4], kDigits[byte & 0xF]};
}

// The text as printable units: each is one character kept as is or one escape. A unit is
// never split by a cut.
std::vector<std::string> units(std::string_view text) {
  std::vector<std::string> out;
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<uint8_t>(text[i]);
    const size_t n = utf8_sequence_length(text, i);
    // U+0080..U+009F (C2 80..C2 9F) are the C1 controls; some terminals act on them (CSI).
    const bool c1 = n == 2 && c == 0xC2 && static_cast<uint8_t>(text[i + 1]) < 0xA0;
    if (n == 1 && c >= 0x20 && c != 0x7F) {
      out.emplace_back(1, static_cast<char>(c));
    } else if (n == 1) {
      out.push_back(c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r" : hex_escape(c));
    } else if (n > 1 && !c1) {
      out.emplace_back(text.substr(i, n));
    } else {
      for (size_t k = 0; k < (n > 1 ? n : 1); ++k)
        out.push_back(hex_escape(static_cast<uint8_t>(text[i + k])));
    }
    i += n > 1 ? n : 1;
  }
  return out;
}

// Joins units; when their total exceeds max_chars, keeps the head (or the tail) that fits
// beside the ellipsis.
std::string join_capped(const std::vector<std::string>& parts, size_t max_chars, bool keep_tail) {
  size_t total = 0;
  for (const std::string& p : parts) total += p.size();
  std::string out;
  if (total <= max_chars) {
    for (const std::string& p : parts) out += p;
    return out;
  }
  const size_t budget = max_chars > kEllipsis.size() ? max_chars - kEllipsis.size() : 0;
  size_t used = 0, count = 0;
  for (size_t k = 0; k < parts.size(); ++k) {
    const std::string& p = parts[keep_tail ? parts.size() - 1 - k : k];
    if (used + p.size() > budget) break;
    used += p.size();
    ++count;
  }
  if (keep_tail) {
    out = kEllipsis;
    for (size_t k = parts.size() - count; k < parts.size(); ++k) out += parts[k];
  } else {
    for (size_t k = 0; k < count; ++k) out += parts[k];
    out += kEllipsis;
  }
  return out;
}

}  // namespace

size_t utf8_sequence_length(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<uint8_t>(s[i + k]); };
  const auto cont = [&](size_t k) { return i + k < s.size() && (b(k) & 0xC0) == 0x80; };
  const uint8_t c = b(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && b(1) < 0xA0) return 0;   // overlong
    if (c == 0xED && b(1) >= 0xA0) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && b(1) < 0x90) return 0;   // overlong
    if (c == 0xF4 && b(1) >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

std::string printable(std::string_view text, size_t max_chars) {
  // Units beyond what any cap can show are never built: a megabyte stays cheap.
  return join_capped(units(text.substr(0, 4 * max_chars + 16)), max_chars, false);
}

std::string printable_tail(std::string_view text, size_t max_chars) {
  const size_t keep = 4 * max_chars + 16;
  if (text.size() > keep) text.remove_prefix(text.size() - keep);
  return join_capped(units(text), max_chars, true);
}

bool is_printable(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<uint8_t>(text[i]);
    const size_t n = utf8_sequence_length(text, i);
    if (n == 0 || (n == 1 && (c < 0x20 || c == 0x7F))) return false;
    if (n == 2 && c == 0xC2 && static_cast<uint8_t>(text[i + 1]) < 0xA0) return false;
    i += n;
  }
  return true;
}

}  // namespace fitformer
