// The kernel registry on the layer shapes, token counts (N), sparsities and two HP (rho1,
// rho2) splits each of kernels/sweep.h's table (the one `fitformer bench kernels` sweeps too:
// BERT-base, TinyBERT and quick sotu-lm shapes, N = 1, 16, 128, 50/70/90/95 %), 1 and 2
// threads, next to oneDNN's dense sgemm in the same process. Reports useful GFLOP/s
// (2 * kept weights * N per call) and dense-equivalent GFLOP/s (2 * M * K * N per call); the
// ratio to dense is the ratio of the dense-equivalent rates. Naive references are timed at
// N = 1 only (they decode to dense and accumulate in double).
//
// Names: <kernel>/<M>x<K>/N<N>/s<sparsity %>/rho2_<rho2>/t<threads>, dense: gemm_dense_f32/
// <M>x<K>/N<N>/t<threads>. At N = 1 each SpMV (and the dense and CSR baselines) is timed twice:
// warm (one copy of the operands, which stay in the caches between calls) and /cold (rotating
// through copies that together exceed twice the LLC, so the weights come from DRAM; the
// GB_per_s counter is the stored weights' bytes per second). Filter with --benchmark_filter, e.g.
// 'N128/s90.*t1'.
#include <benchmark/benchmark.h>

#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <tuple>

#include "core/cache_aligned.h"
#include "core/random.h"
#include "kernels/registry.h"
#include "kernels/sweep.h"
#include "sparsity/hierarchical.h"

namespace fitformer::kernels {
namespace {

struct Shape {
  int64_t rows, cols;
};
std::vector<Shape> sweep_shapes() {
  std::vector<Shape> shapes;
  for (const SweepShape& s : kSweepShapes) shapes.push_back({s.rows, s.cols});
  return shapes;
}

std::vector<float> uniform(size_t count, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> v(count);
  for (float& f : v) f = static_cast<float>(rng.uniform() * 2.0 - 1.0);
  return v;
}

// Problems are packed once per (shape, N, sparsity, rho2) and kept for the process.
const Problem& problem(Shape s, int64_t n, double sparsity, double rho2) {
  static std::map<std::tuple<int64_t, int64_t, int64_t, double, double>, std::unique_ptr<Problem>>
      cache;
  auto& slot = cache[{s.rows, s.cols, n, sparsity, rho2}];
  if (!slot) {
    const auto w = uniform(static_cast<size_t>(s.rows * s.cols), 1);
    const auto split = sparsity::hp_split_for_rho2(sparsity, rho2, s.rows, s.cols);
    const auto mask =
        sparsity::hp_mask(sparsity::magnitude_scores(w), s.rows, s.cols, split.params);
    slot = std::make_unique<Problem>(make_problem(w, s.rows, s.cols, mask, split.params,
                                                  uniform(static_cast<size_t>(s.cols * n), 2), n));
  }
  return *slot;
}

// cold_copies(p) copies of p (registry.h): rotating through them, every call reads its weights
// from DRAM, as a layer does in a model too large for the LLC.
// Only the last configuration's copies are kept (each set is over 64 MiB).
const std::vector<Problem>& cold_problems(Shape s, int64_t n, double sparsity, double rho2) {
  static std::tuple<int64_t, int64_t, int64_t, double, double> key;
  static std::vector<Problem> copies;
  const auto wanted = std::tuple{s.rows, s.cols, n, sparsity, rho2};
  if (copies.empty() || key != wanted) {
    copies.clear();
    const Problem& p = problem(s, n, sparsity, rho2);
    copies.assign(static_cast<size_t>(cold_copies(p)), p);
    key = wanted;
  }
  return copies;
}

void run_cold(benchmark::State& state, const KernelEntry& e, const std::vector<Problem>& copies,
              int threads) {
  const Problem& first = copies.front();
  CacheAlignedVector<float> y(static_cast<size_t>(first.rows * first.n));
  size_t i = 0;
  for (auto _ : state) {
    e.run(copies[i], y, threads);
    i = i + 1 == copies.size() ? 0 : i + 1;
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  state.counters["copies"] = static_cast<double>(copies.size());
  // The bytes the layer stores (HPF's own, dense, CSR) per second; the prepared kernels read
  // their layout of the same weights (PreparedHpf::bytes, larger).
  const int64_t stored = e.operand == Operand::kDense    ? first.dense.bytes()
                         : e.operand == Operand::kHpfF32 ? first.hpf_f32->bytes()
                         : e.operand == Operand::kHpfI8  ? first.hpf_i8->bytes()
                                                         : first.csr.bytes();
  state.counters["GB_per_s"] = benchmark::Counter(static_cast<double>(stored) * 1e-9,
                                                  benchmark::Counter::kIsIterationInvariantRate);
}

void run(benchmark::State& state, const KernelEntry& e, const Problem& p, int threads,
         bool reference) {
  CacheAlignedVector<float> y(static_cast<size_t>(p.rows * p.n));  // as the runtime's
  for (auto _ : state) {
    (reference ? e.reference : e.run)(p, y, threads);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  const double useful =
      2.0 * static_cast<double>(e.operand == Operand::kDense ? p.rows * p.cols : p.nonzeros) *
      static_cast<double>(p.n);
  const double dense = 2.0 * static_cast<double>(p.rows * p.cols * p.n);
  state.counters["GFLOPs_useful"] =
      benchmark::Counter(useful * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["GFLOPs_dense_eq"] =
      benchmark::Counter(dense * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["density"] =
      static_cast<double>(p.nonzeros) / static_cast<double>(p.rows * p.cols);
}

// prepare_hpf alone: what the "_prepared" kernels save per call over the matrix overloads.
void run_prepare(benchmark::State& state, const format::hpf::Matrix& w) {
  for (auto _ : state) {
    PreparedHpf p = prepare_hpf(w);
    benchmark::DoNotOptimize(p.rows.data());
    benchmark::ClobberMemory();
  }
}

void register_all() {
  for (const Shape s : sweep_shapes()) {
    for (const double sp : kSweepSparsities) {
      char name[96];
      std::snprintf(name, sizeof name, "%lldx%lld/s%d/rho2_0.50", static_cast<long long>(s.rows),
                    static_cast<long long>(s.cols), static_cast<int>(std::lround(sp * 100)));
      benchmark::RegisterBenchmark(
          (std::string("prepare_hpf_f32/") + name).c_str(),
          [s, sp](benchmark::State& st) { run_prepare(st, *problem(s, 1, sp, 0.5).hpf_f32); })
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
      benchmark::RegisterBenchmark(
          (std::string("prepare_hpf_i8/") + name).c_str(),
          [s, sp](benchmark::State& st) { run_prepare(st, *problem(s, 1, sp, 0.5).hpf_i8); })
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
    }
  }
  for (const Shape s : sweep_shapes()) {
    for (const int64_t n : kSweepTokens) {
      for (const int threads : {1, 2}) {
        const std::string tail = "/N" + std::to_string(n) + "/t" + std::to_string(threads);
        const std::string shape = std::to_string(s.rows) + "x" + std::to_string(s.cols);
        for (const KernelEntry& e : kernel_registry()) {
          if (e.operand != Operand::kDense) continue;
          benchmark::RegisterBenchmark((std::string(e.name) + "/" + shape + tail).c_str(),
                                       [s, n, threads, &e](benchmark::State& st) {
                                         run(st, e, problem(s, n, 0.5, 0.5), threads, false);
                                       })
              ->UseRealTime()
              ->Unit(benchmark::kMicrosecond);
          if (n == 1) {
            benchmark::RegisterBenchmark(
                (std::string(e.name) + "/" + shape + tail + "/cold").c_str(),
                [s, n, threads, &e](benchmark::State& st) {
                  run_cold(st, e, cold_problems(s, n, 0.5, 0.5), threads);
                })
                ->UseRealTime()
                ->Unit(benchmark::kMicrosecond);
          }
        }
        for (const double sp : kSweepSparsities) {
          for (const double rho2 : sweep_rho2s(sp, true)) {
            char mid[64];
            std::snprintf(mid, sizeof mid, "/s%d/rho2_%.2f",
                          static_cast<int>(std::lround(sp * 100)), rho2);
            for (const KernelEntry& e : kernel_registry()) {
              if (e.operand == Operand::kDense || (e.spmv_only && n != 1)) continue;
              if (e.operand == Operand::kCsr && rho2 != 0.5) continue;  // same mask family
              const std::string base = std::string(e.name) + "/" + shape + "/N" +
                                       std::to_string(n) + mid + "/t" + std::to_string(threads);
              benchmark::RegisterBenchmark(base.c_str(),
                                           [s, n, sp, rho2, threads, &e](benchmark::State& st) {
                                             run(st, e, problem(s, n, sp, rho2), threads, false);
                                           })
                  ->UseRealTime()
                  ->Unit(benchmark::kMicrosecond);
              if (n == 1 && (e.spmv_only || e.operand == Operand::kCsr)) {
                benchmark::RegisterBenchmark((base + "/cold").c_str(),
                                             [s, n, sp, rho2, threads, &e](benchmark::State& st) {
                                               run_cold(st, e, cold_problems(s, n, sp, rho2),
                                                        threads);
                                             })
                    ->UseRealTime()
                    ->Unit(benchmark::kMicrosecond);
              }
              const bool prepared = std::string_view(e.name).ends_with("_prepared");
              if (n == 1 && threads == 1 && !prepared) {  // a prepared kernel's twin is the same
                benchmark::RegisterBenchmark((base + "/reference").c_str(),
                                             [s, n, sp, rho2, &e](benchmark::State& st) {
                                               run(st, e, problem(s, n, sp, rho2), 1, true);
                                             })
                    ->UseRealTime()
                    ->Unit(benchmark::kMicrosecond);
              }
            }
          }
        }
      }
    }
  }
}

const int registered = (register_all(), 0);

}  // namespace
}  // namespace fitformer::kernels
