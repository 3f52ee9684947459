// BERT WordPiece for imported models: reproduces HuggingFace's BertTokenizer (BasicTokenizer
// then WordpieceTokenizer) so a checkpoint sees the same ids it was trained with.
#include <algorithm>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/files.h"
#include "data/tokenizer.h"
#include "data/unicode.h"

namespace fitformer::data {
namespace {

// BertTokenizer's max_input_chars_per_word: longer words become [UNK] whole.
constexpr size_t kMaxInputCharsPerWord = 100;

// BasicTokenizer._is_whitespace: tab, newline and return count as spaces, not controls.
bool is_bert_whitespace(char32_t c) {
  return c == U' ' || c == U'\t' || c == U'\n' || c == U'\r' || unicode_category(c) == "Zs";
}

// BasicTokenizer._is_control: every category C* (Cc, Cf, Cn, Co, Cs) except the spaces above.
bool is_bert_control(char32_t c) {
  if (c == U'\t' || c == U'\n' || c == U'\r') return false;
  return unicode_category(c).front() == 'C';
}

// BasicTokenizer._is_punctuation: all non-alphanumeric ASCII (so "$", "^" and "`" count even
// though Unicode files them as symbols) plus every category P*.
bool is_bert_punctuation(char32_t c) {
  if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
      (c >= 123 && c <= 126)) {
    return true;
  }
  return unicode_category(c).front() == 'P';
}

// BasicTokenizer._is_chinese_char: the CJK Unified Ideographs blocks and their extensions
// and compatibility blocks; Hangul, kana and CJK punctuation are not in them on purpose.
bool is_cjk_ideograph(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
         (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

// Python's str.isspace, which whitespace_tokenize's str.split() uses: besides what cleaning
// has already turned into ' ', it also splits on the line and paragraph separators.
bool is_python_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0x2028 ||
         c == 0x2029 || unicode_category(c) == "Zs";
}

std::vector<std::u32string> split_whitespace(std::u32string_view text) {
  std::vector<std::u32string> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_python_space(text[i])) ++i;
    const size_t start = i;
    while (i < text.size() && !is_python_space(text[i])) ++i;
    if (i > start) words.emplace_back(text.substr(start, i - start));
  }
  return words;
}

// BasicTokenizer._clean_text and _tokenize_chinese_chars in one pass: drop NUL, U+FFFD and
// controls, map whitespace to ' ', and put spaces around each CJK ideograph.
std::u32string clean_text(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (const char32_t c : text) {
    if (c == 0 || c == 0xFFFD || is_bert_control(c)) continue;
    if (is_bert_whitespace(c)) {
      out.push_back(U' ');
    } else if (is_cjk_ideograph(c)) {
      out.push_back(U' ');
      out.push_back(c);
      out.push_back(U' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// BasicTokenizer._run_strip_accents: NFD, then drop the nonspacing marks.
std::u32string strip_accents(std::u32string_view word) {
  std::u32string out;
  for (const char32_t c : normalize_nfd(word)) {
    if (unicode_category(c) != "Mn") out.push_back(c);
  }
  return out;
}

// BasicTokenizer._run_split_on_punc: each punctuation character becomes its own token.
void split_on_punctuation(std::u32string_view word, std::vector<std::u32string>& out) {
  bool start_new = true;
  for (const char32_t c : word) {
    if (is_bert_punctuation(c)) {
      out.emplace_back(1, c);
      start_new = true;
    } else {
      if (start_new) out.emplace_back();
      out.back().push_back(c);
      start_new = false;
    }
  }
}

// BasicTokenizer.tokenize (transformers >= 4.28, which adds the NFC step).
std::vector<std::u32string> basic_tokenize(std::string_view text, bool lower_case) {
  const std::u32string normalized = normalize_nfc(clean_text(decode_utf8(text)));
  std::vector<std::u32string> tokens;
  for (std::u32string& word : split_whitespace(normalized)) {
    if (lower_case) word = strip_accents(to_lower(word));
    split_on_punctuation(word, tokens);
  }
  // Lower-casing and accent stripping can leave empty or space-holding tokens; the final
  // whitespace_tokenize of " ".join(tokens) drops and splits them.
  std::vector<std::u32string> words;
  for (const std::u32string& token : tokens) {
    for (std::u32string& w : split_whitespace(token)) words.push_back(std::move(w));
  }
  return words;
}

// Python's str.replace: every non-overlapping occurrence, left to right.
std::string replace_all(std::string_view text, std::string_view from, std::string_view to) {
  std::string out;
  size_t pos = 0;
  for (size_t hit; (hit = text.find(from, pos)) != std::string_view::npos;
       pos = hit + from.size()) {
    out.append(text.substr(pos, hit - pos)).append(to);
  }
  out.append(text.substr(pos));
  return out;
}

// Heterogeneous lookup, so candidate pieces can be looked up as string_views.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using Vocab = std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>>;

class WordPieceTokenizer final : public Tokenizer {
 public:
  WordPieceTokenizer(std::string file, std::vector<std::string> pieces, Vocab vocab,
                     SpecialTokens special, bool lower_case)
      : file_(std::move(file)),
        pieces_(std::move(pieces)),
        vocab_(std::move(vocab)),
        special_(special),
        lower_case_(lower_case) {
    for (const int32_t id : {special_.pad, special_.unk, special_.cls, special_.sep, special_.mask})
      if (id >= 0) special_pieces_.push_back(pieces_[static_cast<size_t>(id)]);
  }

  // Like PreTrainedTokenizer.tokenize: special tokens written in the text are kept whole,
  // the text between them goes through basic and wordpiece tokenization.
  std::vector<int32_t> encode(std::string_view text) const override {
    std::vector<int32_t> ids;
    while (!text.empty()) {
      size_t at = text.size(), length = 0;
      for (const std::string& s : special_pieces_) {
        const size_t found = text.find(s);
        if (found != std::string_view::npos && (found < at || (found == at && s.size() > length))) {
          at = found;
          length = s.size();
        }
      }
      for (const std::u32string& word : basic_tokenize(text.substr(0, at), lower_case_))
        encode_word(word, ids);
      if (at == text.size()) break;
      ids.push_back(vocab_.find(text.substr(at, length))->second);
      text.remove_prefix(at + length);
    }
    return ids;
  }

  // PreTrainedTokenizer.decode with skip_special_tokens and clean_up_tokenization_spaces:
  // pieces joined by spaces, then " ##" removed, so a leading continuation keeps its "##".
  std::string decode(std::span<const int32_t> ids) const override {
    std::string joined;
    for (const int32_t id : ids) {
      const std::string& p = pieces_[checked(id)];
      if (is_special(id)) continue;
      if (!joined.empty()) joined.push_back(' ');
      joined += p;
    }
    return clean_up_spaces(replace_all(joined, " ##", ""));
  }

  int32_t vocab_size() const override { return static_cast<int32_t>(pieces_.size()); }
  SpecialTokens special_tokens() const override { return special_; }
  std::string piece(int32_t id) const override { return pieces_[checked(id)]; }
  std::string source() const override { return file_; }

 private:
  size_t checked(int32_t id) const {
    if (id < 0 || id >= vocab_size()) {
      throw Error(file_, "token id", "an id in [0, " + std::to_string(vocab_size()) + ")",
                  std::to_string(id));
    }
    return static_cast<size_t>(id);
  }

  bool is_special(int32_t id) const {
    return id == special_.pad || id == special_.unk || id == special_.cls || id == special_.sep ||
           id == special_.mask;
  }

  // WordpieceTokenizer.tokenize for one word: greedy longest match first, continuation
  // pieces prefixed "##"; a word that cannot be covered becomes one [UNK].
  void encode_word(std::u32string_view word, std::vector<int32_t>& ids) const {
    if (word.size() > kMaxInputCharsPerWord) {
      ids.push_back(special_.unk);
      return;
    }
    // Byte offset of each character, so candidates are substrings of one UTF-8 string.
    std::string bytes;
    std::vector<size_t> offsets;
    for (const char32_t c : word) {
      offsets.push_back(bytes.size());
      append_utf8(bytes, c);
    }
    offsets.push_back(bytes.size());

    const size_t first = ids.size();
    std::string candidate;
    for (size_t start = 0; start < word.size();) {
      int32_t found = -1;
      size_t end = word.size();
      for (; end > start; --end) {
        candidate.assign(start > 0 ? "##" : "");
        candidate.append(bytes, offsets[start], offsets[end] - offsets[start]);
        const auto it = vocab_.find(candidate);
        if (it != vocab_.end()) {
          found = it->second;
          break;
        }
      }
      if (found < 0) {
        ids.resize(first);
        ids.push_back(special_.unk);
        return;
      }
      ids.push_back(found);
      start = end;
    }
  }

  // PreTrainedTokenizer.clean_up_tokenization: undo the spaces put before punctuation and
  // English contractions.
  static std::string clean_up_spaces(std::string text) {
    static const std::pair<std::string_view, std::string_view> kRules[] = {
        {" .", "."},     {" ?", "?"},   {" !", "!"},   {" ,", ","},     {" ' ", "'"},
        {" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
    for (const auto& [from, to] : kRules) text = replace_all(text, from, to);
    return text;
  }

  std::string file_;  // the vocab.txt, for errors
  std::vector<std::string> pieces_;
  Vocab vocab_;
  SpecialTokens special_;
  bool lower_case_;
  std::vector<std::string> special_pieces_;
};

int32_t find_id(const Vocab& vocab, std::string_view piece) {
  const auto it = vocab.find(piece);
  return it == vocab.end() ? -1 : it->second;
}

}  // namespace

std::unique_ptr<Tokenizer> load_wordpiece(const std::filesystem::path& vocab_file,
                                          bool lower_case) {
  return parse_wordpiece(read_file(vocab_file), vocab_file.string(), lower_case);
}

std::unique_ptr<Tokenizer> parse_wordpiece(std::string_view bytes, const std::string& file,
                                           bool lower_case) {
  std::vector<std::string> pieces;
  Vocab vocab;
  // Python's text mode, which load_vocab reads with, ends a line at "\n", "\r\n" or "\r".
  size_t pos = 0;
  while (pos < bytes.size()) {
    const size_t end = std::min(bytes.find_first_of("\r\n", pos), bytes.size());
    const std::string line(bytes.substr(pos, end - pos));
    pos = end + (bytes.compare(end, 2, "\r\n") == 0 ? 2 : 1);
    const std::string where = "line " + std::to_string(pieces.size() + 1);
    if (line.empty()) throw Error(file, where, "a token", "an empty line");
    if (!is_valid_utf8(line)) throw Error(file, where, "UTF-8 text", "invalid bytes");
    const auto [it, inserted] = vocab.emplace(line, static_cast<int32_t>(pieces.size()));
    if (!inserted) {
      throw Error(file, where, "a token not seen before",
                  "\"" + line + "\", already on line " + std::to_string(it->second + 1));
    }
    pieces.push_back(line);
  }
  if (pieces.empty()) throw Error(file, "", "one token per line", "an empty file");

  SpecialTokens special;
  special.pad = find_id(vocab, "[PAD]");
  special.unk = find_id(vocab, "[UNK]");
  special.cls = find_id(vocab, "[CLS]");
  special.sep = find_id(vocab, "[SEP]");
  special.mask = find_id(vocab, "[MASK]");
  if (special.unk < 0) throw Error(file, "", "a [UNK] token", "none");
  return std::make_unique<WordPieceTokenizer>(file, std::move(pieces), std::move(vocab), special,
                                              lower_case);
}

}  // namespace fitformer::data
