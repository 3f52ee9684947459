// The HPF kernels and their peers on the same matrices, in one process: each layer shape's
// weights pruned by HP at 90 % (rho2 0.5) and run as y = W x by fitformer's prepared HPF SpMM
// (fp32 and int8), oneDNN's dense sgemm (the kernels' baseline), libtorch's dense mm and
// libtorch's CSR mm (torch.sparse_csr, the sparse format PyTorch users reach for) on the same
// masked weights. BERT-base (768x768, 3072x768, 768x3072) and TinyBERT (312x312, 1200x312,
// 312x1200) shapes, N = 1, 16 and 128 tokens, 1 and 2 threads. Run it with
// OPENBLAS_CORETYPE=SkylakeX (OpenBLAS 0.3.21 does not know Zen 4; bench/train/run_peers.sh).
//
// Names: peers/<impl>/<M>x<K>/N<n>/t<threads>; impl is hpf_f32, hpf_i8, onednn_dense,
// torch_dense or torch_csr. Times are per call; compare within one run.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <map>
#include <memory>
#include <string>
#include <tuple>

#include "core/random.h"
#include "kernels/registry.h"
#include "sparsity/hierarchical.h"
#include "train/threads.h"

namespace fitformer::train {
namespace {

struct Shape {
  int64_t rows, cols;
};
constexpr Shape kShapes[] = {{768, 768}, {3072, 768}, {768, 3072},
                             {312, 312}, {1200, 312}, {312, 1200}};
constexpr int64_t kNs[] = {1, 16, 128};
constexpr double kSparsity = 0.9, kRho2 = 0.5;

struct Peers {
  kernels::Problem problem;
  torch::Tensor dense, csr, x;  // W [M, K] masked, its CSR, X [K, N]
};

const Peers& peers(Shape s, int64_t n) {
  static std::map<std::tuple<int64_t, int64_t, int64_t>, std::unique_ptr<Peers>> cache;
  auto& slot = cache[{s.rows, s.cols, n}];
  if (!slot) {
    Rng rng(1);
    std::vector<float> w(static_cast<size_t>(s.rows * s.cols)), x(static_cast<size_t>(s.cols * n));
    for (float& v : w) v = static_cast<float>(2 * rng.uniform() - 1);
    for (float& v : x) v = static_cast<float>(2 * rng.uniform() - 1);
    const auto split = sparsity::hp_split_for_rho2(kSparsity, kRho2, s.rows, s.cols);
    const auto mask =
        sparsity::hp_mask(sparsity::magnitude_scores(w), s.rows, s.cols, split.params);
    slot = std::make_unique<Peers>();
    slot->problem = kernels::make_problem(w, s.rows, s.cols, mask, split.params, x, n);
    const kernels::Problem& p = slot->problem;
    slot->dense =
        torch::from_blob(const_cast<float*>(p.dense.vals.data()), {s.rows, s.cols}, torch::kFloat)
            .clone();
    slot->csr = slot->dense.to_sparse_csr();
    slot->x = torch::from_blob(const_cast<float*>(p.x.data()), {s.cols, n}, torch::kFloat).clone();
  }
  return *slot;
}

enum class Impl { kHpfF32, kHpfI8, kOneDnn, kTorchDense, kTorchCsr };

void run(benchmark::State& state, Shape s, int64_t n, int threads, Impl impl) {
  const Peers& p = peers(s, n);
  std::vector<float> y(static_cast<size_t>(s.rows * n));
  set_torch_threads(threads);
  c10::InferenceMode inference;
  for (auto _ : state) {
    switch (impl) {
      case Impl::kHpfF32:
        kernels::spmm_hpf_f32(*p.problem.prepared_f32, p.problem.x, n, y, threads);
        break;
      case Impl::kHpfI8:
        kernels::spmm_hpf_i8(*p.problem.prepared_i8, p.problem.xq.values, p.problem.xq.scale, n, y,
                             threads);
        break;
      case Impl::kOneDnn:
        kernels::gemm_dense_f32(p.problem.dense, p.problem.x, n, y, threads);
        break;
      case Impl::kTorchDense:
        benchmark::DoNotOptimize(torch::mm(p.dense, p.x).data_ptr());
        break;
      case Impl::kTorchCsr:
        benchmark::DoNotOptimize(torch::mm(p.csr, p.x).data_ptr());
        break;
    }
    benchmark::DoNotOptimize(y.data());
  }
}

bool registered = [] {
  const std::pair<Impl, const char*> impls[] = {{Impl::kHpfF32, "hpf_f32"},
                                                {Impl::kHpfI8, "hpf_i8"},
                                                {Impl::kOneDnn, "onednn_dense"},
                                                {Impl::kTorchDense, "torch_dense"},
                                                {Impl::kTorchCsr, "torch_csr"}};
  for (const Shape s : kShapes) {
    for (const int64_t n : kNs) {
      for (const int threads : {1, 2}) {
        for (const auto& [impl, name] : impls) {
          const std::string label = std::string("peers/") + name + "/" + std::to_string(s.rows) +
                                    "x" + std::to_string(s.cols) + "/N" + std::to_string(n) + "/t" +
                                    std::to_string(threads);
          benchmark::RegisterBenchmark(label.c_str(), run, s, n, threads, impl)
              ->UseRealTime()
              ->MeasureProcessCPUTime()
              ->Unit(benchmark::kMicrosecond);
        }
      }
    }
  }
  return true;
}();

}  // namespace
}  // namespace fitformer::train
