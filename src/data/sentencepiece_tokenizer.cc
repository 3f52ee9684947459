// SentencePiece for the built-in tasks: a unigram model trained on a task's train split,
// cached by content hash so every later run (and every stage) reuses the same vocabulary.
#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <algorithm>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/error.h"
#include "core/files.h"
#include "core/hash.h"
#include "data/tokenizer.h"

namespace fitformer::data {
namespace {

namespace fs = std::filesystem;

// Names every option that shapes the model; bump it when any of them changes so stale
// cached models are not reused.
constexpr std::string_view kOptionsVersion = "sentencepiece-unigram-v1";

// The trainer skips any sentence over max_sentence_length (4192 bytes by default) with only
// a log line, and a SOTU address is one line of up to 200 kB, so longer lines are cut first.
constexpr size_t kMaxSentenceBytes = 2048;

// The unigram trainer shards its E-step over num_threads and adds the shards' float
// expectations, so the model can depend on the thread count; a fixed count (not the
// machine's cores) keeps a cached model reproducible everywhere.
constexpr int kTrainThreads = 2;

// Unigram training with no sampling draws no random numbers, but the generator is global
// and seeded from the clock unless set, so it is pinned in case a step ever uses it.
constexpr uint32_t kSeed = 20240601;

bool is_blank(std::string_view s) {
  return s.find_first_not_of(" \t\r\f\v") == s.npos;
}

// Where to cut a line that is too long: at the last sentence end ('.', '?' or '!' before a
// space) in the window's second half, else at its last space, else before its last UTF-8
// character start. Always > 0, so the caller makes progress.
size_t cut_position(std::string_view window) {
  for (size_t i = window.size() - 1; i > window.size() / 2; --i) {
    const char prev = window[i - 1];
    if (window[i] == ' ' && (prev == '.' || prev == '?' || prev == '!')) return i;
  }
  const size_t space = window.rfind(' ');
  if (space != window.npos && space > 0) return space;
  size_t i = window.size() - 1;  // the window holds one byte past the limit
  while (i > 1 && (static_cast<unsigned char>(window[i]) & 0xC0) == 0x80) --i;
  return i;
}

// The trainer's input: the texts' lines, long ones cut into pieces of at most
// kMaxSentenceBytes; blank lines are skipped.
std::vector<std::string> split_sentences(std::span<const std::string> texts) {
  std::vector<std::string> sentences;
  for (const std::string& text : texts) {
    std::string_view rest = text;
    while (!rest.empty()) {
      const size_t eol = std::min(rest.find('\n'), rest.size());
      std::string_view line = rest.substr(0, eol);
      rest.remove_prefix(std::min(eol + 1, rest.size()));
      while (line.size() > kMaxSentenceBytes) {
        const size_t cut = cut_position(line.substr(0, kMaxSentenceBytes + 1));
        if (!is_blank(line.substr(0, cut))) sentences.emplace_back(line.substr(0, cut));
        line.remove_prefix(cut);
      }
      if (!is_blank(line)) sentences.emplace_back(line);
    }
  }
  return sentences;
}

// Feeds the trainer from memory, so no temporary corpus file is written.
class VectorIterator final : public sentencepiece::SentenceIterator {
 public:
  explicit VectorIterator(const std::vector<std::string>& sentences) : sentences_(sentences) {}
  bool done() const override { return next_ >= sentences_.size(); }
  void Next() override { ++next_; }
  const std::string& value() const override { return sentences_[next_]; }
  sentencepiece::util::Status status() const override { return {}; }

 private:
  const std::vector<std::string>& sentences_;
  size_t next_ = 0;
};

std::unordered_map<std::string, std::string> trainer_options(int vocab_size) {
  return {
      {"model_type", "unigram"},
      {"vocab_size", std::to_string(vocab_size)},
      {"pad_id", "0"},
      {"unk_id", "1"},
      {"bos_id", "2"},
      {"eos_id", "3"},
      {"control_symbols", "[CLS],[SEP],[MASK]"},
      // Characters rarer than this share (in SOTU: '!', 'X', '%', accented letters) get
      // no piece of their own; byte fallback spells them as UTF-8 byte pieces (ids 7-262),
      // so no text maps to <unk> and decoding is lossless. The default 0.9995 would also
      // drop 'Y', 'K', '?' and parentheses from SOTU.
      {"character_coverage", "0.99995"},
      {"byte_fallback", "true"},
      {"normalization_rule_name", "nmt_nfkc"},
      {"max_sentence_length", "4192"},
      // Every sentence, in the given order: sampling would need the random generator.
      {"input_sentence_size", "0"},
      {"shuffle_input_sentence", "false"},
      {"num_threads", std::to_string(kTrainThreads)},
      // Warnings and errors only: library code keeps stderr quiet.
      {"minloglevel", "1"},
  };
}

class SentencePieceTokenizer final : public Tokenizer {
 public:
  SentencePieceTokenizer(std::unique_ptr<sentencepiece::SentencePieceProcessor> processor,
                         std::string file)
      : processor_(std::move(processor)), file_(std::move(file)) {}

  std::vector<int32_t> encode(std::string_view text) const override {
    std::vector<int> ids;
    check(processor_->Encode(text, &ids), "encoding text");
    return {ids.begin(), ids.end()};
  }

  std::string decode(std::span<const int32_t> ids) const override {
    std::vector<int> checked_ids;
    checked_ids.reserve(ids.size());
    for (const int32_t id : ids) checked_ids.push_back(checked(id));
    std::string text;
    check(processor_->Decode(checked_ids, &text), "decoding ids");
    return text;
  }

  int32_t vocab_size() const override { return processor_->GetPieceSize(); }

  SpecialTokens special_tokens() const override {
    SpecialTokens s;
    s.pad = processor_->pad_id();
    s.unk = processor_->unk_id();
    s.bos = processor_->bos_id();
    s.eos = processor_->eos_id();
    s.cls = control_id("[CLS]");
    s.sep = control_id("[SEP]");
    s.mask = control_id("[MASK]");
    return s;
  }

  std::string piece(int32_t id) const override { return processor_->IdToPiece(checked(id)); }
  std::string source() const override { return file_; }

 private:
  int checked(int32_t id) const {
    if (id < 0 || id >= vocab_size()) {
      throw Error(file_, "token id", "an id in [0, " + std::to_string(vocab_size()) + ")",
                  std::to_string(id));
    }
    return id;
  }

  // PieceToId answers unk_id for a piece the model lacks.
  int32_t control_id(std::string_view piece) const {
    const int id = processor_->PieceToId(piece);
    return processor_->IdToPiece(id) == piece ? id : -1;
  }

  void check(const sentencepiece::util::Status& status, const std::string& what) const {
    if (!status.ok()) throw Error(file_, what, "success", status.ToString());
  }

  std::unique_ptr<sentencepiece::SentencePieceProcessor> processor_;
  std::string file_;
};

}  // namespace

namespace {

// SentencePiece's failure in fitformer's terms. Its messages carry the source location and
// the failed check ("./src/trainer_interface.cc(580) [(...) <= (...)] Vocabulary size is
// smaller than required_chars. 10 vs 978. Increase ..."): the two a user meets, a vocabulary
// smaller than the text's characters or larger than its pieces, name the size that works;
// the others keep their sentence.
Error training_error(const std::string& status, int vocab_size) {
  const std::string marker = "Vocabulary size is smaller than required_chars. ";
  if (const size_t at = status.find(marker); at != std::string::npos) {
    const std::string counts = status.substr(at + marker.size());
    const size_t vs = counts.find(" vs ");
    const std::string needed =
        vs == std::string::npos
            ? std::string("more")
            : counts.substr(vs + 4, counts.find_first_not_of("0123456789", vs + 4) - (vs + 4));
    return Error(
        "", "vocab_size",
        "at least " + needed + " for this text (its distinct characters and the special pieces)",
        std::to_string(vocab_size));
  }
  // "Vocabulary size too high (300). Please set it to a value <= 54."
  if (const size_t at = status.find("value <= ");
      at != std::string::npos && status.find("Vocabulary size too high") != std::string::npos) {
    const size_t from = at + 9;
    const std::string most =
        status.substr(from, status.find_first_not_of("0123456789", from) - from);
    return Error("", "vocab_size",
                 "at most " + most + " for this text (it has too few distinct pieces)",
                 std::to_string(vocab_size));
  }
  const size_t bracket = status.find("] ");
  return Error("", "SentencePiece training (vocab_size " + std::to_string(vocab_size) + ")",
               "success", bracket == std::string::npos ? status : status.substr(bracket + 2));
}

}  // namespace

fs::path train_sentencepiece(std::span<const std::string> texts, int vocab_size,
                             const fs::path& cache_dir, Progress* progress) {
  ContentHash hash;
  hash.add(kOptionsVersion).add(static_cast<int64_t>(vocab_size));
  hash.add(static_cast<int64_t>(texts.size()));
  for (const std::string& text : texts) hash.add(text);
  const fs::path model_file = cache_dir / "tokenizers" / (hash.hex() + ".model");
  // Writes are atomic, so an existing file is a complete model from an earlier run.
  if (fs::exists(model_file)) return model_file;

  const std::vector<std::string> sentences = split_sentences(texts);
  if (sentences.empty()) {
    throw Error("", "SentencePiece training texts", "some non-blank text", "none");
  }
  if (progress != nullptr) {
    progress->set_note("training SentencePiece on " + std::to_string(sentences.size()) +
                       " sentences");
  }
  sentencepiece::SetRandomGeneratorSeed(kSeed);
  VectorIterator iterator(sentences);
  std::string model;
  const auto status =
      sentencepiece::SentencePieceTrainer::Train(trainer_options(vocab_size), &iterator, &model);
  if (!status.ok()) throw training_error(status.ToString(), vocab_size);
  write_file_atomic(model_file, model);
  if (progress != nullptr) progress->set_note("SentencePiece model cached");
  return model_file;
}

std::unique_ptr<Tokenizer> load_sentencepiece(const fs::path& model_file) {
  const std::string bytes = read_file(model_file);
  auto processor = std::make_unique<sentencepiece::SentencePieceProcessor>();
  const auto status = processor->LoadFromSerializedProto(bytes);
  if (!status.ok()) {
    throw Error(model_file.string(), "", "a SentencePiece model", status.ToString());
  }
  return std::make_unique<SentencePieceTokenizer>(std::move(processor), model_file.string());
}

}  // namespace fitformer::data
