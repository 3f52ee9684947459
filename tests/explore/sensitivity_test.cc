// check_sensitivity on two real catalog devices (an FPGA priced below a GPU) and one candidate,
// with LC placed between the FPGA's latency at its catalog clock and at 80 % of it: only the
// FPGA clock case may change the answer, and the figures it quotes are the predictor's own.
#include "explore/sensitivity.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "common/catalog_device.h"
#include "common/temp_dir.h"

namespace fitformer::explore {
namespace {

using testing::catalog_device;

io::DeviceSpec catalog_device(const std::string& id, double price_usd) {
  io::DeviceSpec d = testing::catalog_device(id);
  d.price_usd = price_usd;
  return d;
}

DevicePredictor predictor() {
  DevicePredictor p;
  p.devices = {catalog_device("a100", 1000), catalog_device("zcu104", 100)};
  p.config = devices::task_model_config("causal-lm");
  p.seq = 64;
  return p;
}

std::vector<CandidatePoint> candidates() {
  CandidatePoint c;
  c.candidate.plan.sparsity = 0.75;
  c.candidate.precision = format::Precision::kInt8;
  c.metric = "acc";
  c.metric_value = 0.9;
  return {c};
}

const SensitivityOutcome& find(const std::vector<SensitivityOutcome>& all,
                               const std::string& name) {
  const auto it = std::find_if(all.begin(), all.end(),
                               [&](const SensitivityOutcome& o) { return o.assumption == name; });
  EXPECT_NE(it, all.end()) << name;
  return *it;
}

TEST(Sensitivity, OnlyTheFpgaClockCaseFlipsAChoiceMadeCloseToLc) {
  const AccuracyConstraint ac = parse_accuracy_constraint("acc>=0.8");
  DevicePredictor base = predictor();
  std::vector<DeviceLatency> rows = base.predict(candidates()[0].candidate, 0);
  const devices::Prediction* fpga = base.estimate("zcu104", 0);
  const devices::Prediction* gpu = base.estimate("a100", 0);
  ASSERT_TRUE(fpga && gpu && fpga->verdict.ok);
  DevicePredictor slow = predictor();
  slow.options.assumptions.fpga_clock_scale = 0.8;
  slow.predict(candidates()[0].candidate, 0);
  const double slow_us = slow.estimate("zcu104", 0)->latency_us;
  ASSERT_GT(slow_us, fpga->latency_us);
  const double lc_us = (fpga->latency_us + slow_us) / 2;

  const Selection chosen =
      select_device(candidates(), rows, base.devices, lc_us, ac, Objective::kPrice);
  ASSERT_TRUE(chosen.feasible);
  ASSERT_EQ(chosen.device_id, "zcu104");
  EXPECT_NEAR(lc_margin(chosen, lc_us), 1 - fpga->latency_us / lc_us, 1e-12);

  const auto all = check_sensitivity(candidates(), base, chosen, lc_us, ac, Objective::kPrice, {});
  ASSERT_EQ(all.size(), assumption_cases().size());
  const SensitivityOutcome& minus = find(all, "FPGA clocks -20 %");
  EXPECT_TRUE(minus.changes_choice);
  ASSERT_TRUE(minus.chosen_latency_us.has_value());
  EXPECT_DOUBLE_EQ(*minus.chosen_latency_us, slow_us);
  EXPECT_FALSE(minus.chosen_meets_lc);
  // The GPU takes over where it meets LC; otherwise nothing is feasible.
  const bool gpu_meets = gpu->latency_us <= lc_us;
  EXPECT_EQ(minus.feasible, gpu_meets);
  EXPECT_EQ(minus.device_id, gpu_meets ? "a100" : "");
  for (const SensitivityOutcome& o : all) {
    if (o.assumption == minus.assumption) continue;
    EXPECT_FALSE(o.changes_choice) << o.assumption;
    EXPECT_EQ(o.device_id, "zcu104") << o.assumption;
    ASSERT_TRUE(o.chosen_latency_us.has_value()) << o.assumption;
    EXPECT_TRUE(o.chosen_meets_lc) << o.assumption;
  }
  EXPECT_LT(*find(all, "FPGA clocks +20 %").chosen_latency_us, fpga->latency_us);
  EXPECT_DOUBLE_EQ(*find(all, "GPU per-op overhead 16 us").chosen_latency_us, fpga->latency_us);
}

// Every kind of device, this host included (measured, cached in a temporary folder): each
// case's outcome equals the selection redone from scratch, every device predicted again under
// the case's assumptions; and the host is not measured again for any case.
TEST(Sensitivity, EqualsEveryDevicePredictedAgainAndLeavesTheHostAlone) {
  const testing::TempDir cache;
  DevicePredictor base = predictor();
  base.devices = {catalog_device("host"), catalog_device("rpi5"), catalog_device("a100"),
                  catalog_device("zcu104")};
  base.options.cache_dir = cache.path();
  const std::vector<CandidatePoint> points = candidates();
  const AccuracyConstraint ac = parse_accuracy_constraint("acc>=0.8");
  const double lc_us = 1e6;  // every device meets it: the price decides
  const Selection chosen = select_device(points, base.predict(points[0].candidate, 0), base.devices,
                                         lc_us, ac, Objective::kPrice);
  ASSERT_TRUE(chosen.feasible);
  ASSERT_EQ(chosen.device_id, "rpi5");  // the cheapest in scope (the host is left out)
  ASSERT_TRUE(base.estimate("rpi5", 0)->calibration.has_value());

  struct Reference {
    Selection selection;
    DevicePredictor predictor;
  };
  std::vector<Reference> want;
  for (const AssumptionCase& c : assumption_cases()) {
    Reference r{{}, predictor()};
    r.predictor.devices = base.devices;
    r.predictor.options.cache_dir = cache.path();  // the host's figure as measured above
    r.predictor.options.assumptions = c.assumptions;
    const std::vector<DeviceLatency> rows = r.predictor.predict(points[0].candidate, 0);
    r.selection = select_device(points, rows, base.devices, lc_us, ac, Objective::kPrice);
    want.push_back(std::move(r));
  }
  // A host measured again would write its cache file anew.
  const std::filesystem::path measurements = cache.path() / "devices";
  ASSERT_TRUE(std::filesystem::exists(measurements));
  std::filesystem::remove_all(measurements);

  const auto all = check_sensitivity(points, base, chosen, lc_us, ac, Objective::kPrice, {});
  EXPECT_FALSE(std::filesystem::exists(measurements));
  ASSERT_EQ(all.size(), want.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    const SensitivityOutcome& o = all[i];
    const Selection& s = want[i].selection;
    const devices::Prediction* rpi5 = want[i].predictor.estimate("rpi5", 0);
    ASSERT_NE(rpi5, nullptr);
    EXPECT_EQ(o.feasible, s.feasible) << o.assumption;
    EXPECT_EQ(o.device_id, s.device_id) << o.assumption;
    EXPECT_DOUBLE_EQ(o.latency_us, s.latency_us) << o.assumption;
    ASSERT_TRUE(o.chosen_latency_us.has_value()) << o.assumption;
    EXPECT_DOUBLE_EQ(*o.chosen_latency_us, rpi5->latency_us) << o.assumption;
  }
  // Without the calibration the Pi's figure is its plain roofline.
  const SensitivityOutcome& off = find(all, "CPU calibration off");
  EXPECT_DOUBLE_EQ(*off.chosen_latency_us, *base.estimate("rpi5", 0)->roofline_us);
  EXPECT_NE(*off.chosen_latency_us, base.estimate("rpi5", 0)->latency_us);
}

}  // namespace
}  // namespace fitformer::explore
