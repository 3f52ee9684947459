// The dense baseline design's RTL (rtl/hpa_top.sv with INDEXED = 0, accel/dense_stream.h)
// against the fixed-point reference and the cycle simulator's dense path, at the parameter point
// this binary was Verilated with: dense layers quantized by accel::quantize_dense at fixed
// seeds, ragged shapes (K not a multiple of Bc, M not a multiple of P, tokens not a multiple of
// the tile or the lanes), bias none, random or at the accumulator's limits, per-row and
// per-layer requantization, streamed and resident weights, several off-chip rates, layers back
// to back from one descriptor table. Checks (a) every accumulator bit-equal to
// kernels::linear_fixed_reference on the same weights packed as an HPF at density 1 (by
// format::pack_hpf, whose integers are checked equal to the dense ones) and every output to
// kernels::requantize (outputs poisoned, each written once), (b) every layer's cycle count
// equal to accel::simulate_linear's on the dense design.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include RTL_HEADER  // the Verilated hpa_top of this build (CMake)
#include "accel/cycle_sim.h"
#include "accel/dense_stream.h"
#include "accel/fixed_point.h"
#include "core/random.h"
#include "rtl_build.h"
#include "rtl_cases.h"
#include "rtl_harness.h"
#include "verilated.h"

using Vhpa = RTL_MODEL;

namespace fitformer::rtltest {
namespace {

struct DenseLayer {
  accel::DenseMatrix w;
  format::hpf::Matrix hpf;  // the same weights at density 1, for kernels' reference
  std::vector<int16_t> x;
  int64_t tokens = 0;
  std::vector<int64_t> bias;
  std::vector<kernels::Requant> requant;
  kernels::Requant layer_requant{};
};

accel::AccelSpec dense_spec(double bytes_per_cycle) {
  accel::AccelSpec s = spec_for(kBuild, bytes_per_cycle);
  s.design = accel::Design::kDense;
  return s;
}

DenseLayer make_dense_layer(const Case& c, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> w(static_cast<size_t>(c.rows * c.cols));
  for (float& v : w) v = static_cast<float>(rng.uniform() * 2.0 - 1.0);
  const accel::Precision p = build_precision(kBuild);
  const auto mode = c.per_row ? format::ScaleMode::kPerRow : format::ScaleMode::kPerMatrix;
  DenseLayer d;
  d.w = accel::quantize_dense(w, c.rows, c.cols, p, mode);
  const sparsity::HpParams full{1.0, 1.0, kBuild.block_cols, kBuild.banks};
  const auto mask = sparsity::hp_mask(sparsity::magnitude_scores(w), c.rows, c.cols, full);
  d.hpf = format::pack_hpf(w, c.rows, c.cols, mask, full, format::precision_value_type(p), mode);
  d.tokens = c.tokens;
  d.x = random_x(c.tokens, c.cols, format::precision_qmax(p), rng);
  d.bias = make_bias(c.bias, c.rows, static_cast<int>(kBuild.acc_bits), rng);
  if (c.per_row) {
    for (int64_t r = 0; r < c.rows; ++r) d.requant.push_back(random_requant(rng));
  } else {
    d.layer_requant = random_requant(rng);
  }
  return d;
}

// The HPF at density 1, decoded to dense (a padded slot of a ragged block adds zero to the
// column it names), holds the dense matrix's integers.
bool same_integers(const DenseLayer& d) {
  const auto& h = d.hpf.header;
  std::vector<int64_t> decoded(d.w.values.size(), 0);
  for (int64_t s = 0; s < d.hpf.slots(); ++s) {
    const int64_t block = s / (h.k1 * h.banks * h.n), seg = s / (h.banks * h.n) % h.k1;
    const int64_t bank = s / h.n % h.banks;
    const int64_t col = block * h.block_cols + bank * d.hpf.bank_width() + d.hpf.offset(s);
    const int64_t row = d.hpf.rows[static_cast<size_t>(block * h.k1 + seg)];
    const size_t at = static_cast<size_t>(s);
    const int64_t v =
        h.value_type == format::ValueType::kI8 ? d.hpf.vals_i8[at] : d.hpf.vals_i16[at];
    if (col < h.cols) decoded[static_cast<size_t>(row * h.cols + col)] += v;
  }
  return std::equal(decoded.begin(), decoded.end(), d.w.values.begin());
}

ExpectedLayer expect_dense(const accel::AccelSpec& spec, const accel::Mapping& mapping,
                           const std::string& name, const DenseLayer& d) {
  ExpectedLayer e =
      expect_fixed(spec, mapping, d.hpf, d.x, d.tokens, d.bias, d.requant, d.layer_requant);
  e.sim_cycles =
      accel::simulate_linear(spec, mapping, name, d.w, d.x, d.tokens, d.bias).stats.cycles;
  return e;
}

// The layer's descriptor(s), weight bursts and activation words; a resident layer gets a
// load-only entry first (its weights at w_base, advanced past them).
void add_dense_jobs(const accel::AccelSpec& spec, const std::string& name, const DenseLayer& d,
                    int64_t tile, bool resident, int64_t& w_base, std::vector<uint8_t>& act,
                    std::vector<LayerJob>& jobs) {
  const accel::RtlLayer layer =
      accel::dense_layer(spec, d.w.rows, d.w.cols, !d.bias.empty(), !d.requant.empty());
  const accel::RtlWeightImage img = accel::dense_image(spec, d.w, d.bias, d.requant);
  const int64_t groups = (tile + kBuild.lanes - 1) / kBuild.lanes, rn = layer.rounds * layer.n;
  auto need = [&](bool ok, const std::string& what) {
    if (!ok) throw std::runtime_error(name + ": " + what + " exceeds the build's depth");
  };
  need(layer.q_rows * groups <= kBuild.out_words, "accumulators (OUT_WORDS)");
  need(layer.q_rows <= kBuild.rp_words, "row parameters (RP_WORDS)");
  need(resident ? w_base + layer.blocks * rn <= kBuild.wb_words : 2 * rn <= kBuild.wb_words,
       "weights (WB_WORDS)");
  int64_t r_base = 0;  // no row memory
  add_image_jobs(spec, name, layer, img, d.x, d.tokens, tile, resident, d.layer_requant, w_base,
                 r_base, act, jobs);
}

int run_sequence(const std::vector<Case>& cases, double bytes_per_cycle, uint64_t& seed,
                 int& failures) {
  const accel::AccelSpec spec = dense_spec(bytes_per_cycle);
  if (accel::dense_beat_bytes(spec) != kBuild.beat) {
    std::printf("SKIP rate %.3f B/cycle: beat %lld differs from the build's %lld\n",
                bytes_per_cycle, static_cast<long long>(accel::dense_beat_bytes(spec)),
                static_cast<long long>(kBuild.beat));
    return 0;
  }
  std::vector<LayerJob> jobs;
  std::vector<ExpectedLayer> want;
  std::vector<uint8_t> act;
  int64_t w_base = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    const std::string name = "dense" + std::to_string(i);
    const DenseLayer d = make_dense_layer(c, seed);
    seed += 10;
    if (!same_integers(d)) {
      std::printf("FAIL %s: the HPF at density 1 does not hold the dense integers\n", name.c_str());
      ++failures;
    }
    const accel::Mapping mapping{accel::Deal::kRoundRobin, c.tile, c.resident};
    ExpectedLayer e = expect_dense(spec, mapping, name, d);
    add_dense_jobs(spec, name, d, e.tile, c.resident, w_base, act, jobs);
    want.push_back(std::move(e));
  }
  Vhpa model;
  Harness<Vhpa> h(model, kBuild);
  const std::vector<LayerOutcome> got = h.run(jobs, act, bytes_per_cycle);
  size_t k = 0;
  for (size_t j = 0; j < jobs.size(); ++j) {
    if (jobs[j].compute)
      failures += check_layer(kBuild, jobs[j].name, want[k++], got[j], bytes_per_cycle);
  }
  return 1;
}

}  // namespace
}  // namespace fitformer::rtltest

int main(int argc, char** argv) {
  using namespace fitformer::rtltest;
  Verilated::commandArgs(argc, argv);
  if (kBuild.indexed != 0) {
    std::printf("%s: built with INDEXED = 1, not the dense design\n", RTL_NAME);
    return EXIT_FAILURE;
  }
  int failures = 0, sequences_run = 0;
  uint64_t seed = 2000;
  // Rates above half the beat give the build's beat (dense_beat_bytes); below the beat the
  // memory bounds some layers, above it the port.
  const double rates[] = {0.5 * kBuild.beat + 0.25, static_cast<double>(kBuild.beat),
                          2.5 * kBuild.beat};
  for (double rate : rates) {
    auto seqs = sequences(kBuild, true);
    const char* extra = std::getenv("RTL_RANDOM");  // RTL_RANDOM=N: a longer sweep by hand
    const uint64_t randoms = extra ? std::strtoull(extra, nullptr, 10) : 3;
    for (uint64_t k = 0; k < randoms; ++k) {
      seqs.push_back(random_sequence(kBuild, seed + 7919 * k, true));
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
  std::printf("%s: %d sequences, %d failures\n", RTL_NAME, sequences_run, failures);
  return failures == 0 && sequences_run > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
