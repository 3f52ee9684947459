// The dense engine against libtorch on the same weights, at the same thread count: forward of
// the TinyBERT-shaped classifier and the 2-layer d 256 causal LM at sequence 128, batch 1 and
// 32, 1 and 2 threads. The engine should be at least as fast (issue 3).
#include <benchmark/benchmark.h>
#include <torch/torch.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "model/bert_classifier.h"
#include "model/causal_lm.h"
#include "train/modules.h"
#include "train/threads.h"

namespace fitformer::train {
namespace {

constexpr int64_t kSeq = 128;

io::ModelConfig tiny_bert_config() {
  io::ModelConfig c = io::default_model_config(io::ModelFamily::kBertClassifier);
  c.vocab_size = 8000;
  c.num_hidden_layers = 4;
  c.hidden_size = 312;
  c.num_attention_heads = 12;
  c.intermediate_size = 1200;
  c.num_labels = 26;
  return c;
}

io::ModelConfig small_lm_config() {
  io::ModelConfig c = io::default_model_config(io::ModelFamily::kCausalLm);
  c.vocab_size = 8000;
  c.num_hidden_layers = 2;
  c.hidden_size = 256;
  c.num_attention_heads = 4;
  c.intermediate_size = 1024;
  c.max_position_embeddings = kSeq;
  return c;
}

// One torch model per family and its engine twin, loaded from the torch model's export.
struct Pair {
  std::shared_ptr<Model> torch_model;
  std::filesystem::path dir;
};

Pair make_pair(const io::ModelConfig& config) {
  torch::manual_seed(1);
  Pair p{make_model(config), {}};
  p.torch_model->eval();
  std::string pattern =
      (std::filesystem::temp_directory_path() / "fitformer-bench-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  p.dir = pattern;
  export_model(*p.torch_model, p.dir, {});
  return p;
}

const Pair& bert_pair() {
  static const Pair p = make_pair(tiny_bert_config());
  return p;
}

const Pair& lm_pair() {
  static const Pair p = make_pair(small_lm_config());
  return p;
}

model::TokenBatch engine_batch(int64_t batch, int vocab) {
  model::TokenBatch b;
  b.batch_size = batch;
  b.seq_len = kSeq;
  for (int64_t i = 0; i < batch * kSeq; ++i)
    b.token_ids.push_back(static_cast<int32_t>((i * 7919) % vocab));
  return b;
}

torch::Tensor torch_ids(const model::TokenBatch& b) {
  return torch::tensor(b.token_ids, torch::kInt).to(torch::kLong).view({b.batch_size, kSeq});
}

void set_rate(benchmark::State& state, int64_t batch) {
  state.counters["tok/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * batch * kSeq), benchmark::Counter::kIsRate);
}

void BM_TorchBertForward(benchmark::State& state) {
  const Pair& p = bert_pair();
  set_torch_threads(static_cast<int>(state.range(1)));
  const torch::Tensor ids = torch_ids(engine_batch(state.range(0), 8000));
  c10::InferenceMode inference;
  for (auto _ : state) benchmark::DoNotOptimize(p.torch_model->forward(ids, {}).data_ptr());
  set_rate(state, state.range(0));
}

void BM_EngineBertForward(benchmark::State& state) {
  static const model::BertClassifier engine = model::load_bert_classifier(bert_pair().dir);
  const model::TokenBatch batch = engine_batch(state.range(0), 8000);
  const model::RunConfig run{static_cast<int>(state.range(1))};
  for (auto _ : state)
    benchmark::DoNotOptimize(model::bert_classifier_forward(engine, batch, run).data.data());
  set_rate(state, state.range(0));
}

void BM_TorchCausalLmForward(benchmark::State& state) {
  const Pair& p = lm_pair();
  set_torch_threads(static_cast<int>(state.range(1)));
  const torch::Tensor ids = torch_ids(engine_batch(state.range(0), 8000));
  c10::InferenceMode inference;
  for (auto _ : state) benchmark::DoNotOptimize(p.torch_model->forward(ids, {}).data_ptr());
  set_rate(state, state.range(0));
}

void BM_EngineCausalLmForward(benchmark::State& state) {
  static const model::CausalLm engine = model::load_causal_lm(lm_pair().dir);
  const model::TokenBatch batch = engine_batch(state.range(0), 8000);
  const model::RunConfig run{static_cast<int>(state.range(1))};
  for (auto _ : state)
    benchmark::DoNotOptimize(model::causal_lm_forward(engine, batch, run).data.data());
  set_rate(state, state.range(0));
}

#define FITFORMER_PAIRED_BENCH(fn)     \
  BENCHMARK(fn)                        \
      ->ArgNames({"batch", "threads"}) \
      ->ArgsProduct({{1, 32}, {1, 2}}) \
      ->Unit(benchmark::kMillisecond)  \
      ->MeasureProcessCPUTime()        \
      ->UseRealTime()

FITFORMER_PAIRED_BENCH(BM_TorchBertForward);
FITFORMER_PAIRED_BENCH(BM_EngineBertForward);
FITFORMER_PAIRED_BENCH(BM_TorchCausalLmForward);
FITFORMER_PAIRED_BENCH(BM_EngineCausalLmForward);

}  // namespace
}  // namespace fitformer::train
