// Tokenizers turn text into ids for the models. Two kinds: SentencePiece, trained on a
// task's train split (cached), and BERT WordPiece from a vocab.txt, for imported models.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/progress.h"

namespace fitformer::data {

// Ids of the special tokens; -1 where the vocabulary has none.
struct SpecialTokens {
  int32_t pad = -1, unk = -1, bos = -1, eos = -1, cls = -1, sep = -1, mask = -1;
};

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  // Ids of the text's tokens, without any special tokens added.
  virtual std::vector<int32_t> encode(std::string_view text) const = 0;
  // Readable text for ids (special tokens dropped).
  virtual std::string decode(std::span<const int32_t> ids) const = 0;
  virtual int32_t vocab_size() const = 0;
  virtual SpecialTokens special_tokens() const = 0;
  // The token string of one id (for reports and tests).
  virtual std::string piece(int32_t id) const = 0;
  // The file the vocabulary was read from, for errors about it ("" when built in memory).
  virtual std::string source() const { return {}; }
};

// SentencePiece unigram model trained on `texts` with `vocab_size` pieces, with
// pad=0, unk=1, bos=2, eos=3 and the control symbols [CLS], [SEP], [MASK] after them.
// The model file is cached under cache_dir/tokenizers/<hash of texts, size, options>.model:
// a second call with the same inputs loads it instead of training. Returns the model path.
std::filesystem::path train_sentencepiece(std::span<const std::string> texts, int vocab_size,
                                          const std::filesystem::path& cache_dir,
                                          Progress* progress);

// Loads a SentencePiece .model file; throws Error naming the file if it is not one.
std::unique_ptr<Tokenizer> load_sentencepiece(const std::filesystem::path& model_file);

// BERT WordPiece from a vocab.txt (one token per line, id = line number): basic
// tokenization (clean control chars, split CJK ideographs, optional lower-casing with
// accent stripping, punctuation split), then greedy longest-match-first with "##"
// continuations; [UNK] for a word that cannot be covered or is over 100 characters.
std::unique_ptr<Tokenizer> load_wordpiece(const std::filesystem::path& vocab_file,
                                          bool lower_case = true);

// The same from the text of a vocab.txt; `file` names it in errors. For tests and fuzzing.
std::unique_ptr<Tokenizer> parse_wordpiece(std::string_view vocab_text, const std::string& file,
                                           bool lower_case = true);

}  // namespace fitformer::data
