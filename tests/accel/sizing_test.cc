// Per-device sizing on the real catalog: every FPGA gets a feasible configuration whose
// estimate the resource model and the mapping check confirm, and a device with at least as
// much of everything (usable resources, clock, bandwidth) is never slower.
#include "accel/sizing.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <variant>

#include "accel/rtl_image.h"
#include "core/error.h"
#include "io/catalog.h"

namespace fitformer::accel {
namespace {

SizingProblem tinybert_problem() {
  SizingProblem p;
  p.model = io::default_model_config(io::ModelFamily::kBertClassifier);
  p.model.hidden_size = 312;
  p.model.intermediate_size = 1200;
  p.model.num_attention_heads = 12;
  p.model.num_hidden_layers = 4;
  p.model.vocab_size = 30522;
  p.seq = 128;
  p.plan.sparsity = 0.9;
  p.precisions = {Precision::kInt8, Precision::kInt16};
  return p;
}

bool at_least(const io::DeviceSpec& a, const io::DeviceSpec& b) {
  const auto& fa = *a.fpga;
  const auto& fb = *b.fpga;
  auto u = [](int total, double f) { return std::floor(total * f); };
  return u(fa.dsp, fa.usable_fraction) >= u(fb.dsp, fb.usable_fraction) &&
         u(fa.bram36, fa.usable_fraction) >= u(fb.bram36, fb.usable_fraction) &&
         u(fa.uram, fa.usable_fraction) >= u(fb.uram, fb.usable_fraction) &&
         u(fa.lut, fa.usable_fraction) >= u(fb.lut, fb.usable_fraction) &&
         u(fa.ff, fa.usable_fraction) >= u(fb.ff, fb.usable_fraction) &&
         fa.clock_mhz >= fb.clock_mhz && a.memory_bandwidth_gbs >= b.memory_bandwidth_gbs &&
         (fa.dsp_type == fb.dsp_type || fa.dsp_type == "DSP48E2");
}

TEST(Sizing, EveryFpgaGetsAFeasibleConfigurationAndBiggerIsNeverSlower) {
  const auto catalog = io::load_catalog(io::default_catalog_path());
  const SizingProblem problem = tinybert_problem();
  const auto sized = size_catalog(catalog, problem);
  int fpgas = 0;
  for (const auto& d : catalog) fpgas += d.fpga.has_value();
  ASSERT_EQ(static_cast<int>(sized.size()), fpgas);
  ASSERT_GE(fpgas, 9);
  for (const SizedAccel& s : sized) {
    ASSERT_TRUE(s.verdict.ok) << s.device_id << ": " << s.verdict.reason;
    const auto& d = *std::find_if(catalog.begin(), catalog.end(),
                                  [&](const auto& x) { return x.id == s.device_id; });
    EXPECT_TRUE(estimate_resources(s.spec, d).fit.ok) << s.device_id;
    EXPECT_TRUE(check_mapping(s.spec, s.mapping, s.workload).ok) << s.device_id;
    EXPECT_EQ(s.spec.clock_mhz, d.fpga->clock_mhz);
    EXPECT_GT(s.latency.latency_us, 0);
    EXPECT_EQ(s.latency.provenance, Provenance::kModeled);
    EXPECT_GT(s.feasible, 0);
    EXPECT_LE(s.feasible, s.candidates);
    // The stored estimate is the one the model gives for the stored choice.
    EXPECT_EQ(estimate_latency(s.spec, s.mapping, s.workload).total_cycles, s.latency.total_cycles);
  }
  int pairs = 0;
  for (size_t i = 0; i < sized.size(); ++i) {
    for (size_t j = 0; j < sized.size(); ++j) {
      const auto& a = *std::find_if(catalog.begin(), catalog.end(),
                                    [&](const auto& x) { return x.id == sized[i].device_id; });
      const auto& b = *std::find_if(catalog.begin(), catalog.end(),
                                    [&](const auto& x) { return x.id == sized[j].device_id; });
      if (i == j || !at_least(a, b)) continue;
      ++pairs;
      // Equal clocks and bandwidth: the same grid point is feasible on both, so <= exactly;
      // otherwise allow the per-block rounding of transfer cycles (0.5 %).
      const bool same = a.fpga->clock_mhz == b.fpga->clock_mhz &&
                        a.memory_bandwidth_gbs == b.memory_bandwidth_gbs;
      EXPECT_LE(sized[i].latency.latency_us, sized[j].latency.latency_us * (same ? 1.0 : 1.005))
          << a.id << " vs " << b.id;
    }
  }
  EXPECT_GE(pairs, 3);
}

// The weight buffer is sized as the RTL lays the weights out (dummy segments pad each block's
// k1 to R x P): the emitted WB_WORDS holds every block's R x n words (resident) or two blocks
// of the largest layer (streaming), and check_mapping refuses one byte less.
TEST(Sizing, WeightBuffersHoldTheRtlsWeightWords) {
  const auto catalog = io::load_catalog(io::default_catalog_path());
  int resident = 0, designs = 0;
  for (const SizedAccel& s : size_catalog(catalog, tinybert_problem())) {
    ASSERT_TRUE(s.verdict.ok) << s.device_id;
    int64_t words = 0, largest = 0;
    for (const Op& op : s.workload.ops) {
      const auto* l = std::get_if<LinearOp>(&op);
      if (l == nullptr) continue;
      const int64_t blocks = (l->cols + s.spec.block_cols - 1) / s.spec.block_cols;
      const int64_t block_words = (l->k1 + s.spec.pes - 1) / s.spec.pes * l->n;
      words += blocks * block_words;
      largest = std::max(largest, block_words);
    }
    const int64_t wb_words = rtl_depths(s.spec).wb_words;
    EXPECT_LE(s.mapping.weights_resident ? words : 2 * largest, wb_words) << s.device_id;
    AccelSpec smaller = s.spec;
    --smaller.weight_buffer_bytes;
    EXPECT_FALSE(check_mapping(smaller, s.mapping, s.workload).ok) << s.device_id;
    resident += s.mapping.weights_resident;
    ++designs;
  }
  EXPECT_GT(resident, 0);
  EXPECT_LT(resident, designs);
}

TEST(Sizing, TheDefaultGridHoldsThePowersOfTwoAndTheirMidpoints) {
  const std::vector<int64_t> grid = default_pe_grid();
  std::vector<int64_t> expected;
  for (int64_t p = 1; p <= 4096; ++p) {
    const bool power = (p & (p - 1)) == 0;
    const bool three_powers = p % 3 == 0 && ((p / 3) & (p / 3 - 1)) == 0;
    if (power || three_powers) expected.push_back(p);
  }
  std::vector<int64_t> sorted = grid;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, expected);
}

// Issue 13 item 6: P is not held to powers of two. The default grid contains the powers of
// two, so no device gets slower than with powers alone; some device whose resources end
// between two powers of two gets a P of 3 x 2^k and is faster for it.
TEST(Sizing, PointsBetweenPowersOfTwoNeverHurtAndSomeDeviceUsesOne) {
  const auto catalog = io::load_catalog(io::default_catalog_path());
  SizingProblem powers = tinybert_problem();
  powers.pes.clear();
  for (int64_t p = 1; p <= 4096; p *= 2) powers.pes.push_back(p);
  const auto with_midpoints = size_catalog(catalog, tinybert_problem());
  const auto powers_only = size_catalog(catalog, powers);
  ASSERT_EQ(with_midpoints.size(), powers_only.size());
  int faster = 0;
  for (size_t i = 0; i < powers_only.size(); ++i) {
    const SizedAccel& a = with_midpoints[i];
    const SizedAccel& b = powers_only[i];
    ASSERT_TRUE(a.verdict.ok && b.verdict.ok) << a.device_id;
    EXPECT_LE(a.latency.latency_us, b.latency.latency_us) << a.device_id;
    if (a.latency.latency_us < b.latency.latency_us) {
      ++faster;
      EXPECT_NE(a.spec.pes & (a.spec.pes - 1), 0) << a.device_id << ": P " << a.spec.pes;
    }
  }
  EXPECT_GE(faster, 1);
}

TEST(Sizing, RefusesNonFpgaDevices) {
  const auto catalog = io::load_catalog(io::default_catalog_path());
  for (const auto& d : catalog) {
    if (!d.fpga) {
      EXPECT_THROW(size_accelerator(d, tinybert_problem()), Error) << d.id;
    }
  }
}

}  // namespace
}  // namespace fitformer::accel
