// runtime::predict_text against the dense engine (model/) as the reference: a classifier's
// probabilities are the softmax of the engine's logits on the scorer's rows, and its top label
// is the scorer's prediction; a language model's continuation is, step by step, the argmax of
// the engine's last-position logits; an HPF folder predicts as the engine does on its masked
// weights; int8 runs the fixed-point path (close to fp32, not equal).
#include "runtime/predict.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "common/temp_dir.h"
#include "core/error.h"
#include "model/bert_classifier.h"
#include "model/causal_lm.h"
#include "model/evaluate.h"
#include "runtime_cases.h"

namespace fitformer::runtime {
namespace {

using testing::small_config;

// A vocab.txt of exactly `size` tokens: BERT's specials, some words, then fillers, so that
// every id the model can emit has a piece.
std::string vocab_text(int size) {
  const char* words[] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the",   "cat",
                         "dog",   "sat",   "ran",   "free",  "money",  "hello", "world"};
  std::string text;
  int n = 0;
  for (const char* w : words) text += std::string(w) + "\n", ++n;
  for (; n < size; ++n) text += "w" + std::to_string(n) + "\n";
  return text;
}

const char* kTexts[] = {"the cat sat", "free money now", "hello world", "dog ran the cat sat free",
                        "w20 w21 cat"};

std::vector<double> softmax_reference(std::span<const float> logits) {
  double top = logits[0];
  for (float v : logits) top = std::max(top, double(v));
  std::vector<double> p;
  double sum = 0;
  for (float v : logits) sum += p.emplace_back(std::exp(double(v) - top));
  for (double& v : p) v /= sum;
  return p;
}

// The fp32 prediction model of `folder` (inside dir), after giving it a vocab.txt.
PredictionModel load_with_vocab(const fitformer::testing::TempDir& dir,
                                const std::filesystem::path& folder,
                                const io::ModelConfig& config) {
  dir.write(std::filesystem::relative(folder / "vocab.txt", dir.path()).string(),
            vocab_text(config.vocab_size));
  return load_prediction_model(folder, format::Precision::kFp32);
}

model::TokenBatch batch_of(const model::EncodedRows& rows) {
  model::TokenBatch b;
  b.batch_size = 1;
  b.seq_len = rows.seq_len;
  b.token_ids = rows.ids;
  b.lengths = {rows.lengths[0]};
  return b;
}

TEST(PredictText, ClassifierProbabilitiesAreTheEnginesSoftmaxAndTopIsTheScorersLabel) {
  const fitformer::testing::TempDir dir;
  io::ModelConfig config = small_config(io::ModelFamily::kBertClassifier);  // 3 labels
  config.label_names = {"ham", "spam", "other"};
  // Dense and HP-pruned folders; the engine reads the masked (decoded) weights of the latter.
  const auto folders = testing::make_folders(dir.path(), config, testing::hp(0.75), 11);
  for (const auto& [folder, reference] :
       {std::pair{folders.dense, folders.dense}, std::pair{folders.pruned, folders.masked}}) {
    const PredictionModel m = load_with_vocab(dir, folder, config);
    const model::BertClassifier engine = model::load_bert_classifier(reference);
    for (const char* text : kTexts) {
      const TextPrediction p = predict_text(m, text, {});
      data::Example example;
      example.text = text;
      example.label = 0;
      const model::EncodedRows rows =
          model::encode_classification(std::span(&example, 1), *m.tokenizer, 64);
      const model::Tensor logits =
          model::bert_classifier_forward(engine, batch_of(rows), model::RunConfig{});
      const std::vector<double> want = softmax_reference(logits.data);
      ASSERT_EQ(p.labels.size(), 3u) << text;
      double sum = 0;
      for (size_t i = 0; i < p.labels.size(); ++i) {
        const LabelProbability& l = p.labels[i];
        EXPECT_NEAR(l.probability, want[static_cast<size_t>(l.id)], 1e-5) << folder << text;
        EXPECT_EQ(l.label, config.label_names[static_cast<size_t>(l.id)]);
        if (i > 0) {
          EXPECT_GE(p.labels[i - 1].probability, l.probability);
        }
        sum += l.probability;
      }
      EXPECT_NEAR(sum, 1.0, 1e-9);
      const auto scored = model::predict_classes(engine, rows, 1, model::RunConfig{});
      EXPECT_EQ(p.labels.front().id, scored.at(0)) << folder << " " << text;
      EXPECT_EQ(p.input_tokens, rows.lengths[0]);
      EXPECT_TRUE(p.continuation.empty());
    }
  }
}

TEST(PredictText, LanguageModelContinuesWithTheEnginesArgmaxStepByStep) {
  const fitformer::testing::TempDir dir;
  const io::ModelConfig config = small_config(io::ModelFamily::kCausalLm);  // 64 positions
  const auto folders = testing::make_folders(dir.path(), config, testing::hp(0.5), 12);
  for (const auto& [folder, reference] :
       {std::pair{folders.dense, folders.dense}, std::pair{folders.pruned, folders.masked}}) {
    const PredictionModel m = load_with_vocab(dir, folder, config);
    const model::CausalLm engine = model::load_causal_lm(reference);
    PredictOptions options;
    options.max_new_tokens = 6;
    const TextPrediction p = predict_text(m, "the cat sat", options);
    ASSERT_EQ(p.continuation.size(), 6u);  // WordPiece has no eos: never stops early
    std::vector<int32_t> ids = m.tokenizer->encode("the cat sat");
    EXPECT_EQ(p.input_tokens, static_cast<int64_t>(ids.size()));
    std::vector<int32_t> generated;
    for (const NextToken& t : p.continuation) {
      model::TokenBatch batch;
      batch.batch_size = 1;
      batch.seq_len = static_cast<int64_t>(ids.size());
      batch.token_ids = ids;
      const model::Tensor logits = model::causal_lm_forward(engine, batch, model::RunConfig{});
      const auto vocab = static_cast<size_t>(config.vocab_size);
      const std::span<const float> last(logits.data.data() + (ids.size() - 1) * vocab, vocab);
      const std::vector<double> want = softmax_reference(last);
      const auto best =
          static_cast<int32_t>(std::max_element(want.begin(), want.end()) - want.begin());
      EXPECT_EQ(t.id, best) << folder;
      EXPECT_NEAR(t.probability, want[static_cast<size_t>(best)], 1e-5);
      EXPECT_EQ(t.piece, m.tokenizer->piece(best));
      ids.push_back(t.id);
      generated.push_back(t.id);
    }
    EXPECT_EQ(p.continuation_text, m.tokenizer->decode(generated));
  }
}

TEST(PredictText, FixedPointIsCloseToFp32AndTheWindowIsRespected) {
  const fitformer::testing::TempDir dir;
  const io::ModelConfig config = small_config(io::ModelFamily::kBertClassifier);
  const auto folders = testing::make_folders(dir.path(), config, testing::hp(0.5), 13);
  dir.write("dense/vocab.txt", vocab_text(config.vocab_size));
  const PredictionModel fp32 = load_prediction_model(folders.dense, format::Precision::kFp32);
  const PredictionModel int8 = load_prediction_model(folders.dense, format::Precision::kInt8);
  double differs = 0;
  for (const char* text : kTexts) {
    const TextPrediction a = predict_text(fp32, text, {});
    const TextPrediction b = predict_text(int8, text, {});
    for (const LabelProbability& la : a.labels)
      for (const LabelProbability& lb : b.labels)
        if (la.id == lb.id) {
          EXPECT_NEAR(la.probability, lb.probability, 0.05) << text;
          differs += std::fabs(la.probability - lb.probability);
        }
  }
  EXPECT_GT(differs, 0);  // int8 ran the fixed-point path, not fp32
  // 100 words: truncated to the 64-position window.
  std::string long_text;
  for (int i = 0; i < 100; ++i) long_text += "cat ";
  const TextPrediction t = predict_text(fp32, long_text, {});
  EXPECT_TRUE(t.truncated);
  EXPECT_EQ(t.input_tokens, 64);
  EXPECT_FALSE(predict_text(fp32, "cat", {}).truncated);
}

TEST(PredictText, BadInputsNameTheirField) {
  const fitformer::testing::TempDir dir;
  const io::ModelConfig config = small_config(io::ModelFamily::kCausalLm);
  model::write_model_folder(dir.path() / "lm", config, testing::random_weights(config, 14));
  EXPECT_THROW(load_prediction_model(dir.path() / "lm", format::Precision::kFp32),
               Error);  // no tokenizer
  dir.write("lm/vocab.txt", vocab_text(config.vocab_size));
  const PredictionModel m = load_prediction_model(dir.path() / "lm", format::Precision::kFp32);
  try {
    predict_text(m, "   ", {});
    ADD_FAILURE() << "no error for a text without tokens";
  } catch (const Error& e) {
    EXPECT_EQ(e.field(), "text");
  }
  PredictOptions zero;
  zero.max_new_tokens = 0;
  EXPECT_THROW(predict_text(m, "cat", zero), Error);
}

}  // namespace
}  // namespace fitformer::runtime
