// runtime::score_model and the fixed-point forward pass: precision names and errors; the fp32
// score of a tiny random classifier equals the dense engine's metrics on the same rows; the LM
// metrics through the runtime's forward equal the dense engine's; fixed-point logits are
// finite on both families and int8's close to fp32; fixed-point scores do not depend on the
// batch size.
#include "runtime/score.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "common/temp_dir.h"
#include "core/error.h"
#include "data/user_data.h"
#include "model/engine_cases.h"
#include "model/evaluate.h"
#include "runtime/sparse_model.h"
#include "runtime_cases.h"

namespace fitformer::runtime {
namespace {

using testing::small_config;

// A random two-label classifier with a WordPiece vocabulary, and a TSV of rows it can read.
struct ClassifierFixture {
  fitformer::testing::TempDir dir;
  std::filesystem::path model_dir;
  io::DataSpec data;
  ClassifierFixture() {
    io::ModelConfig config = small_config(io::ModelFamily::kBertClassifier);
    config.num_labels = 2;
    model_dir = dir.path() / "model";
    model::write_model_folder(model_dir, config, testing::random_weights(config, 5));
    dir.write("model/vocab.txt",
              "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\ncat\ndog\nsat\nran\nfree\nmoney\nhello\n"
              "world\nnow\n");
    const char* words[] = {"the", "cat", "dog", "sat", "ran", "free", "money", "hello", "now"};
    std::string tsv = "text\tlabel\n";
    Rng rng(9);
    for (int i = 0; i < 120; ++i) {
      std::string text;
      for (uint64_t n = 1 + rng.below(12); n > 0; --n)
        text += std::string(words[rng.below(9)]) + " ";
      tsv += text + "\t" + (rng.below(3) == 0 ? "spam" : "ham") + "\n";
    }
    data.kind = "classification";
    data.path = dir.write("rows.tsv", tsv);
    data.format = "tsv";
    data.valid_fraction = 0.3;
    data.test_fraction = 0.3;
  }
};

TEST(Score, Fp32ClassifierEqualsDenseEngine) {
  const ClassifierFixture f;
  ScoreOptions options;
  options.split = "test";
  options.batch_size = 7;
  const ModelScore score = score_model(f.model_dir, f.data, "", options);

  const data::Dataset dataset = data::load_user_data(f.data);
  const auto tokenizer = open_model_tokenizer(f.model_dir);
  const model::BertClassifier bert = model::load_bert_classifier(f.model_dir);
  model::EncodedRows rows = model::encode_classification(dataset.test, *tokenizer, 64);
  const auto predicted = model::predict_classes(bert, rows, 5, model::RunConfig{});
  const auto m = model::classification_metrics(predicted, rows.labels, 2);
  const auto base = model::majority_baseline(
      [&] {
        std::vector<int32_t> labels;
        for (const auto& e : dataset.train) labels.push_back(e.label);
        return labels;
      }(),
      rows.labels, 2);

  EXPECT_EQ(score.split, "test");
  EXPECT_EQ(score.precision, Precision::kFp32);
  EXPECT_EQ(score.examples, static_cast<int64_t>(dataset.test.size()));
  EXPECT_EQ(score.predictions, static_cast<int64_t>(dataset.test.size()));
  EXPECT_EQ(score.metrics.at("acc"), m.accuracy);
  EXPECT_EQ(score.metrics.at("f1"), *m.positive_f1);
  EXPECT_EQ(score.metrics.at("macro_f1"), m.macro_f1);
  EXPECT_EQ(score.baseline.at("acc"), base.accuracy);
  EXPECT_EQ(score.baseline_kind, "majority class of train");
  EXPECT_GE(score.seconds, 0);
  // Accuracy's interval is Wilson's over the rows predicted right, counted here; F1 has none.
  int64_t right = 0;
  for (size_t i = 0; i < predicted.size(); ++i) right += predicted[i] == rows.labels[i];
  EXPECT_EQ(score.intervals.at("acc"),
            wilson_interval(right, static_cast<int64_t>(dataset.test.size())));
  EXPECT_EQ(score.intervals.count("f1"), 0u);

  // The fixed-point scores are finite, and the same whatever the batch size.
  for (const Precision p : {Precision::kInt16, Precision::kInt8}) {
    options.precision = p;
    options.batch_size = 1;
    const ModelScore one = score_model(f.model_dir, f.data, "", options);
    options.batch_size = 16;
    const ModelScore many = score_model(f.model_dir, f.data, "", options);
    EXPECT_EQ(one.metrics, many.metrics) << precision_name(p);
    for (const auto& [key, value] : one.metrics) EXPECT_TRUE(std::isfinite(value)) << key;
  }
  options.split = "train";
  EXPECT_THROW(score_model(f.model_dir, f.data, "", options), Error);
}

TEST(Score, RuntimeLmMetricsEqualDenseEngine) {
  const fitformer::testing::TempDir dir;
  const io::ModelConfig config = small_config(io::ModelFamily::kCausalLm);
  model::write_model_folder(dir.path() / "lm", config, testing::random_weights(config, 6));
  const model::CausalLm lm = model::load_causal_lm(dir.path() / "lm");
  const SparseModel sparse = load_sparse_model(dir.path() / "lm");
  Rng rng(3);
  std::vector<int32_t> stream(300);
  for (int32_t& id : stream) id = static_cast<int32_t>(rng.below(config.vocab_size));
  const model::RunConfig run{};
  const auto want = model::evaluate_language_model(lm, stream, 40, 3, run);
  const model::ForwardFn forward = [&](const model::TokenBatch& batch, std::span<float> out) {
    sparse_forward(sparse, batch, run, out);
  };
  const auto got = model::evaluate_language_model(forward, config, stream, 40, 3);
  EXPECT_EQ(got.perplexity, want.perplexity);
  EXPECT_EQ(got.accuracy, want.accuracy);
  EXPECT_EQ(got.tokens, want.tokens);

  // The per-window sums behind the intervals: each window scored on its own (its 40 inputs and
  // the next token) gives the same loss and hits, and the windows add up to the whole.
  ASSERT_EQ(got.window_nll.size(), 8u);  // 299 predicted tokens in windows of 40
  double nll = 0;
  int64_t tokens = 0;
  for (size_t w = 0; w < got.window_nll.size(); ++w) {
    const auto first = stream.begin() + static_cast<std::ptrdiff_t>(40 * w);
    const std::vector<int32_t> slice(first, std::min(first + 41, stream.end()));
    const auto alone = model::evaluate_language_model(lm, slice, 40, 1, run);
    EXPECT_EQ(got.window_tokens[w], alone.tokens) << w;
    EXPECT_NEAR(got.window_nll[w], alone.mean_nll * static_cast<double>(alone.tokens), 1e-9) << w;
    EXPECT_EQ(static_cast<double>(got.window_correct[w]),
              std::round(alone.accuracy * static_cast<double>(alone.tokens)))
        << w;
    nll += got.window_nll[w];
    tokens += got.window_tokens[w];
  }
  EXPECT_EQ(tokens, got.tokens);
  EXPECT_NEAR(nll / static_cast<double>(tokens), got.mean_nll, 1e-12);
}

// Mean |a - b| over the valid positions' logits.
double mean_abs_diff(std::span<const float> a, std::span<const float> b) {
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) sum += std::fabs(static_cast<double>(a[i]) - b[i]);
  return sum / static_cast<double>(a.size());
}

// int8 segments cannot saturate (Bc * 127^2 < 2^31), so int8 logits stay close to fp32. int16
// products reach 2^30 and rows of random weights often pass 2^31, which int16's 48-bit
// accumulator holds: int16 logits must be at least as close to fp32 as int8's.
TEST(Score, FixedPointLogitsFiniteAndClose) {
  for (const io::ModelFamily family :
       {io::ModelFamily::kCausalLm, io::ModelFamily::kBertClassifier}) {
    const fitformer::testing::TempDir dir;
    const io::ModelConfig config = small_config(family);
    // Pruned (HPF) and dense folders: both kinds of linear go through fixed point.
    const auto folders = testing::make_folders(dir.path(), config, testing::hp(0.75), 8);
    for (const auto& folder : {folders.dense, folders.pruned}) {
      const SparseModel fp32 = load_sparse_model(folder);
      model::TokenBatch batch =
          model::testing::random_batch(1, 20, config.vocab_size, testing::type_vocab(config), 4);
      const model::Tensor want = sparse_forward(fp32, batch, model::RunConfig{});
      const double magnitude = mean_abs_diff(want.data, std::vector<float>(want.data.size()));
      double int16_error = 0;
      for (const format::ValueType type : {format::ValueType::kI16, format::ValueType::kI8}) {
        SparseModel fixed = load_sparse_model(folder);
        convert_to_fixed_point(fixed, type);
        const model::Tensor got = sparse_forward(fixed, batch, model::RunConfig{});
        for (float v : got.data) ASSERT_TRUE(std::isfinite(v)) << folder;
        const double error = mean_abs_diff(got.data, want.data);
        EXPECT_GT(error, 0) << folder;
        EXPECT_LT(error, 0.05 * magnitude) << folder;
        if (type == format::ValueType::kI16) int16_error = error;
        if (type == format::ValueType::kI8) {
          EXPECT_LE(int16_error, error) << folder;
        }
      }
    }
  }
}

}  // namespace
}  // namespace fitformer::runtime
