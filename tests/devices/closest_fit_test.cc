// closest_design on an FPGA the sotu-lm model does not fit (PYNQ-Z2, at seq 64 as select runs
// it): checked against accel's own sizing and fit check, not against closest_fit's arithmetic.
#include "devices/closest_fit.h"

#include <gtest/gtest.h>

#include <cmath>

#include "accel/resources.h"
#include "accel/sizing.h"
#include "common/catalog_device.h"
#include "devices/predict.h"

namespace fitformer::devices {
namespace {

using testing::catalog_device;

accel::SizingProblem sotu_problem() {
  accel::SizingProblem p;
  p.model = task_model_config("causal-lm");
  p.seq = 64;
  return p;
}

// The device with every resource count multiplied by `growth`, rounded up.
io::DeviceSpec grown(const io::DeviceSpec& d, double growth) {
  io::DeviceSpec out = d;
  for (int* count :
       {&out.fpga->dsp, &out.fpga->bram36, &out.fpga->uram, &out.fpga->lut, &out.fpga->ff})
    *count = static_cast<int>(std::ceil(*count * growth));
  return out;
}

TEST(ClosestDesign, NeedsTheLeastGrowthThatLetsADesignFit) {
  const io::DeviceSpec& pynq = catalog_device("pynq-z2");
  const accel::SizingProblem p = sotu_problem();
  ASSERT_FALSE(accel::size_accelerator(pynq, p).verdict.ok) << "the premise: nothing fits";
  const auto closest = closest_design(pynq, p);
  ASSERT_TRUE(closest.has_value());
  // Judged against the real device, it does not fit, and says which resource is short.
  EXPECT_FALSE(closest->verdict.ok);
  EXPECT_EQ(closest->verdict.reason, accel::check_fit(closest->resources, pynq).reason);
  const double share = largest_usable_share(*closest, pynq);
  EXPECT_GT(share, 1.0);
  // It fits the device grown by its largest share; with 2 % less growth nothing of the grid
  // fits (the bisection stops at 1 %).
  EXPECT_TRUE(accel::check_fit(closest->resources, grown(pynq, share * 1.001)).ok);
  EXPECT_FALSE(accel::size_accelerator(grown(pynq, share / 1.02), p).verdict.ok);
  // The text names every short resource with its share.
  const std::string text = shortfall(*closest, pynq);
  EXPECT_NE(text.find(" needs "), std::string::npos) << text;
  EXPECT_NE(text.find("% of usable"), std::string::npos) << text;
}

TEST(ClosestDesign, PredictionOfADeviceNothingFitsCarriesIt) {
  CandidateModel m;
  m.config = task_model_config("causal-lm");
  m.seq = 64;
  const Prediction e = predict_latency(catalog_device("pynq-z2"), m);
  ASSERT_FALSE(e.verdict.ok);
  ASSERT_TRUE(e.closest.has_value());
  EXPECT_NE(e.verdict.reason.find("the closest design (P="), std::string::npos) << e.verdict.reason;
  // A device that fits has none.
  EXPECT_FALSE(predict_latency(catalog_device("zcu104"), m).closest.has_value());
}

TEST(ClosestDesign, NoneWhenNothingFitsEvenGrown) {
  io::DeviceSpec tiny = catalog_device("pynq-z2");
  tiny.fpga->bram36 = 0;  // streaming still needs block RAM; growth cannot create any
  EXPECT_FALSE(closest_design(tiny, sotu_problem()).has_value());
}

}  // namespace
}  // namespace fitformer::devices
