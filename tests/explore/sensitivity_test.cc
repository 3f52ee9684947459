// check_sensitivity on two real catalog devices (an FPGA priced below a GPU) and one candidate,
// with LC placed between the FPGA's latency at its catalog clock and at 80 % of it: only the
// FPGA clock case may change the answer, and the figures it quotes are the predictor's own.
#include "explore/sensitivity.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace fitformer::explore {
namespace {

io::DeviceSpec catalog_device(const std::string& id, double price_usd) {
  const std::vector<io::DeviceSpec> all = io::load_catalog(io::default_catalog_path());
  const auto it =
      std::find_if(all.begin(), all.end(), [&](const io::DeviceSpec& d) { return d.id == id; });
  EXPECT_NE(it, all.end()) << id;
  io::DeviceSpec d = *it;
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

  LoopResult loop;
  loop.candidates = candidates();
  loop.latencies = rows;
  const auto all = check_sensitivity(loop, base, chosen, lc_us, ac, Objective::kPrice, {});
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

}  // namespace
}  // namespace fitformer::explore
