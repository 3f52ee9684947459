// Dense engine forward at sequence 128 on the shapes the pipeline uses: a TinyBERT-shaped
// classifier (4 layers, d 312, 12 heads, FFN 1200, vocab 30522) and the 2-layer d 256 causal
// LM (vocab 8000), batch 1 and 32, 1 and 2 threads. Reports tokens/s and GEMM GFLOP/s.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "model/bert_classifier.h"
#include "model/causal_lm.h"
#include "model/weights.h"

namespace fitformer::model {
namespace {

constexpr int64_t kSeq = 128;

// Writes random weights to a temporary folder and loads them through the real loader.
template <typename Model, typename Load>
Model random_model(const io::ModelConfig& config, const std::vector<TensorSpec>& specs, Load load) {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "fitformer-bench-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  write_model_folder(pattern, config, random_tensors(specs, 1));
  Model model = load(pattern);
  std::filesystem::remove_all(pattern);
  return model;
}

const BertClassifier& tiny_bert() {
  static const BertClassifier model = [] {
    io::ModelConfig c = io::default_model_config(io::ModelFamily::kBertClassifier);
    c.num_hidden_layers = 4;
    c.hidden_size = 312;
    c.num_attention_heads = 12;
    c.intermediate_size = 1200;
    c.num_labels = 26;
    return random_model<BertClassifier>(c, bert_classifier_tensor_specs(c), load_bert_classifier);
  }();
  return model;
}

const CausalLm& small_lm() {
  static const CausalLm model = [] {
    io::ModelConfig c = io::default_model_config(io::ModelFamily::kCausalLm);
    c.vocab_size = 8000;
    c.num_hidden_layers = 2;
    c.hidden_size = 256;
    c.num_attention_heads = 4;
    c.intermediate_size = 1024;
    return random_model<CausalLm>(c, causal_lm_tensor_specs(c), load_causal_lm);
  }();
  return model;
}

TokenBatch full_batch(int64_t batch, int vocab) {
  TokenBatch b;
  b.batch_size = batch;
  b.seq_len = kSeq;
  for (int64_t i = 0; i < batch * kSeq; ++i)
    b.token_ids.push_back(static_cast<int32_t>((i * 7919) % vocab));
  return b;
}

// Multiply-adds of the encoder layers (x2 for FLOP): the linear layers, plus q k^T and p v
// over full (unmasked) sequences.
double encoder_flop(const io::ModelConfig& c, int64_t batch) {
  const double tokens = static_cast<double>(batch * kSeq), d = c.hidden_size,
               ff = c.intermediate_size;
  return c.num_hidden_layers * (2 * tokens * (4 * d * d + 2 * d * ff) + 4 * tokens * kSeq * d);
}

void set_counters(benchmark::State& state, int64_t batch, double flop) {
  const double iters = static_cast<double>(state.iterations());
  state.counters["tok/s"] =
      benchmark::Counter(iters * static_cast<double>(batch * kSeq), benchmark::Counter::kIsRate);
  state.counters["GFLOP/s"] = benchmark::Counter(iters * flop * 1e-9, benchmark::Counter::kIsRate);
}

void BM_BertClassifierForward(benchmark::State& state) {
  const BertClassifier& model = tiny_bert();
  const int64_t batch = state.range(0);
  const RunConfig run{static_cast<int>(state.range(1))};
  const TokenBatch tokens = full_batch(batch, model.config.vocab_size);
  std::vector<float> logits(static_cast<size_t>(batch * model.config.num_labels));
  for (auto _ : state) {
    bert_classifier_forward(model, tokens, run, logits);
    benchmark::DoNotOptimize(logits.data());
  }
  set_counters(state, batch, encoder_flop(model.config, batch));
}

void BM_CausalLmForward(benchmark::State& state) {
  const CausalLm& model = small_lm();
  const int64_t batch = state.range(0);
  const RunConfig run{static_cast<int>(state.range(1))};
  const TokenBatch tokens = full_batch(batch, model.config.vocab_size);
  std::vector<float> logits(static_cast<size_t>(batch * kSeq * model.config.vocab_size));
  for (auto _ : state) {
    causal_lm_forward(model, tokens, run, logits);
    benchmark::DoNotOptimize(logits.data());
  }
  const double decoder =
      2.0 * static_cast<double>(batch * kSeq) * model.config.hidden_size * model.config.vocab_size;
  set_counters(state, batch, encoder_flop(model.config, batch) + decoder);
}

BENCHMARK(BM_BertClassifierForward)
    ->ArgNames({"batch", "threads"})
    ->ArgsProduct({{1, 32}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_CausalLmForward)
    ->ArgNames({"batch", "threads"})
    ->ArgsProduct({{1, 32}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace fitformer::model
