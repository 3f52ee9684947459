// The RTL against the cycle simulator and the fixed-point reference (docs/rtl.md), at the
// parameter point this binary was Verilated with: HP layers pruned and packed by the real
// sparsity/ and format/ code at fixed seeds, ragged shapes (K not a multiple of Bc, M not a
// multiple of P, tokens not a multiple of the tile or the lanes), bias on and off,
// accumulators driven into saturation, per-row and per-layer requantization, streamed and
// resident weights, several off-chip rates, layers run back to back from one descriptor
// table. Checks (a) every accumulator bit-equal to kernels::linear_fixed_reference and every
// output to kernels::requantize (outputs poisoned, each written once), (b) every layer's
// cycle count equal to accel::simulate_linear's.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include RTL_HEADER  // the Verilated hpa_top of this build (CMake)
#include "accel/cycle_sim.h"
#include "accel/fixed_point.h"
#include "core/random.h"
#include "rtl_build.h"
#include "rtl_cases.h"
#include "rtl_harness.h"
#include "verilated.h"

using Vhpa = RTL_MODEL;

namespace fitformer::rtltest {
namespace {

int64_t gap_rounds = 0;  // rounds whose commit needed more than n cycles, over all layers

int run_sequence(const std::vector<Case>& cases, double bytes_per_cycle, uint64_t& seed,
                 int& failures) {
  const accel::AccelSpec spec = spec_for(kBuild, bytes_per_cycle);
  if (accel::rtl_beat_bytes(spec) != kBuild.beat) {
    std::printf("SKIP rate %.3f B/cycle: beat %lld differs from the build's %lld\n",
                bytes_per_cycle, static_cast<long long>(accel::rtl_beat_bytes(spec)),
                static_cast<long long>(kBuild.beat));
    return 0;
  }
  std::vector<LayerJob> jobs;
  std::vector<ExpectedLayer> want;
  std::vector<uint8_t> act;
  int64_t w_base = 0, r_base = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    const std::string name = "layer" + std::to_string(i);
    const LayerData d =
        make_layer(kBuild, c.rows, c.cols, c.tokens, c.rho1, c.rho2, c.bias, c.per_row, seed);
    seed += 10;
    const accel::Mapping mapping{accel::Deal::kRoundRobin, c.tile, c.resident};
    ExpectedLayer e = expect_layer(spec, mapping, name, d);
    add_jobs(kBuild, spec, mapping, name, d, e.tile, c.resident, w_base, r_base, act, jobs);
    want.push_back(std::move(e));
  }
  Vhpa model;
  Harness<Vhpa> h(model, kBuild);
  const std::vector<LayerOutcome> got = h.run(jobs, act, bytes_per_cycle);
  size_t k = 0;
  const int before = failures;
  for (size_t j = 0; j < jobs.size(); ++j) {
    if (!jobs[j].compute) continue;
    gap_rounds += want[k].gap_rounds;
    failures += check_layer(kBuild, jobs[j].name, want[k++], got[j], bytes_per_cycle);
  }
  if (failures != before) {  // how to rerun this sequence alone
    std::printf("  RTL_CASE='");
    for (size_t i = 0; i < cases.size(); ++i) {
      const Case& c = cases[i];
      std::printf("%s%lld,%lld,%lld,%lld,%g,%g,%d,%d,%d,%g", i ? ";" : "", (long long)c.rows,
                  (long long)c.cols, (long long)c.tokens, (long long)c.tile, c.rho1, c.rho2,
                  static_cast<int>(c.bias), c.per_row ? 1 : 0, c.resident ? 1 : 0, bytes_per_cycle);
    }
    std::printf("' (seed %llu)\n", static_cast<unsigned long long>(seed - 10 * cases.size()));
  }
  return 1;
}

}  // namespace
}  // namespace fitformer::rtltest

int main(int argc, char** argv) {
  using namespace fitformer::rtltest;
  Verilated::commandArgs(argc, argv);
  int failures = 0, sequences_run = 0;
  uint64_t seed = 1000;
  // RTL_CASE="rows,cols,tokens,tile,rho1,rho2,bias(0-2),per_row,resident,rate;..." and
  // RTL_SEED: rerun one sequence (a failure prints both)
  if (const char* text = std::getenv("RTL_CASE")) {
    std::vector<Case> cases;
    double rate = 0;
    for (const char* p = text; *p;) {
      Case c{};
      int bias = 0, per_row = 0, resident = 0, used = 0;
      long long r, k, t, tile;
      if (std::sscanf(p, "%lld,%lld,%lld,%lld,%lf,%lf,%d,%d,%d,%lf%n", &r, &k, &t, &tile, &c.rho1,
                      &c.rho2, &bias, &per_row, &resident, &rate, &used) != 10) {
        std::printf("RTL_CASE: expected 10 comma-separated fields per layer\n");
        return EXIT_FAILURE;
      }
      c.rows = r, c.cols = k, c.tokens = t, c.tile = tile;
      c.bias = static_cast<BiasKind>(bias), c.per_row = per_row != 0, c.resident = resident != 0;
      cases.push_back(c);
      p += used;
      if (*p == ';') ++p;
    }
    if (const char* s = std::getenv("RTL_SEED")) seed = std::strtoull(s, nullptr, 10);
    run_sequence(cases, rate, seed, failures);
    return failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
  }
  // Off-chip rates: at most the beat, so the memory bounds some layers; above it, the beat does.
  const double rates[] = {0.5 * kBuild.beat + 0.25, static_cast<double>(kBuild.beat),
                          2.5 * kBuild.beat};
  for (double rate : rates) {
    auto seqs = sequences(kBuild, false);
    // RTL_RANDOM=N: N random sequences per rate instead of 3 (a longer sweep by hand)
    const char* extra = std::getenv("RTL_RANDOM");
    const uint64_t randoms = extra ? std::strtoull(extra, nullptr, 10) : 3;
    for (uint64_t k = 0; k < randoms; ++k) {
      seqs.push_back(random_sequence(kBuild, seed + 7919 * k, false));
    }
    for (const auto& seq : seqs) {
      try {
        sequences_run += run_sequence(seq, rate, seed, failures);
      } catch (const std::exception& e) {
        std::printf("FAIL %s\n", e.what());
        ++failures;
      }
    }
  }
  std::printf("%s: %d sequences, %lld rounds with a commit gap (m > n), %d failures\n", RTL_NAME,
              sequences_run, static_cast<long long>(gap_rounds), failures);
  // with 4 or more PEs the random layers always include rounds whose commit waits (m > n)
  const bool gaps_seen = gap_rounds > 0 || kBuild.pes < 4;
  return failures == 0 && sequences_run > 0 && gaps_seen ? EXIT_SUCCESS : EXIT_FAILURE;
}
