// A Hugging Face folder's tokenizer files: casing from tokenizer_config.json or tokenizer.json,
// the WordPiece vocabulary inside tokenizer.json, and one-line errors for what we cannot read.
// Expected tokens are BertTokenizer's on these strings (cased keeps "Hello" and "Café";
// uncased lowers and strips the accent), worked out by hand.
#include "data/folder_tokenizer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/error_of.h"
#include "common/temp_dir.h"

namespace fitformer::data {
namespace {

using Tokens = std::vector<std::string>;

const std::vector<std::string> kVocab = {"[PAD]", "[UNK]",     "[CLS]", "[SEP]", "[MASK]", "Hello",
                                         "hello", "Caf\u00E9", "cafe",  "World", "world",  "!"};
constexpr const char* kText = "Hello Caf\u00E9 World!";
const Tokens kCased = {"Hello", "Caf\u00E9", "World", "!"};
const Tokens kUncased = {"hello", "cafe", "world", "!"};

std::string vocab_txt() {
  std::string text;
  for (const std::string& t : kVocab) text += t + "\n";
  return text;
}

// tokenizer.json of a fast BertTokenizer with kVocab, listed in reverse order (the ids, not
// the order in the file, give the vocabulary).
std::string tokenizer_json(const std::string& lowercase,
                           const std::string& model_type = "WordPiece") {
  std::string vocab;
  for (size_t i = kVocab.size(); i-- > 0;)
    vocab += "\"" + kVocab[i] + "\": " + std::to_string(i) + (i > 0 ? ", " : "");
  return R"({"version": "1.0", "normalizer": {"type": "BertNormalizer", "clean_text": true,
    "handle_chinese_chars": true, "strip_accents": null, "lowercase": )" +
         lowercase + R"(}, "pre_tokenizer": {"type": "BertPreTokenizer"},
    "model": {"type": ")" +
         model_type +
         R"(", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
    "max_input_chars_per_word": 100, "vocab": {)" +
         vocab + "}}}";
}

Tokens tokens_of(const Tokenizer& tokenizer, std::string_view text) {
  Tokens out;
  for (const int32_t id : tokenizer.encode(text)) out.push_back(tokenizer.piece(id));
  return out;
}

Tokens folder_tokens(const testing::TempDir& dir, std::optional<bool> config_lower_case = {}) {
  return tokens_of(*open_folder_tokenizer(dir.path(), config_lower_case), kText);
}

TEST(FolderTokenizer, VocabAloneLowerCasesAsBertTokenizerDoes) {
  testing::TempDir dir;
  dir.write("vocab.txt", vocab_txt());
  EXPECT_EQ(folder_tokens(dir), kUncased);
}

TEST(FolderTokenizer, TokenizerConfigKeepsACasedModelCased) {
  testing::TempDir dir;
  dir.write("vocab.txt", vocab_txt());
  dir.write("tokenizer_config.json", R"({"do_lower_case": false, "model_max_length": 512,
      "tokenizer_class": "BertTokenizer", "cls_token": "[CLS]", "strip_accents": null})");
  EXPECT_EQ(folder_tokens(dir), kCased);
  dir.write("tokenizer_config.json", R"({"do_lower_case": true})");
  EXPECT_EQ(folder_tokens(dir), kUncased);
}

TEST(FolderTokenizer, TokenizerJsonGivesVocabularyAndCasing) {
  testing::TempDir dir;
  dir.write("tokenizer.json", tokenizer_json("false"));
  const auto tokenizer = open_folder_tokenizer(dir.path(), std::nullopt);
  ASSERT_EQ(tokenizer->vocab_size(), static_cast<int32_t>(kVocab.size()));
  for (size_t i = 0; i < kVocab.size(); ++i)
    EXPECT_EQ(tokenizer->piece(static_cast<int32_t>(i)), kVocab[i]) << "id " << i;
  EXPECT_EQ(tokenizer->special_tokens().unk, 1);
  EXPECT_EQ(tokens_of(*tokenizer, kText), kCased);
  dir.write("tokenizer.json", tokenizer_json("true"));
  EXPECT_EQ(folder_tokens(dir), kUncased);
  // transformers lets tokenizer_config.json's do_lower_case override the normalizer.
  dir.write("tokenizer_config.json", R"({"do_lower_case": false})");
  EXPECT_EQ(folder_tokens(dir), kCased);
}

TEST(FolderTokenizer, ConfigCasingMustAgreeWithTheTokenizerFiles) {
  testing::TempDir dir;
  dir.write("vocab.txt", vocab_txt());
  EXPECT_EQ(folder_tokens(dir, false), kCased);  // config.json alone decides
  dir.write("tokenizer_config.json", R"({"do_lower_case": true})");
  const std::string error = testing::error_of([&] { open_folder_tokenizer(dir.path(), false); });
  EXPECT_NE(error.find("tokenizer_config.json"), std::string::npos) << error;
  EXPECT_NE(error.find("do_lower_case"), std::string::npos) << error;
}

TEST(FolderTokenizer, SettingsWeCannotFollowAreRefusedByName) {
  const auto error_with = [&](const std::string& name, const std::string& text) {
    testing::TempDir d;
    d.write("vocab.txt", vocab_txt());
    d.write(name, text);
    return testing::error_of([&] { open_folder_tokenizer(d.path(), std::nullopt); });
  };
  struct Case {
    std::string file, text, field;
  };
  const Case cases[] = {
      {"tokenizer_config.json", R"({"tokenizer_class": "RobertaTokenizer"})", "tokenizer_class"},
      {"tokenizer_config.json", R"({"do_lower_case": false, "strip_accents": true})",
       "strip_accents"},
      {"tokenizer_config.json", R"({"do_lower_case": "no"})", "do_lower_case"},
      {"tokenizer_config.json", R"({"tokenize_chinese_chars": false})", "tokenize_chinese_chars"},
      {"tokenizer_config.json", "[1]", "a JSON object"},
      {"tokenizer.json", tokenizer_json("true", "BPE"), "model.type"},
      {"tokenizer.json", R"({"model": {"type": "WordPiece", "vocab": {"a": 0, "[UNK]": 0}}})",
       "each once"},
      {"tokenizer.json", R"({"model": {"type": "WordPiece", "vocab": {"[UNK]": 0}},
          "normalizer": {"type": "Sequence"}})",
       "normalizer.type"},
  };
  for (const Case& c : cases) {
    const std::string error = error_with(c.file, c.text);
    EXPECT_NE(error.find(c.file), std::string::npos) << error;
    EXPECT_NE(error.find(c.field), std::string::npos) << c.field << ": " << error;
  }
  testing::TempDir empty;
  const std::string none =
      testing::error_of([&] { open_folder_tokenizer(empty.path(), std::nullopt); });
  EXPECT_NE(none.find("tokenizer.json"), std::string::npos) << none;
}

}  // namespace
}  // namespace fitformer::data
