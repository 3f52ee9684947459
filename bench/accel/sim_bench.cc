// Simulator speed (issue 6: at least 20 M PE-cycles per second) on task-model layer shapes:
// an HP layer from the real packer, and the same hardware fed an unstructured stream.
#include <benchmark/benchmark.h>

#include "accel/cycle_sim.h"
#include "core/random.h"
#include "sparsity/hierarchical.h"
#include "sparsity/unstructured.h"

namespace fitformer::accel {
namespace {

std::vector<float> weights(int64_t rows, int64_t cols) {
  Rng rng(1);
  std::vector<float> w(static_cast<size_t>(rows * cols));
  for (float& v : w) v = static_cast<float>(rng.uniform() * 2 - 1);
  return w;
}

std::vector<int16_t> activations(int64_t tokens, int64_t cols) {
  Rng rng(2);
  std::vector<int16_t> x(static_cast<size_t>(tokens * cols));
  for (int16_t& v : x) v = static_cast<int16_t>(static_cast<int64_t>(rng.below(255)) - 127);
  return x;
}

AccelSpec spec_with(int64_t pes) {
  AccelSpec s;
  s.pes = pes;
  s.act_buffer_bytes = s.out_buffer_bytes = 4 << 20;
  return s;
}

void report(benchmark::State& state, const AccelSpec& spec, const OpStats& stats) {
  const double pe_cycles = static_cast<double>(spec.pes * stats.compute_cycles);
  state.counters["pe_cycles_per_s"] = benchmark::Counter(
      pe_cycles * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["cycles"] = static_cast<double>(stats.cycles);
  state.counters["utilization"] = stats.utilization;
}

// Args: rows, cols, tokens, sparsity (%), P. rho2 = 0.5 split.
void BM_SimulateHpf(benchmark::State& state) {
  const int64_t rows = state.range(0), cols = state.range(1), tokens = state.range(2);
  const double sparsity = static_cast<double>(state.range(3)) / 100;
  const auto split = sparsity::hp_split_for_rho2(sparsity, 0.5, rows, cols);
  const auto w = weights(rows, cols);
  const auto mask = sparsity::hp_mask(sparsity::magnitude_scores(w), rows, cols, split.params);
  const auto m = format::pack_hpf(w, rows, cols, mask, split.params, format::ValueType::kI8,
                                  format::ScaleMode::kPerRow);
  const auto x = activations(tokens, cols);
  const AccelSpec spec = spec_with(state.range(4));
  LinearRun run;
  for (auto _ : state) {
    run = simulate_linear(spec, Mapping{}, "w", m, x, tokens, {});
    benchmark::DoNotOptimize(run.acc.data());
  }
  report(state, spec, run.stats);
}
BENCHMARK(BM_SimulateHpf)
    ->ArgNames({"M", "K", "N", "sp", "P"})
    ->Args({1024, 256, 128, 50, 16})
    ->Args({1024, 256, 128, 90, 16})
    ->Args({1200, 312, 128, 90, 64})
    ->Args({256, 1024, 64, 95, 8})
    ->Unit(benchmark::kMillisecond);

void BM_SimulateUnstructuredStream(benchmark::State& state) {
  const int64_t rows = state.range(0), cols = state.range(1), tokens = state.range(2);
  const double density = 1.0 - static_cast<double>(state.range(3)) / 100;
  const auto w = weights(rows, cols);
  const auto mask = sparsity::unstructured_mask(sparsity::magnitude_scores(w), rows, cols,
                                                sparsity::UnstructuredParams{density});
  const auto s = pack_stream(w, rows, cols, mask, 64, 8, Precision::kInt8,
                             format::ScaleMode::kPerRow, StreamOrder::kColumn);
  const auto x = activations(tokens, cols);
  const AccelSpec spec = spec_with(state.range(4));
  LinearRun run;
  for (auto _ : state) {
    run = simulate_linear(spec, Mapping{}, "w", s, x, tokens, {});
    benchmark::DoNotOptimize(run.acc.data());
  }
  report(state, spec, run.stats);
  state.counters["stall_share"] = static_cast<double>(run.stats.conflict_stall_cycles) /
                                  static_cast<double>(run.stats.busy_pe_cycles);
}
BENCHMARK(BM_SimulateUnstructuredStream)
    ->ArgNames({"M", "K", "N", "sp", "P"})
    ->Args({1024, 256, 128, 90, 16})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace fitformer::accel
