// Measurements behind `fitformer bench`: a timing loop (warm-up, repetitions, median), the
// kernel registry swept over layer shapes, token counts, sparsities and HP splits against
// oneDNN's dense sgemm, and a pruned model end to end against the dense engine. Every figure
// here is `measured` on this host (DESIGN.md §1); one thread count at a time.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/progress.h"
#include "model/op_profile.h"

namespace fitformer::runtime {

struct TimingSpec {
  int warmup = 2;            // untimed calls first (caches, page faults, OpenMP team start)
  int min_reps = 5;          // timed calls at least ...
  double min_seconds = 0.2;  // ... and until this much time is spent timing
  int max_reps = 100000;
};

struct Timing {
  double median_us = 0;
  double min_us = 0;
  // The process's CPU time per call (all threads), median: on a shared machine, the time the
  // call actually ran when it runs on one thread.
  double cpu_median_us = 0;
  int reps = 0;
};

// Times each of `calls` by calling them in turn, one call of each per round, so that a
// shared machine's slow spells fall on all of them alike; returns one Timing per call.
std::vector<Timing> time_interleaved(const std::vector<std::function<void()>>& calls,
                                     const TimingSpec& spec);

// One layer shape, named after the model and the layer it comes from.
struct LayerShape {
  std::string name;  // e.g. "bert-base ffn-up"
  int64_t rows = 0;  // M (out features)
  int64_t cols = 0;  // K (in features)
};

struct KernelBenchSpec {
  std::vector<LayerShape> shapes;
  std::vector<int64_t> tokens;     // N
  std::vector<double> sparsities;  // each with the splits of hp_splits_for
  bool two_splits = true;
  std::vector<int> threads = {1};
  TimingSpec timing;
};

// The sweep of kernels/sweep.h's table (issue 5): its shapes, N and sparsities with two
// splits each; quick keeps the shapes marked quick, its quick N and sparsities and one split.
// Both time for 0.05 s per kernel and point instead of TimingSpec's 0.2 s.
KernelBenchSpec default_kernel_bench(bool quick);

// kernels::sweep_rho2s: the rho2 of the HP splits measured at `sparsity`.
std::vector<double> hp_split_rho2s(double sparsity, bool two_splits);

struct KernelBenchRow {
  std::string shape;  // LayerShape::name
  int64_t rows = 0, cols = 0, tokens = 0;
  double sparsity = 0;        // target
  double rho1 = 0, rho2 = 0;  // the split (rho1 = k1 / M, rho2 = n / bank width)
  double density = 0;         // achieved: kept / (M * K)
  std::string kernel;         // registry name
  int threads = 1;
  Timing time;
  Timing dense;  // gemm_dense_f32 on the same shape, N and threads
  // dense.median_us / time.median_us: above 1 the kernel beats dense.
  double speedup() const { return dense.median_us / time.median_us; }
};

// Runs every registry kernel that applies (kernels::runs_on) on every point of the sweep,
// with its dense baseline timed interleaved on the same thread count. Weights and inputs are
// uniform in [-1, 1) from fixed seeds; the HP mask is by magnitude. progress (may be null)
// counts points.
std::vector<KernelBenchRow> bench_kernels(const KernelBenchSpec& spec, Progress* progress);
// The number of points bench_kernels will time (for the progress bar's total).
int64_t kernel_bench_points(const KernelBenchSpec& spec);

struct ModelBenchSpec {
  int64_t batch = 1;
  int64_t seq = 128;
  std::vector<int> threads = {1};
  TimingSpec timing;
  // Also time each op of both forwards (model::OpProfile), over this many forwards of each,
  // interleaved, after the end-to-end timing; 0: no breakdown.
  int breakdown_reps = 0;
  // Time the first layer's linears on their own too (ModelBenchRow::linears). Off, a profile
  // of the command sees the forwards only.
  bool first_layer_linears = true;
};

// Per op, the median over forwards of its microseconds in one forward (model::kOpNames order),
// wall and process CPU time.
struct OpBreakdown {
  std::array<double, model::kOpCount> median_us{}, cpu_median_us{};
  double total_median_us = 0, total_cpu_median_us = 0;  // the medians of the forwards' sums
  int forwards = 0;
};

// One encoder linear of the first layer on its own, the same rows as the forward: where the
// end-to-end figure comes from (the rest of the forward is the same code on both sides).
struct LinearBenchRow {
  std::string site;            // model::linear_site_name
  int64_t rows = 0, cols = 0;  // M x K
  double density = 1;
  Timing dense;   // model::apply_linear on the masked weights
  Timing sparse;  // runtime::apply_linear, transposes included
};

struct ModelBenchRow {
  int threads = 1;
  int64_t batch = 0, seq = 0;
  Timing dense;   // the dense engine (model::*_forward) on the masked weights
  Timing sparse;  // the runtime on the pruned folder
  std::vector<LinearBenchRow> linears;
  OpBreakdown dense_ops, sparse_ops;  // when ModelBenchSpec::breakdown_reps > 0
  double speedup() const { return dense.median_us / sparse.median_us; }
};

// The breakdown of a row measured with breakdown_reps > 0, as a text table (per op: dense and
// sparse wall and CPU milliseconds, shares of the sum) and as JSON.
std::string breakdown_table(const ModelBenchRow& row);
nlohmann::json breakdown_json(const ModelBenchRow& row);

// Loads the dense folder `dense_dir` into the dense engine and the pruned folder `pruned_dir`
// into the runtime (same family and config), and times both forwards, interleaved, on one
// batch of random tokens (full length, fixed seed) per thread count.
std::vector<ModelBenchRow> bench_model(const std::filesystem::path& dense_dir,
                                       const std::filesystem::path& pruned_dir,
                                       const ModelBenchSpec& spec, Progress* progress);

}  // namespace fitformer::runtime
