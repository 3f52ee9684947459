// select_device on a synthetic catalog whose answers are worked out by hand: tightening LC
// moves the choice from cheap to expensive devices, each objective picks its own device,
// ties go to the smaller id, and impossible constraints quote the nearest feasible points.
#include "explore/select.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/error.h"

namespace fitformer::explore {
namespace {

io::DeviceSpec device(std::string id, double price_usd, double power_w) {
  io::DeviceSpec d;
  d.id = std::move(id);
  d.price_usd = price_usd;
  d.power_w = power_w;
  return d;
}

// Catalog order differs from price order on purpose.
std::vector<io::DeviceSpec> catalog() {
  return {device("gpu-big", 3000, 300), device("cpu-small", 100, 10), device("fpga-mid", 500, 25),
          device("cpu-mid", 300, 65)};
}

CandidatePoint candidate(double sparsity, double value, std::string metric = "acc") {
  CandidatePoint c;
  c.candidate.plan.sparsity = sparsity;
  c.metric = std::move(metric);
  c.metric_value = value;
  return c;
}

// acc 0.90, 0.85, 0.78, 0.70 at sparsity 0, 0.5, 0.8, 0.9.
std::vector<CandidatePoint> candidates() {
  return {candidate(0.0, 0.90), candidate(0.5, 0.85), candidate(0.8, 0.78), candidate(0.9, 0.70)};
}

DeviceLatency row(std::string id, size_t c, double us) {
  DeviceLatency r;
  r.device_id = std::move(id);
  r.candidate = c;
  r.latency_us = us;
  return r;
}

// Microseconds per candidate 0..3; the dense model does not fit the FPGA.
std::vector<DeviceLatency> latencies() {
  std::vector<DeviceLatency> rows = {
      row("cpu-small", 0, 20000), row("cpu-small", 1, 10000), row("cpu-small", 2, 4000),
      row("cpu-small", 3, 2000),  row("cpu-mid", 0, 8000),    row("cpu-mid", 1, 4000),
      row("cpu-mid", 2, 1600),    row("cpu-mid", 3, 800),     row("fpga-mid", 0, 0),
      row("fpga-mid", 1, 2000),   row("fpga-mid", 2, 800),    row("fpga-mid", 3, 400),
      row("gpu-big", 0, 500),     row("gpu-big", 1, 300),     row("gpu-big", 2, 200),
      row("gpu-big", 3, 150)};
  rows[8].fits = {.ok = false, .reason = "needs 400 BRAM36 > 312"};
  return rows;
}

const DeviceOutcome& outcome(const Selection& s, const std::string& id) {
  for (const DeviceOutcome& o : s.devices) {
    if (o.device_id == id) return o;
  }
  throw std::out_of_range(id);
}

template <typename Fn>
std::string error_field(Fn fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.field();
  }
  return "";
}

// A scope in one expression (designated initializers that skip a field trip
// -Wmissing-field-initializers).
DeviceScope scope(std::vector<std::string> only, std::vector<std::string> excluded = {},
                  bool include_host = false) {
  DeviceScope s;
  s.only = std::move(only);
  s.excluded = std::move(excluded);
  s.include_host = include_host;
  return s;
}

const AccuracyConstraint kAcc80 = {.metric = "acc", .threshold = 0.80, .higher_is_better = true};

TEST(SelectDevice, TighteningLcMovesTheChoiceUpTheCatalog) {
  struct Case {
    double lc_us;
    const char* device;
    size_t candidate;
    double latency_us;
  };
  // Candidates 0 and 1 meet acc>=0.80; on each device candidate 1 is the faster.
  for (const Case& c : {Case{15000, "cpu-small", 1, 10000}, Case{5000, "cpu-mid", 1, 4000},
                        Case{3000, "fpga-mid", 1, 2000}, Case{1000, "gpu-big", 1, 300}}) {
    const Selection s =
        select_device(candidates(), latencies(), catalog(), c.lc_us, kAcc80, Objective::kPrice);
    ASSERT_TRUE(s.feasible) << c.lc_us;
    EXPECT_EQ(s.device_id, c.device) << c.lc_us;
    EXPECT_EQ(s.candidate, c.candidate) << c.lc_us;
    EXPECT_DOUBLE_EQ(s.latency_us, c.latency_us) << c.lc_us;
    EXPECT_TRUE(outcome(s, c.device).chosen);
    EXPECT_EQ(outcome(s, c.device).reason, "");
  }
}

TEST(SelectDevice, EveryLoserSaysWhy) {
  const Selection s =
      select_device(candidates(), latencies(), catalog(), 3000, kAcc80, Objective::kPrice);
  ASSERT_EQ(s.devices.size(), 4u);
  EXPECT_EQ(s.devices[0].device_id, "gpu-big");  // catalog order kept
  EXPECT_EQ(s.device_id, "fpga-mid");
  EXPECT_DOUBLE_EQ(s.objective_value, 500);
  EXPECT_EQ(outcome(s, "cpu-small").reason, "too slow: best 10 ms > LC 3 ms");
  EXPECT_EQ(outcome(s, "cpu-mid").reason, "too slow: best 4 ms > LC 3 ms");
  EXPECT_EQ(outcome(s, "gpu-big").reason,
            "more expensive than the chosen: system_price_usd 3000 > 500");
  EXPECT_FALSE(outcome(s, "cpu-mid").feasible);
  EXPECT_TRUE(outcome(s, "gpu-big").feasible);
  ASSERT_TRUE(outcome(s, "cpu-mid").best);
  EXPECT_EQ(outcome(s, "cpu-mid").best->candidate, 1u);
}

TEST(SelectDevice, AModelThatDoesNotFitIsReportedWithItsReason) {
  // Only the dense candidate meets acc>=0.88, and it does not fit the FPGA.
  const AccuracyConstraint ac{.metric = "acc", .threshold = 0.88, .higher_is_better = true};
  const Selection s =
      select_device(candidates(), latencies(), catalog(), 10000, ac, Objective::kPrice);
  ASSERT_TRUE(s.feasible);
  EXPECT_EQ(s.device_id, "cpu-mid");
  EXPECT_EQ(s.candidate, 0u);
  EXPECT_EQ(outcome(s, "fpga-mid").reason, "model does not fit: needs 400 BRAM36 > 312");
  EXPECT_EQ(outcome(s, "cpu-small").reason, "too slow: best 20 ms > LC 10 ms");
  EXPECT_FALSE(outcome(s, "fpga-mid").best);
}

TEST(SelectDevice, EachObjectivePicksItsOwnDevice) {
  // At LC 5 ms cpu-mid (300 USD, 65 W, 4 ms), fpga-mid (500 USD, 25 W, 2 ms) and gpu-big
  // (3000 USD, 300 W, 0.3 ms) are feasible.
  const Selection price =
      select_device(candidates(), latencies(), catalog(), 5000, kAcc80, Objective::kPrice);
  EXPECT_EQ(price.device_id, "cpu-mid");
  EXPECT_DOUBLE_EQ(price.objective_value, 300);
  const Selection power =
      select_device(candidates(), latencies(), catalog(), 5000, kAcc80, Objective::kPower);
  EXPECT_EQ(power.device_id, "fpga-mid");
  EXPECT_DOUBLE_EQ(power.objective_value, 25);
  EXPECT_EQ(outcome(power, "cpu-mid").reason, "more expensive than the chosen: power_w 65 > 25");
  const Selection latency =
      select_device(candidates(), latencies(), catalog(), 5000, kAcc80, Objective::kLatency);
  EXPECT_EQ(latency.device_id, "gpu-big");
  EXPECT_EQ(latency.candidate, 1u);
  EXPECT_DOUBLE_EQ(latency.objective_value, 300);
  EXPECT_EQ(outcome(latency, "fpga-mid").reason,
            "more expensive than the chosen: latency_us 2000 > 300");
}

TEST(SelectDevice, ADeviceSubsetExcludesTheOthers) {
  const Selection s = select_device(candidates(), latencies(), catalog(), 5000, kAcc80,
                                    Objective::kPrice, scope({"cpu-small", "fpga-mid"}));
  ASSERT_TRUE(s.feasible);
  EXPECT_EQ(s.device_id, "fpga-mid");  // cpu-mid would win without the subset
  EXPECT_EQ(outcome(s, "cpu-mid").reason, "not in --devices");
  EXPECT_EQ(outcome(s, "gpu-big").reason, "not in --devices");
  EXPECT_EQ(outcome(s, "cpu-small").reason, "too slow: best 10 ms > LC 5 ms");
  EXPECT_EQ(error_field([] {
              select_device(candidates(), latencies(), catalog(), 5000, kAcc80, Objective::kPrice,
                            scope({"tpu"}));
            }),
            "--devices");
}

TEST(SelectDevice, ExcludedDevicesLoseForThatReason) {
  const Selection s = select_device(candidates(), latencies(), catalog(), 5000, kAcc80,
                                    Objective::kPrice, scope({}, {"cpu-mid"}));
  ASSERT_TRUE(s.feasible);
  EXPECT_EQ(s.device_id, "fpga-mid");  // cpu-mid (300 USD) would win
  EXPECT_EQ(outcome(s, "cpu-mid").reason, "excluded by --exclude-devices");
  EXPECT_FALSE(outcome(s, "cpu-mid").best);
}

// Issue 14: the machine fitformer runs on costs 0 and would win every LC it meets; it is not
// a product to buy, so it is a candidate only when asked for.
TEST(SelectDevice, TheHostIsACandidateOnlyWhenAskedFor) {
  std::vector<io::DeviceSpec> devices = catalog();
  io::DeviceSpec host = device("host", 0, 50);
  host.is_host = true;
  devices.push_back(host);
  std::vector<DeviceLatency> rows = latencies();
  rows.push_back(row("host", 1, 4500));
  const Selection without =
      select_device(candidates(), rows, devices, 5000, kAcc80, Objective::kPrice);
  EXPECT_EQ(without.device_id, "cpu-mid");
  EXPECT_EQ(outcome(without, "host").reason,
            "the host (this machine) is not a candidate without --include-host");
  const Selection with = select_device(candidates(), rows, devices, 5000, kAcc80, Objective::kPrice,
                                       scope({}, {}, true));
  EXPECT_EQ(with.device_id, "host");
  EXPECT_DOUBLE_EQ(with.objective_value, 0);
  // Naming it in --devices asks for it too.
  const Selection named = select_device(candidates(), rows, devices, 5000, kAcc80,
                                        Objective::kPrice, scope({"host", "cpu-mid"}));
  EXPECT_EQ(named.device_id, "host");
}

// Issue 14: the price objective compares working systems: a card that needs a server costs
// the card plus the server.
TEST(SelectDevice, ThePriceObjectiveAddsTheHostSystemADeviceNeeds) {
  std::vector<io::DeviceSpec> devices = catalog();
  devices[2].host_system_usd = 4000;  // fpga-mid: 500 USD card in a 4000 USD server
  const Selection s =
      select_device(candidates(), latencies(), devices, 3000, kAcc80, Objective::kPrice);
  ASSERT_TRUE(s.feasible);
  EXPECT_EQ(s.device_id, "gpu-big");  // 3000 < 4500; without the server fpga-mid (500) wins
  EXPECT_DOUBLE_EQ(s.objective_value, 3000);
  EXPECT_EQ(outcome(s, "fpga-mid").reason,
            "more expensive than the chosen: system_price_usd 4500 > 3000");
}

TEST(SelectDevice, AnUnknownIdOrAnEmptyScopeIsRefusedWithTheNearestId) {
  const auto message = [](const DeviceScope& scope) -> std::string {
    try {
      check_scope(scope, catalog());
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_EQ(message(scope({"fpga-mdi"})),
            "--devices: expected a device id of the catalog (fitformer devices lists them), "
            "found \"fpga-mdi\" (did you mean \"fpga-mid\"?)");
  EXPECT_EQ(message(scope({}, {"gpu-bgi"})),
            "--exclude-devices: expected a device id of the catalog (fitformer devices lists "
            "them), found \"gpu-bgi\" (did you mean \"gpu-big\"?)");
  EXPECT_EQ(message(scope({"tpu"})),
            "--devices: expected a device id of the catalog (fitformer devices lists them), "
            "found \"tpu\"");
  EXPECT_NE(message(scope({"cpu-mid"}, {"cpu-mid"}))
                .find("--devices: expected a device left to choose from after --devices, "
                      "--exclude-devices and "
                      "the host rule (--include-host), found none"),
            std::string::npos);
  EXPECT_EQ(message(scope({"cpu-mid"}, {"gpu-big"})), "no error");
}

TEST(SelectDevice, TiesGoToTheSmallerDeviceIdWhateverTheCatalogOrder) {
  std::vector<io::DeviceSpec> devices = {device("b-dev", 200, 20), device("a-dev", 200, 20)};
  const std::vector<CandidatePoint> cands = {candidate(0.5, 0.85)};
  const std::vector<DeviceLatency> rows = {row("b-dev", 0, 1000), row("a-dev", 0, 1000)};
  for (int order = 0; order < 2; ++order) {
    const Selection s = select_device(cands, rows, devices, 5000, kAcc80, Objective::kPrice);
    EXPECT_EQ(s.device_id, "a-dev");
    EXPECT_EQ(
        outcome(s, "b-dev").reason,
        "more expensive than the chosen: system_price_usd 200 = 200, tie broken by device id");
    std::swap(devices[0], devices[1]);
  }
}

TEST(SelectDevice, OnTheWinningDeviceCandidatesRankByLatencyThenMetricThenSparsity) {
  const std::vector<io::DeviceSpec> devices = {device("dev", 100, 10)};
  // Same latency: the more accurate wins; same latency and accuracy: the less sparse.
  const std::vector<CandidatePoint> cands = {candidate(0.7, 0.82), candidate(0.6, 0.84),
                                             candidate(0.5, 0.84), candidate(0.9, 0.95)};
  std::vector<DeviceLatency> rows = {row("dev", 0, 1000), row("dev", 1, 1000), row("dev", 2, 1000),
                                     row("dev", 3, 1200)};
  Selection s = select_device(cands, rows, devices, 5000, kAcc80, Objective::kPrice);
  EXPECT_EQ(s.candidate, 2u);
  rows[0].latency_us = 900;  // now strictly fastest
  s = select_device(cands, rows, devices, 5000, kAcc80, Objective::kPrice);
  EXPECT_EQ(s.candidate, 0u);
}

TEST(SelectDevice, ImpossibleConstraintsQuoteTheNearestFeasiblePoints) {
  // LC 0.2 ms: the fastest candidate meeting AC is gpu-big's candidate 1 at 0.3 ms; within
  // 0.2 ms the best accuracy is gpu-big's candidate 2 (0.78 at 200 us).
  const Selection s =
      select_device(candidates(), latencies(), catalog(), 200, kAcc80, Objective::kPrice);
  EXPECT_FALSE(s.feasible);
  EXPECT_EQ(s.device_id, "");
  for (const DeviceOutcome& o : s.devices) EXPECT_FALSE(o.chosen);
  EXPECT_EQ(outcome(s, "gpu-big").reason, "too slow: best 0.3 ms > LC 0.2 ms");
  ASSERT_TRUE(s.best_latency_at_ac);
  EXPECT_EQ(s.best_latency_at_ac->device_id, "gpu-big");
  EXPECT_EQ(s.best_latency_at_ac->candidate, 1u);
  EXPECT_DOUBLE_EQ(s.best_latency_at_ac->latency_us, 300);
  ASSERT_TRUE(s.best_accuracy_at_lc);
  EXPECT_EQ(s.best_accuracy_at_lc->device_id, "gpu-big");
  EXPECT_EQ(s.best_accuracy_at_lc->candidate, 2u);
  EXPECT_DOUBLE_EQ(s.best_accuracy_at_lc->metric_value, 0.78);
}

TEST(SelectDevice, AnAccuracyNoCandidateReachesIsInfeasibleOnEveryDevice) {
  const AccuracyConstraint ac{.metric = "acc", .threshold = 0.95, .higher_is_better = true};
  const Selection s =
      select_device(candidates(), latencies(), catalog(), 5000, ac, Objective::kPrice);
  EXPECT_FALSE(s.feasible);
  for (const DeviceOutcome& o : s.devices) EXPECT_EQ(o.reason, "no candidate meets AC");
  EXPECT_FALSE(s.best_latency_at_ac);
  // Within 5 ms the dense model (0.90) runs only on gpu-big, and the FPGA cannot hold it.
  ASSERT_TRUE(s.best_accuracy_at_lc);
  EXPECT_EQ(s.best_accuracy_at_lc->device_id, "gpu-big");
  EXPECT_EQ(s.best_accuracy_at_lc->candidate, 0u);
}

TEST(SelectDevice, PerplexityIsBetterLower) {
  // ppl 150, 170, 200 at sparsity 0, 0.5, 0.8: ppl<=180 admits the first two.
  const std::vector<CandidatePoint> cands = {candidate(0.0, 150, "ppl"), candidate(0.5, 170, "ppl"),
                                             candidate(0.8, 200, "ppl")};
  const AccuracyConstraint ac = parse_accuracy_constraint("ppl<=180");
  const std::vector<io::DeviceSpec> devices = {device("cpu-small", 100, 10)};
  const std::vector<DeviceLatency> rows = {row("cpu-small", 0, 20000), row("cpu-small", 1, 10000),
                                           row("cpu-small", 2, 4000)};
  Selection s = select_device(cands, rows, devices, 15000, ac, Objective::kPrice);
  ASSERT_TRUE(s.feasible);
  EXPECT_EQ(s.candidate, 1u);
  s = select_device(cands, rows, devices, 5000, ac, Objective::kPrice);
  EXPECT_FALSE(s.feasible);
  ASSERT_TRUE(s.best_accuracy_at_lc);
  EXPECT_EQ(s.best_accuracy_at_lc->candidate, 2u);  // the only one within 5 ms
  // The lowest perplexity within LC is the best accuracy there.
  s = select_device(cands, rows, devices, 25000, ac, Objective::kPrice);
  EXPECT_EQ(s.best_accuracy_at_lc->candidate, 0u);
}

TEST(SelectDevice, AcDropSelectsAgainstTheDenseModel) {
  // 6% below the dense 0.90 is 0.846: candidate 1 (0.85) passes, so cpu-small at 15 ms.
  const AccuracyConstraint loose = parse_accuracy_drop("6%", "acc", 0.90);
  EXPECT_EQ(select_device(candidates(), latencies(), catalog(), 15000, loose, Objective::kPrice)
                .device_id,
            "cpu-small");
  // 5% is 0.855: only the dense model passes, too slow on cpu-small; cpu-mid is too slow
  // at 8 ms > 5 ms and the FPGA cannot hold it: gpu-big.
  const AccuracyConstraint tight = parse_accuracy_drop("5%", "acc", 0.90);
  const Selection s =
      select_device(candidates(), latencies(), catalog(), 5000, tight, Objective::kPrice);
  EXPECT_EQ(s.device_id, "gpu-big");
  EXPECT_EQ(s.candidate, 0u);
}

TEST(SelectDevice, InconsistentTablesAreRefused) {
  const auto run = [](std::vector<CandidatePoint> cands, std::vector<DeviceLatency> rows) {
    return error_field(
        [&] { select_device(cands, rows, catalog(), 5000, kAcc80, Objective::kPrice); });
  };
  EXPECT_EQ(run({candidate(0, 0.9, "ppl")}, {}), "candidates");
  EXPECT_EQ(run(candidates(), {row("tpu", 0, 1)}), "device_latencies");
  EXPECT_EQ(run(candidates(), {row("gpu-big", 4, 1)}), "device_latencies");
  EXPECT_EQ(run(candidates(), {row("gpu-big", 0, 1), row("gpu-big", 0, 2)}), "device_latencies");
  EXPECT_EQ(run(candidates(), latencies()), "");
}

}  // namespace
}  // namespace fitformer::explore
