// model/evaluate: metrics and baselines on hand-computed cases, the classification encoding,
// and the tokenized-task file that `fitformer train` hands to the trainer. (Kept with the
// training tests because those are its consumers; it needs no libtorch.)
#include "model/evaluate.h"

#include <gtest/gtest.h>

#include <cmath>

#include "common/temp_dir.h"
#include "core/error.h"
#include "train/char_tokenizer.h"

namespace fitformer::model {
namespace {

TEST(ClassificationMetrics, HandComputedCase) {
  // truth:     0 0 1 1 2
  // predicted: 0 1 1 1 0
  // label 0: tp 1 fp 1 fn 1 -> F1 0.5; label 1: tp 2 fp 1 fn 0 -> 0.8; label 2: tp 0 fn 1 -> 0.
  const std::vector<int32_t> truth = {0, 0, 1, 1, 2}, predicted = {0, 1, 1, 1, 0};
  const ClassificationMetrics m = classification_metrics(predicted, truth, 3);
  EXPECT_DOUBLE_EQ(m.accuracy, 0.6);
  EXPECT_NEAR(m.macro_f1, (0.5 + 0.8 + 0.0) / 3, 1e-12);
  EXPECT_FALSE(m.positive_f1.has_value());
  EXPECT_EQ(m.examples, 5);
}

TEST(ClassificationMetrics, BinaryReportsPositiveF1AndSkipsAbsentLabels) {
  const std::vector<int32_t> truth = {0, 0, 0, 1}, predicted = {0, 0, 1, 1};
  const ClassificationMetrics m = classification_metrics(predicted, truth, 2);
  ASSERT_TRUE(m.positive_f1.has_value());
  EXPECT_NEAR(*m.positive_f1, 2.0 / 3.0, 1e-12);  // tp 1, fp 1, fn 0
  // A 4-label problem where labels 2 and 3 never occur: macro F1 over labels 0 and 1 only.
  EXPECT_NEAR(classification_metrics(predicted, truth, 4).macro_f1, m.macro_f1, 1e-12);
  EXPECT_THROW(classification_metrics(std::vector<int32_t>{2}, std::vector<int32_t>{0}, 2), Error);
}

TEST(Baselines, MajorityClassOfTrain) {
  const std::vector<int32_t> train = {1, 1, 0}, truth = {0, 1, 1, 1};
  const ClassificationMetrics m = majority_baseline(train, truth, 2);
  EXPECT_DOUBLE_EQ(m.accuracy, 0.75);
}

TEST(Baselines, UnigramWithAddOneSmoothing) {
  // Vocabulary 4, train counts {0: 2, 1: 1}: p = (c + 1) / (3 + 4).
  const std::vector<int32_t> train = {0, 0, 1}, eval = {3, 0, 1, 2};
  const LmMetrics m = unigram_baseline(train, eval, 4);
  const double nll = -(std::log(3.0 / 7) + std::log(2.0 / 7) + std::log(1.0 / 7)) / 3;
  EXPECT_EQ(m.tokens, 3);
  EXPECT_NEAR(m.mean_nll, nll, 1e-12);
  EXPECT_NEAR(m.perplexity, std::exp(nll), 1e-9);
  EXPECT_NEAR(m.accuracy, 1.0 / 3, 1e-12);  // predicts 0 every time
}

TEST(EncodeClassification, ClsTextSepTruncatedAndPadded) {
  const testing::CharTokenizer tok;
  const std::vector<data::Example> examples = {{"abcdef", 1, ""}, {"x", 0, ""}};
  const EncodedRows rows = encode_classification(examples, tok, 5);
  ASSERT_EQ(rows.rows(), 2u);
  const int32_t a = tok.encode("a")[0], x = tok.encode("x")[0];
  EXPECT_EQ(rows.ids, (std::vector<int32_t>{4, a, a + 1, a + 2, 5, 4, x, 5, 0, 0}));
  EXPECT_EQ(rows.lengths, (std::vector<int32_t>{5, 3}));
  EXPECT_EQ(rows.labels, (std::vector<int32_t>{1, 0}));
}

TEST(TokenizedTask, FileRoundTrip) {
  const testing::CharTokenizer tok;
  data::Dataset cls;
  cls.kind = data::TaskKind::kClassification;
  cls.label_names = {"no", "yes"};
  cls.train = {{"hello", 1, ""}, {"hi", 0, ""}};
  cls.valid = {{"hey", 1, ""}};
  data::Dataset lm;
  lm.kind = data::TaskKind::kLanguageModel;
  lm.train = {{"one doc", -1, ""}, {"two", -1, ""}};
  lm.valid = {{"three", -1, ""}};
  testing::TempDir dir;
  for (const data::Dataset* d : {&cls, &lm}) {
    const TokenizedTask task = tokenize_task(*d, tok, 8);
    save_tokenized_task(task, dir.path() / "t.safetensors");
    const TokenizedTask back = load_tokenized_task(dir.path() / "t.safetensors");
    EXPECT_EQ(back.kind, task.kind);
    EXPECT_EQ(back.vocab_size, task.vocab_size);
    EXPECT_EQ(back.special.eos, 3);
    EXPECT_EQ(back.special.cls, 4);
    EXPECT_EQ(back.label_names, task.label_names);
    EXPECT_EQ(back.train_stream, task.train_stream);
    EXPECT_EQ(back.valid_stream, task.valid_stream);
    EXPECT_EQ(back.train_rows.ids, task.train_rows.ids);
    EXPECT_EQ(back.train_rows.seq_len, task.train_rows.seq_len);
    EXPECT_EQ(back.valid_rows.labels, task.valid_rows.labels);
  }
  // The LM stream puts eos after each document.
  const TokenizedTask t = tokenize_task(lm, tok, 8);
  EXPECT_EQ(t.train_stream.size(), std::string("one doc").size() + 1 + 3 + 1);
  EXPECT_EQ(t.train_stream.back(), 3);
}

}  // namespace
}  // namespace fitformer::model
