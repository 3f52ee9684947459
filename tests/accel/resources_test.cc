// The resource model: monotone in P, buffers and precision; the DSP48E2 int8 packing; the
// formulas on a hand-computed point; feasibility verdicts against the real catalog.
#include "accel/resources.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "io/catalog.h"

namespace fitformer::accel {
namespace {

const io::DeviceSpec& device(const std::vector<io::DeviceSpec>& all, const std::string& id) {
  for (const auto& d : all) {
    if (d.id == id) return d;
  }
  throw Error("catalog", id, "present", "missing");
}

TEST(Resources, MonotoneInPesAndBuffers) {
  ResourceEstimate prev;
  for (int64_t p = 1; p <= 1024; p *= 2) {
    AccelSpec s;
    s.pes = p;
    const ResourceEstimate e = estimate_resources(s, "DSP48E2");
    if (p > 1) {
      EXPECT_GT(e.dsp, prev.dsp);
      EXPECT_GE(e.bram36, prev.bram36);
      EXPECT_GT(e.lut, prev.lut);
      EXPECT_GT(e.ff, prev.ff);
    }
    prev = e;
  }
  AccelSpec a, b;
  b.weight_buffer_bytes = 4 * a.weight_buffer_bytes;
  EXPECT_GT(estimate_resources(b, "DSP48E2").bram36, estimate_resources(a, "DSP48E2").bram36);
  b = a;
  b.precision = Precision::kInt16;
  EXPECT_GT(estimate_resources(b, "DSP48E2").lut, estimate_resources(a, "DSP48E2").lut);
}

TEST(Resources, Int8PackingHalvesMultipliersOnlyOnDsp48e2) {
  AccelSpec s;
  s.pes = 32;
  s.token_lanes = 2;
  const int64_t fixed = s.pes * kRequantDsp + s.vector_lanes * kVectorLaneDsp;
  EXPECT_EQ(estimate_resources(s, "DSP48E2").dsp, 32 * 8 + fixed);
  EXPECT_EQ(estimate_resources(s, "DSP48E1").dsp, 2 * 32 * 8 + fixed);
  s.token_lanes = 1;
  EXPECT_EQ(estimate_resources(s, "DSP48E1").dsp, 32 * 8 + fixed);
  EXPECT_THROW(estimate_resources(s, "DSP58"), Error);
}

TEST(Resources, FormulasOnAHandComputedPoint) {
  AccelSpec s;  // P 16, B 8, Bc 64, int8, L 1, vector lanes 16
  s.weight_buffer_bytes = 100000;
  s.act_buffer_bytes = 4608;
  s.out_buffer_bytes = 0;
  const ResourceEstimate e = estimate_resources(s, "DSP48E2");
  EXPECT_EQ(e.dsp, 128 + 64 + 64);
  // weights: max(ceil(100000 / 4608) = 22, ceil(16 * 8 * 11 / 72) = 20); activations 1.
  EXPECT_EQ(e.bram36, 22 + 1);
  EXPECT_EQ(e.uram, 0);
  // 128 banks * (8 * 3 + 8) + 16 * (7 * 19 + 48) + 16 * 150 + 16 * 600 + 8000.
  EXPECT_EQ(e.lut, 128 * 32 + 16 * 181 + 2400 + 9600 + 8000);
  s.weight_memory = Memory::kUram;
  const ResourceEstimate u = estimate_resources(s, "DSP48E2");
  EXPECT_EQ(u.uram, 20);  // port width dominates 100000 / 36864
  EXPECT_EQ(u.bram36, 1);
}

TEST(Resources, VerdictsOnSmallAndLargeDevices) {
  const auto catalog = io::load_catalog(io::default_catalog_path());
  AccelSpec big;
  big.pes = 256;  // 2048 multipliers
  big.weight_buffer_bytes = 2 << 20;
  const ResourceEstimate on_pynq = estimate_resources(big, device(catalog, "pynq-z2"));
  EXPECT_FALSE(on_pynq.fit.ok);
  EXPECT_NE(on_pynq.fit.reason.find("dsp"), std::string::npos) << on_pynq.fit.reason;
  EXPECT_TRUE(estimate_resources(big, device(catalog, "u250")).fit.ok)
      << estimate_resources(big, device(catalog, "u250")).fit.reason;
  AccelSpec small;
  small.pes = 4;
  small.weight_buffer_bytes = 64 * 1024;
  small.act_buffer_bytes = small.out_buffer_bytes = 32 * 1024;
  for (const auto& d : catalog) {
    if (!d.fpga) continue;
    const ResourceEstimate e = estimate_resources(small, d);
    EXPECT_TRUE(e.fit.ok) << d.id << ": " << e.fit.reason;
  }
  small.weight_memory = Memory::kUram;
  EXPECT_FALSE(estimate_resources(small, device(catalog, "zcu102")).fit.ok);  // no URAM
  for (const auto& d : catalog) {
    if (!d.fpga) {
      EXPECT_FALSE(estimate_resources(small, d).fit.ok) << d.id;
    }
  }
}

}  // namespace
}  // namespace fitformer::accel
