// WordPiece against hand-checked BertTokenizer outputs on a small vocab.txt written here.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/files.h"
#include "data/tokenizer.h"

namespace fitformer::data {
namespace {

namespace fs = std::filesystem;

// The classic examples of the BERT README and HuggingFace's tests, plus pieces for the
// Unicode cases below.
const std::vector<std::string> kVocab = {
    "[PAD]",  "[UNK]",     "[CLS]",    "[SEP]",      "[MASK]", "want", "##want",
    "##ed",   "wa",        "un",       "runn",       "##ing",  ",",    "low",
    "lowest", "hello",     "world",    "!",          "?",      "how",  "are",
    "you",    "##aff",     "##able",   "\u535A",     "\u63A8", "ah",   "zz",
    "HeLLo",  "Are",       "yoU",      "H\u00E9llo", "a",      "##a",  "\u03BF\u03B4\u03BF\u03C2",
    "\u03C3", "\u0142odz", "angstrom", "istanbul",   "$",      "5",    "\u2014",
    "."};

class WordPieceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("wordpiece_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    std::string text;
    for (const std::string& token : kVocab) text += token + "\n";
    write_file_atomic(dir_ / "vocab.txt", text);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Pieces of text's ids, so failures print readable tokens.
  std::vector<std::string> tokens(std::string_view text, bool lower_case = true) {
    const auto tokenizer = load_wordpiece(dir_ / "vocab.txt", lower_case);
    std::vector<std::string> out;
    for (const int32_t id : tokenizer->encode(text)) out.push_back(tokenizer->piece(id));
    return out;
  }

  // The message of the Error that loading `contents` as a vocab throws.
  std::string load_error(const std::string& contents) {
    const fs::path file = dir_ / "bad_vocab.txt";
    write_file_atomic(file, contents);
    try {
      load_wordpiece(file);
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
      return e.what();
    }
    ADD_FAILURE() << "no Error for " << contents;
    return {};
  }

  fs::path dir_;
};

using Tokens = std::vector<std::string>;

TEST_F(WordPieceTest, SpecialTokensAndVocab) {
  const auto tokenizer = load_wordpiece(dir_ / "vocab.txt");
  EXPECT_EQ(tokenizer->vocab_size(), static_cast<int32_t>(kVocab.size()));
  const SpecialTokens s = tokenizer->special_tokens();
  EXPECT_EQ(s.pad, 0);
  EXPECT_EQ(s.unk, 1);
  EXPECT_EQ(s.cls, 2);
  EXPECT_EQ(s.sep, 3);
  EXPECT_EQ(s.mask, 4);
  EXPECT_EQ(s.bos, -1);
  EXPECT_EQ(s.eos, -1);
  EXPECT_EQ(tokenizer->piece(5), "want");
  EXPECT_THROW(tokenizer->piece(static_cast<int32_t>(kVocab.size())), Error);
}

TEST_F(WordPieceTest, ContinuationPieces) {
  EXPECT_EQ(tokens("unwanted running"), (Tokens{"un", "##want", "##ed", "runn", "##ing"}));
  EXPECT_EQ(tokens("unaffable"), (Tokens{"un", "##aff", "##able"}));
  EXPECT_EQ(tokens("lowest low"), (Tokens{"lowest", "low"}));
}

TEST_F(WordPieceTest, UncoverableWordIsOneUnknown) {
  EXPECT_EQ(tokens("unwantedX running"), (Tokens{"[UNK]", "runn", "##ing"}));
  EXPECT_EQ(tokens("xyz"), (Tokens{"[UNK]"}));
}

TEST_F(WordPieceTest, WordsOver100CharactersAreUnknown) {
  const Tokens hundred = tokens(std::string(100, 'a'));
  ASSERT_EQ(hundred.size(), 100u);
  EXPECT_EQ(hundred.front(), "a");
  EXPECT_EQ(hundred.back(), "##a");
  EXPECT_EQ(tokens(std::string(101, 'a')), (Tokens{"[UNK]"}));
  // The limit counts characters, not bytes: 100 two-byte letters are still coverable.
  std::string accented;
  for (int i = 0; i < 100; ++i) accented += "\u00E1";  // á strips to a
  EXPECT_EQ(tokens(accented).size(), 100u);
}

TEST_F(WordPieceTest, PunctuationSplits) {
  EXPECT_EQ(tokens("hello,world!"), (Tokens{"hello", ",", "world", "!"}));
  EXPECT_EQ(tokens(" \tHeLLo!how  \n Are yoU?  "),
            (Tokens{"hello", "!", "how", "are", "you", "?"}));
  // ASCII symbols count as punctuation; Unicode P* too (em dash), but not Unicode S* (euro).
  EXPECT_EQ(tokens("$5"), (Tokens{"$", "5"}));
  EXPECT_EQ(tokens("hello\u2014world"), (Tokens{"hello", "\u2014", "world"}));
  EXPECT_EQ(tokens("5\u20AC"), (Tokens{"[UNK]"}));
}

TEST_F(WordPieceTest, CasedKeepsCaseAndAccents) {
  EXPECT_EQ(tokens(" \tHeLLo!how  \n Are yoU?  ", false),
            (Tokens{"HeLLo", "!", "how", "Are", "yoU", "?"}));
  EXPECT_EQ(tokens("H\u00E9llo", false), (Tokens{"H\u00E9llo"}));
  // NFC composes e + combining acute into the vocab's precomposed é.
  EXPECT_EQ(tokens("He\u0301llo", false), (Tokens{"H\u00E9llo"}));
  EXPECT_EQ(tokens("hello", false), (Tokens{"hello"}));
  EXPECT_EQ(tokens("Hello", false), (Tokens{"[UNK]"}));
}

TEST_F(WordPieceTest, LowerCaseStripsAccents) {
  EXPECT_EQ(tokens("H\u00E9llo"), (Tokens{"hello"}));
  EXPECT_EQ(tokens("HE\u0301LLO"), (Tokens{"hello"}));
  // Ł has no decomposition, so it only lowers; ó and ź lose their marks.
  EXPECT_EQ(tokens("\u0141\u00F3d\u017A"), (Tokens{"\u0142odz"}));
  EXPECT_EQ(tokens("\u00C5ngstr\u00F6m"), (Tokens{"angstrom"}));
  // Python lowers İ to i + combining dot, which accent stripping removes.
  EXPECT_EQ(tokens("\u0130stanbul"), (Tokens{"istanbul"}));
  // Capital sigma lowers to final sigma at a word's end only.
  EXPECT_EQ(tokens("\u039F\u0394\u039F\u03A3"), (Tokens{"\u03BF\u03B4\u03BF\u03C2"}));
  EXPECT_EQ(tokens("\u03A3"), (Tokens{"\u03C3"}));
}

TEST_F(WordPieceTest, ChineseCharactersSplitOnePerToken) {
  EXPECT_EQ(tokens("ah\u535A\u63A8zz"), (Tokens{"ah", "\u535A", "\u63A8", "zz"}));
}

TEST_F(WordPieceTest, ControlCharactersAndWhitespace) {
  using namespace std::string_literals;
  EXPECT_EQ(tokens("hel\0lo"s), (Tokens{"hello"}));
  EXPECT_EQ(tokens("\x01hel\u200Blo\x7F\uFFFD"), (Tokens{"hello"}));  // Cc, Cf, U+FFFD
  EXPECT_EQ(tokens("hello\u00A0world\u3000how\u2028are\r\nyou"),
            (Tokens{"hello", "world", "how", "are", "you"}));
  EXPECT_EQ(tokens("hel\xFFlo"), (Tokens{"hello"}));  // invalid UTF-8 dropped like U+FFFD
  EXPECT_TRUE(tokens(" \t\n ").empty());
}

TEST_F(WordPieceTest, SpecialTokensInTextStayWhole) {
  EXPECT_EQ(tokens("[CLS] hello [SEP]"), (Tokens{"[CLS]", "hello", "[SEP]"}));
  EXPECT_EQ(tokens("hello[MASK]world"), (Tokens{"hello", "[MASK]", "world"}));
}

TEST_F(WordPieceTest, DecodeJoinsPiecesAndDropsSpecials) {
  const auto tokenizer = load_wordpiece(dir_ / "vocab.txt");
  const std::vector<int32_t> ids = tokenizer->encode("[CLS] unwanted running, hello! [SEP]");
  EXPECT_EQ(tokenizer->decode(ids), "unwanted running, hello!");
  EXPECT_THROW(tokenizer->decode(std::vector<int32_t>{-1}), Error);
}

TEST_F(WordPieceTest, MissingVocabFileNamesIt) {
  try {
    load_wordpiece(dir_ / "absent.txt");
    FAIL() << "no Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("absent.txt"), std::string::npos) << e.what();
  }
}

TEST_F(WordPieceTest, BadVocabFilesNameTheLine) {
  EXPECT_NE(load_error("").find("empty file"), std::string::npos);
  EXPECT_NE(load_error("[UNK]\nhello\n\nworld\n").find("line 3"), std::string::npos);
  const std::string duplicate = load_error("[UNK]\nhello\nworld\nhello\n");
  EXPECT_NE(duplicate.find("line 4"), std::string::npos) << duplicate;
  EXPECT_NE(duplicate.find("line 2"), std::string::npos) << duplicate;
  EXPECT_NE(load_error("hello\nworld\n").find("[UNK]"), std::string::npos);
  EXPECT_NE(load_error("[UNK]\nhel\xFFlo\n").find("line 2"), std::string::npos);
}

TEST_F(WordPieceTest, WindowsLineEndsAreOneLineBreak) {
  const fs::path file = dir_ / "crlf.txt";
  write_file_atomic(file, "[PAD]\r\n[UNK]\r\nhello\r\n");
  const auto tokenizer = load_wordpiece(file);
  EXPECT_EQ(tokenizer->vocab_size(), 3);
  EXPECT_EQ(tokenizer->encode("Hello"), (std::vector<int32_t>{2}));
}

}  // namespace
}  // namespace fitformer::data
