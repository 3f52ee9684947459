// The sparse runtime's fused attention (kernels/attention.h) against libtorch's on the same
// numbers (issue 16 item 2): libtorch as a model written with it runs attention, two batched
// matmuls around a masked softmax on [batch, heads, seq, head_dim] tensors. Shapes:
// kernels::kAttentionBenchShapes, 1 thread. Each shape's two outputs are compared once before
// timing; a difference past 1e-4 fails the benchmark. Run with bench/train/run_torch_forward.sh's
// environment (OMP_WAIT_POLICY=passive for libtorch). One thread only: that policy puts a futex
// wake-up on every parallel region of ours in the same process (2 threads measured slower than 1
// that way); the fused kernel's 2-thread times are in kernels_bench.
//
// Names: torch_attention/<model>/t1, fitformer_attention/<model>/t1.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "kernels/attention.h"
#include "kernels/registry.h"
#include "train/threads.h"

namespace fitformer::train {
namespace {

using kernels::AttentionShape;
using Shape = kernels::AttentionBenchShape;

// [heads * head_dim][batch * seq] (the runtime's feature-major layout) as the
// [batch, heads, seq, head_dim] tensor a torch model holds.
torch::Tensor torch_layout(const std::vector<float>& x, const AttentionShape& s) {
  return torch::from_blob(const_cast<float*>(x.data()), {s.heads, s.head_dim, s.batch, s.seq},
                          torch::kFloat)
      .permute({2, 0, 3, 1})
      .contiguous();
}

// One shape's inputs in both layouts, libtorch's mask (true = hidden: keys past the length,
// and later keys when causal) and the check that both give the same output.
struct Problem {
  kernels::ActivationProblem p;
  torch::Tensor q, k, v, hidden;
  std::string mismatch;  // empty when the outputs agree
};

torch::Tensor torch_attention(const Problem& pr) {
  const auto& s = pr.p.shape;
  const float scale = 1.0f / std::sqrt(static_cast<float>(s.head_dim));
  auto scores = torch::matmul(pr.q, pr.k.transpose(-2, -1)).mul_(scale);
  scores.masked_fill_(pr.hidden, -std::numeric_limits<float>::infinity());
  return torch::matmul(torch::softmax(scores, -1), pr.v);
}

const Problem& problem(const Shape& sh) {
  static std::map<std::string, Problem> cache;
  auto [at, added] = cache.try_emplace(sh.name);
  if (!added) return at->second;
  Problem& pr = at->second;
  pr.p = kernels::make_activation_problem(sh.shape, {sh.shape.seq}, sh.causal, 1);
  const AttentionShape& s = pr.p.shape;
  pr.q = torch_layout(pr.p.q, s);
  pr.k = torch_layout(pr.p.k, s);
  pr.v = torch_layout(pr.p.v, s);
  const auto key = torch::arange(s.seq).view({1, 1, 1, s.seq});
  const auto query = torch::arange(s.seq).view({1, 1, s.seq, 1});
  const auto lengths = torch::tensor(pr.p.lengths).view({s.batch, 1, 1, 1});
  pr.hidden = key.ge(lengths);
  if (sh.causal) pr.hidden = pr.hidden.logical_or(key.gt(query));
  std::vector<float> out(pr.p.out_size());
  kernels::attention_f32(pr.p.q, pr.p.k, pr.p.v, s, pr.p.lengths, sh.causal, out, 1);
  const float diff = (torch_attention(pr) - torch_layout(out, s)).abs().max().item<float>();
  if (!(diff <= 1e-4f)) pr.mismatch = "outputs differ by " + std::to_string(diff);
  return pr;
}

void run_torch(benchmark::State& state, const Shape& sh) {
  const Problem& pr = problem(sh);
  if (!pr.mismatch.empty()) return state.SkipWithError(pr.mismatch.c_str());
  set_torch_threads(1);
  c10::InferenceMode inference;
  for (auto _ : state) benchmark::DoNotOptimize(torch_attention(pr).data_ptr());
}

void run_fitformer(benchmark::State& state, const Shape& sh) {
  const Problem& pr = problem(sh);
  if (!pr.mismatch.empty()) return state.SkipWithError(pr.mismatch.c_str());
  std::vector<float> out(pr.p.out_size());
  for (auto _ : state) {
    kernels::attention_f32(pr.p.q, pr.p.k, pr.p.v, pr.p.shape, pr.p.lengths, sh.causal, out, 1);
    benchmark::DoNotOptimize(out.data());
  }
}

bool registered = [] {
  using Run = void (*)(benchmark::State&, const Shape&);
  for (const Shape& sh : kernels::kAttentionBenchShapes) {
    for (auto [name, fn] : {std::pair<std::string, Run>{"torch_attention", run_torch},
                            std::pair<std::string, Run>{"fitformer_attention", run_fitformer}}) {
      benchmark::RegisterBenchmark((name + "/" + sh.name + "/t1").c_str(), fn, sh)
          ->Unit(benchmark::kMicrosecond)
          ->MeasureProcessCPUTime()
          ->UseRealTime();
    }
  }
  return true;
}();

}  // namespace
}  // namespace fitformer::train
