// The causal LM forward against the naive reference, over batch sizes, lengths, padding,
// activations and thread counts; and loading errors that name the file and the tensor.
#include "model/causal_lm.h"

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

io::ModelConfig small_config(const std::string& act = "relu") {
  io::ModelConfig c = io::default_model_config(io::ModelFamily::kCausalLm);
  c.vocab_size = 53;
  c.hidden_size = 32;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 4;
  c.intermediate_size = 48;
  c.max_position_embeddings = 64;
  c.hidden_act = act;
  return c;
}

struct Case {
  int64_t batch, seq;
  int threads;
  std::string act;
};

TEST(CausalLm, MatchesNaiveReferenceWithPadding) {
  const std::vector<Case> cases = {{1, 1, 1, "relu"}, {1, 9, 2, "relu"},  {3, 17, 1, "relu"},
                                   {4, 5, 2, "gelu"}, {8, 33, 2, "relu"}, {2, 64, 1, "gelu"}};
  for (const Case& tc : cases) {
    const io::ModelConfig config = small_config(tc.act);
    const NamedTensors weights = random_tensors(causal_lm_tensor_specs(config), 11);
    TempDir dir;
    write_model_folder(dir.path(), config, weights);
    const CausalLm model = load_causal_lm(dir.path());

    const TokenBatch batch = random_batch(tc.batch, tc.seq, config.vocab_size, 1, 100 + tc.seq);
    const int64_t v = config.vocab_size;
    std::vector<float> logits = nan_filled(static_cast<size_t>(tc.batch * tc.seq * v));
    causal_lm_forward(model, batch, RunConfig{tc.threads}, logits);

    for (int64_t b = 0; b < tc.batch; ++b) {
      const int64_t len = batch.lengths[b];
      const auto expected = naive::causal_lm(config, weights, row_ids(batch.token_ids, batch, b));
      const std::string where = "batch " + std::to_string(tc.batch) + " seq " +
                                std::to_string(tc.seq) + " " + tc.act + " threads " +
                                std::to_string(tc.threads) + " row " + std::to_string(b);
      expect_close(std::span(logits).subspan(b * tc.seq * v, len * v), expected, where);
      for (int64_t i = len * v; i < tc.seq * v; ++i) {
        ASSERT_TRUE(std::isfinite(logits[b * tc.seq * v + i])) << where << " padded " << i;
      }
    }
  }
}

TEST(CausalLm, TensorReturningForwardHasLogitShape) {
  const io::ModelConfig config = small_config();
  TempDir dir;
  write_model_folder(dir.path(), config, random_tensors(causal_lm_tensor_specs(config), 3));
  const Tensor logits = causal_lm_forward(load_causal_lm(dir.path()),
                                          random_batch(2, 7, config.vocab_size, 1, 5), RunConfig{});
  EXPECT_EQ(logits.shape, (std::vector<int64_t>{2, 7, config.vocab_size}));
}

TEST(CausalLm, SinusoidalPositionsMatchTheFormula) {
  const auto pe = sinusoidal_positions(50, 16);
  EXPECT_FLOAT_EQ(pe[0 * 16 + 0], 0.0f);
  EXPECT_FLOAT_EQ(pe[0 * 16 + 1], 1.0f);
  EXPECT_FLOAT_EQ(pe[7 * 16 + 0], static_cast<float>(std::sin(7.0)));
  EXPECT_FLOAT_EQ(pe[49 * 16 + 5],
                  static_cast<float>(std::cos(49.0 / std::pow(10000.0, 4.0 / 16))));
}

// Loads a folder whose weights were altered by `edit`; expects an Error naming the file and
// the tensor.
void expect_load_error(const std::function<void(NamedTensors&)>& edit, const std::string& tensor) {
  const io::ModelConfig config = small_config();
  NamedTensors weights = random_tensors(causal_lm_tensor_specs(config), 1);
  edit(weights);
  TempDir dir;
  write_model_folder(dir.path(), config, weights);
  try {
    load_causal_lm(dir.path());
    ADD_FAILURE() << "loaded despite " << tensor;
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find((dir.path() / kWeightsFileName).string()), std::string::npos) << what;
    EXPECT_NE(what.find(tensor), std::string::npos) << what;
  }
}

TEST(CausalLm, LoadErrorsNameFileAndTensor) {
  const std::string t = "transformer_encoder.layers.1.linear2.weight";
  expect_load_error([&](NamedTensors& w) { w.erase(t); }, t);
  expect_load_error([](NamedTensors& w) { w.erase("decoder.bias"); }, "decoder.bias");
  expect_load_error([&](NamedTensors& w) { w[t] = make_tensor({32, 47}); }, t);
}

TEST(CausalLm, RejectsWrongFamilyAndBadBatches) {
  io::ModelConfig bert = io::default_model_config(io::ModelFamily::kBertClassifier);
  bert.vocab_size = 10;
  TempDir dir;
  write_model_folder(dir.path(), bert, {});
  EXPECT_THROW(load_causal_lm(dir.path()), Error);
  EXPECT_THROW(load_causal_lm(dir.path() / "absent"), Error);

  const io::ModelConfig config = small_config();
  TempDir good;
  write_model_folder(good.path(), config, random_tensors(causal_lm_tensor_specs(config), 1));
  const CausalLm model = load_causal_lm(good.path());
  TokenBatch batch = random_batch(2, 4, config.vocab_size, 1, 9);
  batch.token_ids[1] = config.vocab_size;
  EXPECT_THROW(causal_lm_forward(model, batch, RunConfig{}), Error);
  batch = random_batch(2, 4, config.vocab_size, 1, 9);
  batch.lengths[1] = 0;
  EXPECT_THROW(causal_lm_forward(model, batch, RunConfig{}), Error);
  EXPECT_THROW(causal_lm_forward(model, random_batch(1, 65, config.vocab_size, 1, 9), RunConfig{}),
               Error);
}

}  // namespace
}  // namespace fitformer::model
