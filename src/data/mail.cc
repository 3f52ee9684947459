// A small MIME walker (RFC 2045/2046) that is forgiving of the malformed mail found in
// real corpora: a part it cannot make sense of is kept as plain text, never an error.
#include "data/mail.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>
#include <vector>

namespace fitformer::data {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

struct Part {
  std::map<std::string, std::string> headers;  // lower-case name -> unfolded value
  std::string_view body;
};

// Splits at the first empty line; unfolds continuation lines of the header block.
Part split_headers(std::string_view mail) {
  Part part;
  size_t pos = 0;
  std::string name;
  while (pos < mail.size()) {
    size_t eol = mail.find('\n', pos);
    if (eol == std::string_view::npos) eol = mail.size();
    std::string_view line = mail.substr(pos, eol - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = std::min(mail.size(), eol + 1);
    if (line.empty()) break;
    if ((line[0] == ' ' || line[0] == '\t') && !name.empty()) {
      // A continuation line of only blanks adds nothing (RFC 5322 §3.2.2 folding).
      const size_t start = line.find_first_not_of(" \t");
      if (start == std::string_view::npos) continue;
      std::string& value = part.headers[name];
      value.push_back(' ');
      value.append(line.substr(start));
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      // Not a header: the mail has no header block here (e.g. a bare MIME part).
      if (part.headers.empty() && name.empty()) return Part{{}, mail};
      continue;
    }
    name = lower(line.substr(0, colon));
    std::string_view value = line.substr(colon + 1);
    const size_t start = value.find_first_not_of(" \t");
    part.headers[name] = start == std::string_view::npos ? "" : std::string(value.substr(start));
  }
  part.body = mail.substr(pos);
  return part;
}

// The value of parameter `key` in a header like `multipart/mixed; boundary="xyz"`.
std::string header_parameter(const std::string& header, const std::string& key) {
  const std::string low = lower(header);
  size_t pos = 0;
  while ((pos = low.find(key, pos)) != std::string::npos) {
    const bool starts =
        pos == 0 || low[pos - 1] == ';' || low[pos - 1] == ' ' || low[pos - 1] == '\t';
    size_t eq = pos + key.size();
    while (eq < low.size() && low[eq] == ' ') ++eq;
    if (!starts || eq >= low.size() || low[eq] != '=') {
      pos += key.size();
      continue;
    }
    size_t begin = eq + 1;
    while (begin < header.size() && header[begin] == ' ') ++begin;
    if (begin < header.size() && header[begin] == '"') {
      const size_t end = header.find('"', begin + 1);
      return header.substr(begin + 1,
                           end == std::string::npos ? std::string::npos : end - begin - 1);
    }
    const size_t end = header.find_first_of("; \t", begin);
    return header.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
  }
  return "";
}

std::string decode_quoted_printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  const auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '=') {
      out.push_back(s[i]);
    } else if (i + 1 < s.size() && (s[i + 1] == '\n' || s[i + 1] == '\r')) {
      // Soft line break.
      i += (s[i + 1] == '\r' && i + 2 < s.size() && s[i + 2] == '\n') ? 2 : 1;
    } else if (i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
      i += 2;
    } else {
      out.push_back('=');
    }
  }
  return out;
}

std::string decode_base64(std::string_view s) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (const char c : s) {
    int v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '+')
      v = 62;
    else if (c == '/')
      v = 63;
    else if (c == '=')
      break;
    else
      continue;  // line breaks and stray characters
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

// The bodies between "--boundary" lines, up to "--boundary--".
std::vector<std::string_view> split_multipart(std::string_view body, const std::string& boundary) {
  std::vector<std::string_view> parts;
  const std::string delimiter = "--" + boundary;
  size_t pos = 0;
  size_t part_start = std::string_view::npos;
  while (pos < body.size()) {
    size_t eol = body.find('\n', pos);
    if (eol == std::string_view::npos) eol = body.size();
    std::string_view line = body.substr(pos, eol - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.starts_with(delimiter)) {
      if (part_start != std::string_view::npos)
        parts.push_back(body.substr(part_start, pos - part_start));
      if (line.substr(delimiter.size()).starts_with("--")) return parts;
      part_start = std::min(body.size(), eol + 1);
    }
    pos = eol + 1;
  }
  if (part_start != std::string_view::npos) parts.push_back(body.substr(part_start));
  return parts;
}

// Mail that declares itself plain text (or declares nothing) but is markup: spam often is.
// Three or more common tags decide it; a mail that only mentions "<br>" keeps its words.
bool looks_like_html(std::string_view text) {
  const std::string low = lower(text);
  int tags = 0;
  for (const char* tag : {"<html", "<body", "<br", "<p>", "</p>", "</td>", "</tr>", "</font>",
                          "</a>", "<table", "</div>"}) {
    for (size_t pos = low.find(tag); pos != std::string::npos && tags < 3;
         pos = low.find(tag, pos + 1)) {
      ++tags;
    }
  }
  return tags >= 3;
}

void append_part_text(const Part& part, int depth, std::string& out) {
  const auto get = [&](const char* name) {
    const auto it = part.headers.find(name);
    return it == part.headers.end() ? std::string() : it->second;
  };
  const std::string content_type = get("content-type");
  const std::string type = lower(content_type.substr(0, content_type.find(';')));
  if (type.starts_with("multipart/") && depth < 8) {
    const std::string boundary = header_parameter(content_type, "boundary");
    if (!boundary.empty()) {
      std::vector<Part> parts;
      for (const auto body : split_multipart(part.body, boundary))
        parts.push_back(split_headers(body));
      // multipart/alternative carries one text several ways: keep the plainest.
      if (type == "multipart/alternative" && !parts.empty()) {
        const auto plain = std::find_if(parts.begin(), parts.end(), [](const Part& p) {
          const auto it = p.headers.find("content-type");
          return it == p.headers.end() || lower(it->second).starts_with("text/plain");
        });
        append_part_text(plain != parts.end() ? *plain : parts.front(), depth + 1, out);
      } else {
        for (const Part& p : parts) append_part_text(p, depth + 1, out);
      }
      return;
    }
  }
  // Parts without a type are text/plain (RFC 2045 §5.2); non-text parts are attachments.
  if (!type.empty() && !type.starts_with("text/") && !type.starts_with("multipart/") &&
      !type.starts_with("message/")) {
    return;
  }
  const std::string encoding = lower(get("content-transfer-encoding"));
  std::string text;
  if (encoding.find("quoted-printable") != std::string::npos) {
    text = decode_quoted_printable(part.body);
  } else if (encoding.find("base64") != std::string::npos) {
    text = decode_base64(part.body);
  } else {
    text = std::string(part.body);
  }
  const bool html = type == "text/html" || looks_like_html(text);
  if (!out.empty()) out.push_back('\n');
  out += html ? html_to_text(text) : text;
}

std::string decode_entity(std::string_view name) {
  static const std::map<std::string, std::string, std::less<>> kEntities = {
      {"amp", "&"},
      {"lt", "<"},
      {"gt", ">"},
      {"quot", "\""},
      {"apos", "'"},
      {"nbsp", " "},
      {"copy", "\xC2\xA9"},
      {"reg", "\xC2\xAE"},
      {"trade", "\xE2\x84\xA2"},
      {"mdash", "\xE2\x80\x94"},
      {"ndash", "\xE2\x80\x93"},
      {"hellip", "\xE2\x80\xA6"}};
  if (name.size() > 1 && name[0] == '#') {
    uint32_t cp = 0;
    const bool hex_form = name[1] == 'x' || name[1] == 'X';
    for (size_t i = hex_form ? 2 : 1; i < name.size(); ++i) {
      const char c = name[i];
      const int d = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                    : hex_form && std::isxdigit(static_cast<unsigned char>(c))
                        ? std::tolower(static_cast<unsigned char>(c)) - 'a' + 10
                        : -1;
      if (d < 0 || cp > 0x10FFFF) return "";
      cp = cp * (hex_form ? 16 : 10) + static_cast<uint32_t>(d);
    }
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return "";
    std::string out;
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
    return out;
  }
  const auto it = kEntities.find(lower(name));
  if (it != kEntities.end()) return it->second;
  std::string unknown(1, '&');  // kept as written
  unknown.append(name);
  unknown.push_back(';');
  return unknown;
}

}  // namespace

std::string html_to_text(std::string_view html) {
  std::string out;
  out.reserve(html.size());
  const std::string low = lower(html);
  size_t i = 0;
  while (i < html.size()) {
    const char c = html[i];
    if (c == '<') {
      if (low.compare(i, 4, "<!--") == 0) {
        const size_t end = low.find("-->", i + 4);
        i = end == std::string::npos ? html.size() : end + 3;
        continue;
      }
      for (const std::string_view skipped : {"script", "style"}) {
        if (low.compare(i + 1, skipped.size(), skipped) == 0) {
          std::string close("</");
          close.append(skipped);
          const size_t end = low.find(close, i);
          i = end == std::string::npos ? html.size() : end;
          break;
        }
      }
      const size_t end = html.find('>', i);
      if (end == std::string_view::npos) break;  // a cut-off tag at the end
      const std::string tag = low.substr(i + 1, std::min<size_t>(end - i - 1, 4));
      for (const char* block : {"br", "p", "/p", "div", "/div", "tr", "li", "h1", "h2", "h3"}) {
        if (tag.starts_with(block) &&
            (tag.size() == std::string(block).size() ||
             !std::isalpha(static_cast<unsigned char>(tag[std::string(block).size()])))) {
          out.push_back('\n');
          break;
        }
      }
      out.push_back(' ');
      i = end + 1;
    } else if (c == '&') {
      const size_t end = html.find(';', i);
      if (end != std::string_view::npos && end - i <= 10) {
        out += decode_entity(html.substr(i + 1, end - i - 1));
        i = end + 1;
      } else {
        out.push_back('&');
        ++i;
      }
    } else {
      out.push_back(c);
      ++i;
    }
  }
  return out;
}

std::string mail_body_text(std::string_view raw_mail) {
  std::string out;
  append_part_text(split_headers(raw_mail), 0, out);
  return out;
}

}  // namespace fitformer::data
