// A byte-level tokenizer for the training tests: tiny, exact and independent of SentencePiece,
// so the tests exercise the trainer and not a tokenizer's training.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "data/tokenizer.h"

namespace fitformer::testing {

// Ids 0..6 are pad, unk, bos, eos, [CLS], [SEP], [MASK]; byte b is id 7 + b.
class CharTokenizer : public data::Tokenizer {
 public:
  std::vector<int32_t> encode(std::string_view text) const override {
    std::vector<int32_t> ids;
    for (unsigned char c : text) ids.push_back(kFirstByte + c);
    return ids;
  }
  std::string decode(std::span<const int32_t> ids) const override {
    std::string text;
    for (int32_t id : ids)
      if (id >= kFirstByte) text.push_back(static_cast<char>(id - kFirstByte));
    return text;
  }
  int32_t vocab_size() const override { return kFirstByte + 256; }
  data::SpecialTokens special_tokens() const override { return {0, 1, 2, 3, 4, 5, 6}; }
  std::string piece(int32_t id) const override { return decode(std::span(&id, 1)); }

 private:
  static constexpr int32_t kFirstByte = 7;
};

}  // namespace fitformer::testing
