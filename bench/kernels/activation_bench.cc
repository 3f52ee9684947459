// The kernels on activations alone (kernels::activation_registry) side by side with their naive
// references and the dense engine's ops on the same numbers: fused attention against
// model::multi_head_attention (two oneDNN sgemms per head around a vectorized softmax, the
// engine's path) and the column-wise layer norm against model::apply_layer_norm (row-wise, on
// the token-major transpose). Shapes: TinyBERT (12 heads of 26), BERT-base (12 of 64) and the
// quick sotu-lm (4 of 32, causal), 128 tokens, batch 1.
//
// Names: <kernel>/<model>/t<threads>, engine_<op>/<model>/t<threads>,
// <kernel>_reference/<model>/t1.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <map>
#include <string>
#include <vector>

#include "kernels/registry.h"
#include "model/layers.h"

namespace fitformer::kernels {
namespace {

using Shape = AttentionBenchShape;

// One problem per shape, built on first use (a map: the references handed out stay valid as it
// grows; keyed by name, so shapes that differ only in causality get their own).
const ActivationProblem& problem(const Shape& s) {
  static std::map<std::string, ActivationProblem> cache;
  auto [at, added] = cache.try_emplace(s.name);
  if (added) at->second = make_activation_problem(s.shape, {s.shape.seq}, s.causal, 1);
  return at->second;
}

std::vector<float> transposed(const std::vector<float>& a, int64_t rows, int64_t cols) {
  std::vector<float> t(a.size());
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) t[c * rows + r] = a[r * cols + c];
  return t;
}

void run_entry(benchmark::State& state, const ActivationEntry& e, const Shape& s, int threads,
               bool reference) {
  const ActivationProblem& p = problem(s);
  std::vector<float> out(p.out_size());
  for (auto _ : state) {
    (reference ? e.reference : e.run)(p, out, threads);
    benchmark::DoNotOptimize(out.data());
  }
}

void run_engine_attention(benchmark::State& state, const Shape& s, int threads) {
  const ActivationProblem& p = problem(s);
  const int64_t width = s.shape.heads * s.shape.head_dim, tokens = p.shape.stride;
  const auto q = transposed(p.q, width, tokens), k = transposed(p.k, width, tokens),
             v = transposed(p.v, width, tokens);
  std::vector<float> out(q.size());
  const int before = omp_get_max_threads();
  omp_set_num_threads(threads);
  for (auto _ : state) {
    model::multi_head_attention(q, k, v, width,
                                {s.shape.batch, s.shape.seq, s.shape.heads, s.shape.head_dim},
                                p.lengths, s.causal, out);
    benchmark::DoNotOptimize(out.data());
  }
  omp_set_num_threads(before);
}

void run_engine_layer_norm(benchmark::State& state, const Shape& s, int threads) {
  const ActivationProblem& p = problem(s);
  const int64_t width = s.shape.heads * s.shape.head_dim, tokens = p.shape.stride;
  const model::LayerNorm norm{p.gamma, p.beta, 1e-5};
  const auto x = transposed(p.q, width, tokens);
  std::vector<float> y(x.size());
  const int before = omp_get_max_threads();
  omp_set_num_threads(threads);
  for (auto _ : state) {
    y = x;  // in place, so each call starts from the same numbers (the copy is timed too)
    model::apply_layer_norm(norm, y, tokens);
    benchmark::DoNotOptimize(y.data());
  }
  omp_set_num_threads(before);
}

bool registered = [] {
  for (const Shape& s : kAttentionBenchShapes) {
    for (int threads : {1, 2}) {
      const std::string tail = std::string("/") + s.name + "/t" + std::to_string(threads);
      for (const ActivationEntry& e : activation_registry()) {
        benchmark::RegisterBenchmark((std::string(e.name) + tail).c_str(), run_entry, e, s, threads,
                                     false);
      }
      benchmark::RegisterBenchmark(("engine_attention" + tail).c_str(), run_engine_attention, s,
                                   threads);
      benchmark::RegisterBenchmark(("engine_layer_norm" + tail).c_str(), run_engine_layer_norm, s,
                                   threads);
    }
    for (const ActivationEntry& e : activation_registry()) {
      benchmark::RegisterBenchmark((std::string(e.name) + "_reference/" + s.name + "/t1").c_str(),
                                   run_entry, e, s, 1, true);
    }
  }
  return true;
}();

}  // namespace
}  // namespace fitformer::kernels
