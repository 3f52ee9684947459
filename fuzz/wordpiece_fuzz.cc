// Harness: BERT WordPiece on arbitrary bytes. Even first byte: the rest is text, encoded with
// a fixed vocabulary and decoded back; odd: the rest is a vocab.txt, loaded and used.
#include "data/tokenizer.h"
#include "fuzz_check.h"

using namespace fitformer;

namespace {

// Special tokens, letters with "##" continuations, and a few words, accents and CJK.
std::string fixed_vocab() {
  std::string v = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n";
  for (char c = 'a'; c <= 'z'; ++c) v += std::string(1, c) + "\n##" + std::string(1, c) + "\n";
  for (const char* w : {"the", "##ing", "##ed", "un", "want", "hello", "world", ",", ".", "!", "?",
                        "'", "$", "5", "h\u00e9llo", "\u535a", "\u63a8", "##est"})
    v += std::string(w) + "\n";
  return v;
}

void exercise(const data::Tokenizer& t, std::string_view text) {
  const std::vector<int32_t> ids = t.encode(text);
  for (int32_t id : ids) fuzz::require(id >= 0 && id < t.vocab_size(), "id within vocabulary");
  (void)t.decode(ids);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const auto fixed = data::parse_wordpiece(fixed_vocab(), "fuzz/fixed-vocab.txt");
  const std::string_view rest = fuzz::as_text(data + 1, size - 1);
  if (data[0] % 2 == 0) {
    exercise(*fixed, rest);
    return 0;
  }
  try {
    const auto t = data::parse_wordpiece(rest, "fuzz/vocab.txt", (data[0] & 2) != 0);
    exercise(*t, "Hello, world! Unwanted h\u00e9llo \u535a\u63a8 [CLS] x [SEP]");
    exercise(*t, rest.substr(0, 256));
  } catch (const Error& e) {
    fuzz::check_error(e);
  }
  return 0;
}
