// SentencePiece training, caching and loading on small corpora built here with a fixed seed.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/files.h"
#include "core/random.h"
#include "data/tokenizer.h"

namespace fitformer::data {
namespace {

namespace fs = std::filesystem;

// Room for the 7 special pieces, the 256 byte pieces and about 140 learned ones.
constexpr int kVocabSize = 400;

// Sentences of made-up words from a fixed syllable set, so the corpus has real subword
// structure to learn and is the same on every run.
std::vector<std::string> generated_corpus(uint64_t seed, int sentences) {
  static const char* const kSyllables[] = {"ka",  "lo", "mi", "ne", "tor", "ush", "pre",
                                           "ing", "ed", "st", "ri", "qua", "ve",  "el"};
  constexpr size_t kCount = sizeof(kSyllables) / sizeof(kSyllables[0]);
  Rng rng(seed);
  std::vector<std::string> texts;
  for (int s = 0; s < sentences; ++s) {
    std::string line;
    const uint64_t words = 4 + rng.below(10);
    for (uint64_t w = 0; w < words; ++w) {
      if (w > 0) line += ' ';
      const uint64_t syllables = 1 + rng.below(3);
      for (uint64_t k = 0; k < syllables; ++k) line += kSyllables[rng.below(kCount)];
    }
    texts.push_back(line + ".");
  }
  return texts;
}

const std::vector<std::string> kProse = {
    "Fellow citizens of the Senate and House of Representatives: I am happy to report that "
    "the state of the Union is strong.",
    "The progress of public credit is witnessed by a considerable rise of American stock "
    "abroad as well as at home.\nThe revenues have been productive beyond the calculations.",
    "We must keep our promises, defend our liberty, and build a more perfect union for "
    "the generations to come.",
};

class SentencePieceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("sentencepiece_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    corpus_ = generated_corpus(42, 400);
    corpus_.insert(corpus_.end(), kProse.begin(), kProse.end());
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  std::vector<std::string> corpus_;
};

TEST_F(SentencePieceTest, SpecialIdsAndPieces) {
  const auto tokenizer =
      load_sentencepiece(train_sentencepiece(corpus_, kVocabSize, dir_, nullptr));
  EXPECT_EQ(tokenizer->vocab_size(), kVocabSize);
  const SpecialTokens s = tokenizer->special_tokens();
  EXPECT_EQ(s.pad, 0);
  EXPECT_EQ(s.unk, 1);
  EXPECT_EQ(s.bos, 2);
  EXPECT_EQ(s.eos, 3);
  EXPECT_EQ(s.cls, 4);
  EXPECT_EQ(s.sep, 5);
  EXPECT_EQ(s.mask, 6);
  const std::vector<std::string> expected = {"<pad>", "<unk>", "<s>",   "</s>",
                                             "[CLS]", "[SEP]", "[MASK]"};
  for (int32_t id = 0; id < 7; ++id) EXPECT_EQ(tokenizer->piece(id), expected[id]);
  // Byte pieces follow the specials.
  EXPECT_EQ(tokenizer->piece(7), "<0x00>");
  EXPECT_EQ(tokenizer->piece(262), "<0xFF>");
  EXPECT_THROW(tokenizer->piece(kVocabSize), Error);
  EXPECT_THROW(tokenizer->decode(std::vector<int32_t>{kVocabSize}), Error);
}

TEST_F(SentencePieceTest, RoundTripGivesNormalizedText) {
  const auto tokenizer =
      load_sentencepiece(train_sentencepiece(corpus_, kVocabSize, dir_, nullptr));
  // Texts already in normal form come back byte for byte.
  for (const std::string& text :
       {corpus_[0], corpus_[7], std::string("the state of the Union is strong."),
        std::string("kalo mitor ushpre quave.")}) {
    const std::vector<int32_t> ids = tokenizer->encode(text);
    EXPECT_LT(ids.size(), text.size()) << text;  // pieces longer than characters were learned
    for (const int32_t id : ids) EXPECT_NE(id, 1) << text;  // no <unk>
    EXPECT_EQ(tokenizer->decode(ids), text);
  }
  // A character the corpus never had comes back through its byte pieces.
  const std::vector<int32_t> cafe = tokenizer->encode("caf\u00E9");
  EXPECT_EQ(tokenizer->piece(cafe.back()), "<0xA9>");
  EXPECT_EQ(tokenizer->decode(cafe), "caf\u00E9");
  // nmt_nfkc trims and collapses spaces and maps compatibility characters (ﬁ to fi).
  EXPECT_EQ(tokenizer->decode(tokenizer->encode("  the   state\tof ")), "the state of");
  EXPECT_EQ(tokenizer->decode(tokenizer->encode("\uFB01re")), "fire");
  // Special ids decode to nothing.
  std::vector<int32_t> ids = tokenizer->encode("the Union");
  ids.insert(ids.begin(), {2, 4});
  ids.insert(ids.end(), {5, 3, 0});
  EXPECT_EQ(tokenizer->decode(ids), "the Union");
}

TEST_F(SentencePieceTest, SameInputsGiveTheSameModel) {
  const fs::path first = train_sentencepiece(corpus_, kVocabSize, dir_ / "a", nullptr);
  const fs::path second = train_sentencepiece(corpus_, kVocabSize, dir_ / "b", nullptr);
  EXPECT_EQ(first.filename(), second.filename());
  EXPECT_EQ(first.parent_path(), dir_ / "a" / "tokenizers");
  EXPECT_EQ(read_file(first), read_file(second));
  // A different size or corpus is a different cache entry.
  EXPECT_NE(train_sentencepiece(corpus_, kVocabSize + 1, dir_ / "a", nullptr), first);
  std::vector<std::string> other = corpus_;
  other.back() += " And one more sentence.";
  EXPECT_NE(train_sentencepiece(other, kVocabSize, dir_ / "a", nullptr), first);
}

TEST_F(SentencePieceTest, SecondCallReusesTheCachedFile) {
  const fs::path model = train_sentencepiece(corpus_, kVocabSize, dir_, nullptr);
  // Overwrite the cached model: a retraining call would put a model back.
  write_file_atomic(model, "not a model");
  EXPECT_EQ(train_sentencepiece(corpus_, kVocabSize, dir_, nullptr), model);
  EXPECT_EQ(read_file(model), "not a model");
}

TEST_F(SentencePieceTest, LongLinesAreSplitNotDropped) {
  // One 100 kB line: the trainer drops lines over 4192 bytes, so without splitting there
  // would be nothing to train on.
  std::string line;
  for (const std::string& sentence : generated_corpus(7, 1500)) line += sentence + " ";
  ASSERT_GT(line.size(), 50000u);
  const std::vector<std::string> texts = {line};
  const auto tokenizer = load_sentencepiece(train_sentencepiece(texts, 320, dir_, nullptr));
  EXPECT_EQ(tokenizer->vocab_size(), 320);
  const std::string sample = generated_corpus(7, 1).front();
  EXPECT_EQ(tokenizer->decode(tokenizer->encode(sample)), sample);
}

// Issue 14: SentencePiece's own message (source file, failed check) becomes one that names
// vocab_size and the size this text needs.
TEST_F(SentencePieceTest, AVocabularyTooSmallForTheTextNamesTheSizeNeeded) {
  try {
    train_sentencepiece(corpus_, 10, dir_, nullptr);
    ADD_FAILURE() << "vocab_size 10 trained";
  } catch (const Error& e) {
    EXPECT_EQ(e.field(), "vocab_size");
    EXPECT_EQ(e.found(), "10");
    EXPECT_EQ(e.expected().rfind("at least ", 0), 0u) << e.what();
    const int needed = std::stoi(e.expected().substr(9));
    EXPECT_GT(needed, 10) << e.what();
    EXPECT_EQ(std::string(e.what()).find(".cc("), std::string::npos) << e.what();
  }
}

TEST_F(SentencePieceTest, AVocabularyTooLargeForTheTextNamesTheLargestThatWorks) {
  const std::vector<std::string> texts(20, "the union is strong and will grow.");
  try {
    train_sentencepiece(texts, 300, dir_, nullptr);
    ADD_FAILURE() << "vocab_size 300 trained on 8 words";
  } catch (const Error& e) {
    EXPECT_EQ(e.field(), "vocab_size");
    EXPECT_EQ(e.found(), "300");
    EXPECT_EQ(e.expected().rfind("at most ", 0), 0u) << e.what();
    const int most = std::stoi(e.expected().substr(8));
    EXPECT_LT(most, 300) << e.what();
    // The size named trains.
    EXPECT_NO_THROW(train_sentencepiece(texts, most, dir_, nullptr)) << e.what();
  }
}

TEST_F(SentencePieceTest, BadInputsThrow) {
  EXPECT_THROW(train_sentencepiece(std::vector<std::string>{" ", "\n"}, 100, dir_, nullptr), Error);
  // Far more pieces than the corpus has.
  EXPECT_THROW(train_sentencepiece(kProse, 50000, dir_, nullptr), Error);

  const fs::path corrupt = dir_ / "corrupt.model";
  write_file_atomic(corrupt, std::string("\x0a\x05garbage\xff\xff"));
  try {
    load_sentencepiece(corrupt);
    FAIL() << "no Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("corrupt.model"), std::string::npos) << e.what();
  }
  const fs::path empty = dir_ / "empty.model";
  write_file_atomic(empty, "");
  EXPECT_THROW(load_sentencepiece(empty), Error);
  EXPECT_THROW(load_sentencepiece(dir_ / "absent.model"), Error);
}

}  // namespace
}  // namespace fitformer::data
