// The dense engine (src/model) and the libtorch modules (src/train) compute the same function:
// random torch weights are exported with the trainer's exporter, loaded by the engine, and
// both forwards are compared on padded batches of several sizes and lengths.
#include <ATen/Parallel.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <string>

#include "common/temp_dir.h"
#include "model/bert_classifier.h"
#include "model/causal_lm.h"
#include "train/modules.h"

namespace fitformer::train {
namespace {

io::ModelConfig tiny_config(io::ModelFamily family, const std::string& act) {
  io::ModelConfig c = io::default_model_config(family);
  c.vocab_size = 50;
  c.hidden_size = 32;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 4;
  c.intermediate_size = 64;
  c.max_position_embeddings = 40;
  c.num_labels = 3;
  c.hidden_act = act;
  return c;
}

// Weights of order one everywhere (the families' own initializations are too small to expose a
// wrong scale or a transposed matrix): matrices U(+-1/sqrt(in)) * 2, biases U(+-0.2),
// norm gains 1 + U(+-0.2).
void randomize(Model& model) {
  torch::NoGradGuard no_grad;
  for (auto& item : model.named_parameters()) {
    torch::Tensor& p = item.value();
    const bool norm = item.key().find("norm") != std::string::npos ||
                      item.key().find("LayerNorm") != std::string::npos;
    if (p.dim() >= 2)
      p.uniform_(-2.0 / std::sqrt(static_cast<double>(p.size(1))),
                 2.0 / std::sqrt(static_cast<double>(p.size(1))));
    else if (norm && item.key().ends_with("weight"))
      p.uniform_(0.8, 1.2);
    else
      p.uniform_(-0.2, 0.2);
  }
}

struct Case {
  int64_t batch, seq;
};

// Rows get different lengths (seq, seq - 3, ...; at least 1) so that padding is exercised.
model::TokenBatch make_batch(const Case& c, int vocab, uint64_t seed) {
  model::TokenBatch b;
  b.batch_size = c.batch;
  b.seq_len = c.seq;
  torch::Generator gen = at::detail::createCPUGenerator(seed);
  torch::Tensor ids = torch::randint(1, vocab, {c.batch, c.seq}, gen, torch::kInt);
  b.token_ids.assign(ids.data_ptr<int32_t>(), ids.data_ptr<int32_t>() + ids.numel());
  for (int64_t r = 0; r < c.batch; ++r) {
    const int64_t len = std::max<int64_t>(1, c.seq - 3 * r);
    b.lengths.push_back(len);
    for (int64_t t = len; t < c.seq; ++t) b.token_ids[r * c.seq + t] = 0;  // pad id
  }
  return b;
}

std::pair<torch::Tensor, torch::Tensor> to_torch(const model::TokenBatch& b) {
  torch::Tensor ids =
      torch::tensor(b.token_ids, torch::kInt).to(torch::kLong).view({b.batch_size, b.seq_len});
  torch::Tensor mask = torch::zeros({b.batch_size, b.seq_len}, torch::kBool);
  for (int64_t r = 0; r < b.batch_size; ++r) mask[r].narrow(0, 0, b.lengths[r]).fill_(true);
  return {ids, mask};
}

// max |engine - torch| / max |torch| over the compared entries.
double relative_error(const torch::Tensor& engine, const torch::Tensor& reference) {
  return (engine - reference).abs().max().item<double>() / reference.abs().max().item<double>();
}

const Case kCases[] = {{1, 1}, {1, 17}, {4, 7}, {3, 33}, {8, 40}};

class EngineEquivalence : public ::testing::TestWithParam<std::string> {};

TEST_P(EngineEquivalence, CausalLmLogitsMatchTorch) {
  at::set_num_threads(2);
  torch::manual_seed(11);
  const io::ModelConfig config = tiny_config(io::ModelFamily::kCausalLm, GetParam());
  auto model = make_model(config);
  randomize(*model);
  model->eval();
  testing::TempDir dir;
  export_model(*model, dir.path(), {});
  const model::CausalLm engine = model::load_causal_lm(dir.path());
  for (const Case& c : kCases) {
    const model::TokenBatch batch = make_batch(c, config.vocab_size, 100 + c.seq);
    const auto [ids, mask] = to_torch(batch);
    torch::Tensor expected;
    {
      torch::NoGradGuard no_grad;
      expected = model->forward(ids, mask);
    }
    const model::Tensor got = model::causal_lm_forward(engine, batch, {2});
    torch::Tensor got_t =
        torch::from_blob(const_cast<float*>(got.data.data()), {c.batch, c.seq, config.vocab_size});
    // Only valid positions are defined; padded ones are compared nowhere.
    for (int64_t r = 0; r < c.batch; ++r) {
      const int64_t len = batch.lengths[r];
      const double err = relative_error(got_t[r].narrow(0, 0, len), expected[r].narrow(0, 0, len));
      EXPECT_LT(err, 1e-5) << "batch " << c.batch << " seq " << c.seq << " row " << r;
    }
  }
}

TEST_P(EngineEquivalence, BertClassifierLogitsMatchTorch) {
  at::set_num_threads(2);
  torch::manual_seed(12);
  io::ModelConfig config = tiny_config(io::ModelFamily::kBertClassifier, GetParam());
  // The relu case also takes DistilBERT's relu head (an imported DistilBERT is fine-tuned by
  // this module), the gelu case BERT's tanh pooler.
  config.pooler_hidden_act = std::string(GetParam()) == "relu" ? "relu" : "tanh";
  auto model = make_model(config);
  randomize(*model);
  model->eval();
  testing::TempDir dir;
  export_model(*model, dir.path(), {});
  const model::BertClassifier engine = model::load_bert_classifier(dir.path());
  for (const Case& c : kCases) {
    const model::TokenBatch batch = make_batch(c, config.vocab_size, 200 + c.seq);
    const auto [ids, mask] = to_torch(batch);
    torch::Tensor expected;
    {
      torch::NoGradGuard no_grad;
      expected = model->forward(ids, mask);
    }
    const model::Tensor got = model::bert_classifier_forward(engine, batch, {2});
    torch::Tensor got_t =
        torch::from_blob(const_cast<float*>(got.data.data()), {c.batch, config.num_labels});
    EXPECT_LT(relative_error(got_t, expected), 1e-5) << "batch " << c.batch << " seq " << c.seq;
  }
}

INSTANTIATE_TEST_SUITE_P(Activations, EngineEquivalence, ::testing::Values("relu", "gelu"));

TEST(ModelFolder, ImportReadsBackTheExportedWeights) {
  torch::manual_seed(13);
  auto model = make_model(tiny_config(io::ModelFamily::kBertClassifier, "gelu"));
  testing::TempDir dir;
  export_model(*model, dir.path(), {});
  auto back = import_model(dir.path());
  EXPECT_EQ(back->config(), model->config());
  const auto a = model->named_parameters(), b = back->named_parameters();
  ASSERT_EQ(a.size(), b.size());
  for (const auto& item : a) EXPECT_TRUE(torch::equal(item.value(), b[item.key()])) << item.key();
}

}  // namespace
}  // namespace fitformer::train
