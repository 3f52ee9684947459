// Texts to predict on, from a JSON Lines file (`fitformer predict --input`): one object per
// line with a string under "text"; blank lines are skipped.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace fitformer::io {

// The "text" of every non-blank line, in order. Throws Error(file, "line N", ...) for a line
// that is not a JSON object with a string "text", and Error(file) for a file with no texts.
std::vector<std::string> parse_text_jsonl(std::string_view bytes, const std::string& file);

}  // namespace fitformer::io
