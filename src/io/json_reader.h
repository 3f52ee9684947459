// JSON from files fitformer did not write (safetensors headers, config.json, data rows, the
// spam file list) parsed one way: nesting depth capped, repeated keys refused, NUL bytes
// refused, and values quoted in errors by a short description, never dumped whole.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace fitformer::io {

// Deepest nesting accepted: enough for any file fitformer reads (a safetensors header nests
// 3 deep, config.json 2), far below what would exhaust the stack of a recursive consumer.
inline constexpr int kMaxJsonDepth = 64;

// Parses `text`. Throws Error(file, field, "valid JSON", why) for a syntax error or a NUL
// byte (nlohmann would stop reading there and ignore the rest), Error(file, field + "...",
// ...) for nesting deeper than kMaxJsonDepth, and Error(file, "<path>.<key>", "each key
// once", "it repeated") for a key repeated inside one object (the parser would keep the
// last and hide the first). `field` is the part of the file the text is ("header", "line 3";
// may be empty).
nlohmann::json parse_json(std::string_view text, const std::string& file,
                          const std::string& field = "");

// A value for "found ..." in errors: a scalar as JSON, cut to a few dozen characters; an
// array or object by its size. Never recursive, so any value is safe to describe.
std::string describe_json(const nlohmann::json& value);

}  // namespace fitformer::io
