// The resource model: monotone in P, buffers and precision; two token lanes; the
// formulas on a hand-computed point; feasibility verdicts against the real catalog.
#include "accel/resources.h"

#include <gtest/gtest.h>

#include <cmath>

#include "common/catalog_device.h"
#include "core/error.h"
#include "io/catalog.h"

namespace fitformer::accel {
namespace {

using testing::catalog_device;

TEST(Resources, MonotoneInPesAndBuffers) {
  ResourceEstimate prev;
  for (int64_t p = 1; p <= 1024; p *= 2) {
    AccelSpec s;
    s.pes = p;
    const ResourceEstimate e = estimate_resources(s, "DSP48E2");
    if (p > 1) {
      EXPECT_GT(e.dsp, prev.dsp);
      EXPECT_GT(e.lut, prev.lut);
      EXPECT_GT(e.ff, prev.ff);
    }
    prev = e;
  }
  // Block RAM is not monotone in P at a fixed buffer: split over more PEs, each PE's weight
  // memory gets shallower, and at 64 words it is LUTRAM.
  AccelSpec shallow;
  shallow.pes = 512;
  shallow.weight_buffer_bytes = 512 * 8 * 11 * 64 / 8;  // 64 words per PE
  AccelSpec deep = shallow;
  deep.weight_buffer_bytes *= 2;  // 128 words per PE: block RAM
  const ResourceEstimate s = estimate_resources(shallow, "DSP48E2");
  const ResourceEstimate d = estimate_resources(deep, "DSP48E2");
  EXPECT_GT(d.bram36, s.bram36 + 512 / 2);
  EXPECT_GT(s.lut, d.lut);
  AccelSpec a, b;
  b.weight_buffer_bytes = 4 * a.weight_buffer_bytes;
  EXPECT_GT(estimate_resources(b, "DSP48E2").bram36, estimate_resources(a, "DSP48E2").bram36);
  // int16 widens the datapath; at equal depths (at equal bytes its memories are shallower,
  // and the row memory follows them) it takes more LUTs and FFs.
  b = a;
  b.precision = Precision::kInt16;
  const RtlDepths depths = rtl_depths(a);
  EXPECT_GT(estimate_engine_resources(b, depths).lut, estimate_engine_resources(a, depths).lut);
  EXPECT_GT(estimate_engine_resources(b, depths).ff, estimate_engine_resources(a, depths).ff);
}

TEST(Resources, TwoTokenLanesDoubleTheMultipliersOnEitherDsp) {
  AccelSpec s;
  s.pes = 32;
  s.token_lanes = 2;
  const int64_t fixed = 32 * kRequantDspInt8 + s.vector_lanes * kVectorLaneDsp;  // NB = 32
  EXPECT_EQ(estimate_resources(s, "DSP48E2").dsp, 2 * 32 * 8 + fixed);
  EXPECT_EQ(estimate_resources(s, "DSP48E1").dsp, 2 * 32 * 8 + fixed);
  s.token_lanes = 1;
  EXPECT_EQ(estimate_resources(s, "DSP48E1").dsp, 32 * 8 + fixed);
  s.pes = 24;  // 32 output banks, each with its requantizer
  s.precision = Precision::kInt16;
  EXPECT_EQ(estimate_resources(s, "DSP48E2").dsp,
            24 * 8 + 32 * kRequantDspInt16 + s.vector_lanes * kVectorLaneDsp);
  EXPECT_THROW(estimate_resources(s, "DSP58"), Error);
}

TEST(Resources, FormulasOnAHandComputedPoint) {
  AccelSpec s;  // P 16, B 8, Bc 64, int8, L 1, vector lanes 16
  s.weight_buffer_bytes = 100000;
  s.act_buffer_bytes = 4608;
  s.out_buffer_bytes = 0;
  const ResourceEstimate e = estimate_resources(s, "DSP48E2");
  EXPECT_EQ(e.dsp, 128 + 16 * 4 + 16 * 4);
  // Depths: weights ceil(800000 / (16 * 8 * 11)) = 569, even 570; activations 4608 / 8 = 576;
  // outputs and row parameters 1 word (LUTRAM). Per PE 570 x 64 (4 units), 570 x 24 (2), the
  // rows 570 x 16 (1) and their banks 570 x 5 (1); activations 576 x 64 (4): 132 units.
  EXPECT_EQ(e.bram36, 66);
  EXPECT_EQ(e.uram, 0);
  // Partial sums crossing the commit stage: 2 x 8 + clog2(64) bits.
  EXPECT_EQ(rtl_psum_bits(s), 22);
  AccelSpec wide = s;
  wide.precision = Precision::kInt16;
  EXPECT_EQ(rtl_psum_bits(wide), 38);  // 2 x 16 + 6
  wide.block_cols = 1 << 20;
  EXPECT_EQ(rtl_psum_bits(wide), 48);  // at most the 48-bit register
  const double engine =
      kEngineLut + 16 * kPeLut + 16 * 8 * 8 * kMultBitLut + 16 * 16 * kCrossbarLut;
  // Conflict counts 570 x 5 bits: k = 9, 5 * (8 + 3) LUTs beyond 64 words. Output and
  // row-parameter memories of 1 word are LUTRAM: 8 * (ceil(33 / 7) + ceil(32 / 7) +
  // ceil(40 / 7)) = 128 LUTs per bank.
  EXPECT_EQ(e.lut, std::llround(engine) + 55 + 16 * 128 + 16 * kVectorLaneLut + kShellLut);
  s.weight_memory = Memory::kUram;
  const ResourceEstimate u = estimate_resources(s, "DSP48E2");
  EXPECT_EQ(u.uram, 16 * 2);  // values and offsets: one 4096 x 72 block each per PE
  EXPECT_EQ(u.bram36, 18);    // activations and the row memories: 36 units
}

TEST(Resources, VerdictsOnSmallAndLargeDevices) {
  const auto& catalog = testing::shipped_catalog();
  AccelSpec big;
  // 512 multipliers. (P 256 fits no FPGA now: the commit crossbar's LUTs grow with P x NB.)
  big.pes = 64;
  big.weight_buffer_bytes = 2 << 20;
  const ResourceEstimate on_pynq = estimate_resources(big, catalog_device("pynq-z2"));
  EXPECT_FALSE(on_pynq.fit.ok);
  EXPECT_NE(on_pynq.fit.reason.find("dsp"), std::string::npos) << on_pynq.fit.reason;
  EXPECT_TRUE(estimate_resources(big, catalog_device("u250")).fit.ok)
      << estimate_resources(big, catalog_device("u250")).fit.reason;
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
  EXPECT_FALSE(estimate_resources(small, catalog_device("zcu102")).fit.ok);  // no URAM
  for (const auto& d : catalog) {
    if (!d.fpga) {
      EXPECT_FALSE(estimate_resources(small, d).fit.ok) << d.id;
    }
  }
}

}  // namespace
}  // namespace fitformer::accel
