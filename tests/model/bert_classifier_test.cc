// The BERT classifier forward against the naive reference, over batch sizes, lengths,
// segments and thread counts; HuggingFace naming variants; loading errors.
#include "model/bert_classifier.h"

#include <gtest/gtest.h>

#include "common/temp_dir.h"
#include "core/error.h"
#include "engine_cases.h"
#include "naive_reference.h"

namespace fitformer::model {
namespace {

using fitformer::testing::TempDir;
using testing::expect_close;
using testing::nan_filled;
using testing::random_batch;
using testing::row_ids;

io::ModelConfig small_config() {
  io::ModelConfig c = io::default_model_config(io::ModelFamily::kBertClassifier);
  c.vocab_size = 61;
  c.hidden_size = 24;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 3;  // head_dim 8
  c.intermediate_size = 40;
  c.max_position_embeddings = 40;
  c.num_labels = 5;
  return c;
}

TEST(BertClassifier, MatchesNaiveReferenceWithPadding) {
  const io::ModelConfig config = small_config();
  const NamedTensors weights = random_tensors(bert_classifier_tensor_specs(config), 21);
  TempDir dir;
  write_model_folder(dir.path(), config, weights);
  const BertClassifier model = load_bert_classifier(dir.path());
  struct Case {
    int64_t batch, seq;
    int threads;
  };
  for (const Case& tc :
       std::vector<Case>{{1, 1, 1}, {1, 12, 2}, {3, 7, 1}, {5, 40, 2}, {16, 19, 2}}) {
    const TokenBatch batch = random_batch(tc.batch, tc.seq, config.vocab_size, 2, 7 + tc.batch);
    const int64_t labels = config.num_labels;
    std::vector<float> logits = nan_filled(static_cast<size_t>(tc.batch * labels));
    bert_classifier_forward(model, batch, RunConfig{tc.threads}, logits);
    for (int64_t b = 0; b < tc.batch; ++b) {
      const auto expected =
          naive::bert_classifier(config, weights, row_ids(batch.token_ids, batch, b),
                                 row_ids(batch.token_type_ids, batch, b));
      expect_close(std::span(logits).subspan(b * labels, labels), expected,
                   "batch " + std::to_string(tc.batch) + " seq " + std::to_string(tc.seq) +
                       " threads " + std::to_string(tc.threads) + " row " + std::to_string(b));
    }
  }
}

TEST(BertClassifier, ReluPoolerMatchesNaiveReference) {
  io::ModelConfig config = small_config();
  config.pooler_hidden_act = "relu";  // DistilBERT's pre_classifier
  const NamedTensors weights = random_tensors(bert_classifier_tensor_specs(config), 22);
  TempDir dir;
  write_model_folder(dir.path(), config, weights);
  const BertClassifier model = load_bert_classifier(dir.path());
  ASSERT_EQ(model.config.pooler_hidden_act, "relu");  // through config.json and back
  const TokenBatch batch = random_batch(4, 9, config.vocab_size, 2, 5);
  std::vector<float> logits = nan_filled(static_cast<size_t>(4 * config.num_labels));
  bert_classifier_forward(model, batch, RunConfig{1}, logits);
  io::ModelConfig tanh_config = config;
  tanh_config.pooler_hidden_act = "tanh";
  for (int64_t b = 0; b < 4; ++b) {
    const auto ids = row_ids(batch.token_ids, batch, b);
    const auto types = row_ids(batch.token_type_ids, batch, b);
    const auto expected = naive::bert_classifier(config, weights, ids, types);
    const auto span = std::span(logits).subspan(b * config.num_labels, config.num_labels);
    expect_close(span, expected, "relu row " + std::to_string(b));
    // The activation matters: the tanh head gives other logits.
    const auto other = naive::bert_classifier(tanh_config, weights, ids, types);
    double diff = 0;
    for (size_t i = 0; i < other.size(); ++i) diff += std::abs(other[i] - span[i]);
    EXPECT_GT(diff, 1e-3) << "row " << b;
  }
}

TEST(BertClassifier, MissingSegmentIdsMeanSegmentZero) {
  const io::ModelConfig config = small_config();
  TempDir dir;
  write_model_folder(dir.path(), config, random_tensors(bert_classifier_tensor_specs(config), 2));
  const BertClassifier model = load_bert_classifier(dir.path());
  TokenBatch batch = random_batch(3, 6, config.vocab_size, 1, 4);  // all segment 0
  const Tensor with_ids = bert_classifier_forward(model, batch, RunConfig{});
  batch.token_type_ids.clear();
  EXPECT_EQ(bert_classifier_forward(model, batch, RunConfig{}).data, with_ids.data);
  EXPECT_EQ(with_ids.shape, (std::vector<int64_t>{3, config.num_labels}));
}

TEST(BertClassifier, LoadsEncoderNamesWithoutBertPrefix) {
  const io::ModelConfig config = small_config();
  const NamedTensors weights = random_tensors(bert_classifier_tensor_specs(config), 3);
  NamedTensors bare;
  for (const auto& [name, t] : weights) bare[name.starts_with("bert.") ? name.substr(5) : name] = t;
  TempDir a, b;
  write_model_folder(a.path(), config, weights);
  write_model_folder(b.path(), config, bare);
  const TokenBatch batch = random_batch(2, 9, config.vocab_size, 2, 8);
  EXPECT_EQ(bert_classifier_forward(load_bert_classifier(a.path()), batch, RunConfig{1}).data,
            bert_classifier_forward(load_bert_classifier(b.path()), batch, RunConfig{1}).data);
}

TEST(BertClassifier, LoadErrorsNameFileAndTensor) {
  const io::ModelConfig config = small_config();
  for (const std::string missing : {"bert.encoder.layer.1.attention.self.key.bias",
                                    "bert.pooler.dense.weight", "classifier.weight"}) {
    NamedTensors weights = random_tensors(bert_classifier_tensor_specs(config), 1);
    weights.erase(missing);
    TempDir dir;
    write_model_folder(dir.path(), config, weights);
    try {
      load_bert_classifier(dir.path());
      ADD_FAILURE() << "loaded without " << missing;
    } catch (const Error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find((dir.path() / kWeightsFileName).string()), std::string::npos) << what;
      EXPECT_NE(what.find(missing), std::string::npos) << what;
    }
  }
}

TEST(BertClassifier, RejectsBadSegmentIds) {
  const io::ModelConfig config = small_config();
  TempDir dir;
  write_model_folder(dir.path(), config, random_tensors(bert_classifier_tensor_specs(config), 2));
  TokenBatch batch = random_batch(2, 6, config.vocab_size, 2, 4);
  batch.token_type_ids[0] = 2;
  EXPECT_THROW(bert_classifier_forward(load_bert_classifier(dir.path()), batch, RunConfig{}),
               Error);
}

}  // namespace
}  // namespace fitformer::model
