// The closed loop on synthetic tables: which models it makes and in what order, what it
// scores and predicts, and that a choice made from its tables is the one a brute-force search
// over every grid point would make when accuracy falls monotonically with sparsity.
#include "explore/closed_loop.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "core/error.h"

namespace fitformer::explore {
namespace {

using format::Precision;

// Accuracy falls with sparsity; int8 loses a little more; a lower rho2 (finer split) keeps a
// little more. Latency falls with density on every device.
struct FakeWorld : LoopSteps {
  double fall = 0.3;                              // accuracy lost from dense to fully sparse
  std::vector<std::pair<double, double>> pruned;  // (sparsity, rho2), in call order
  std::vector<int64_t> pruned_banks;              // B of each prune, in call order
  int scored = 0;

  // 16 banks of 4 lose a little more than 8 of 8 (coarser banks), 4 of 16 a little less.
  double accuracy(double s, std::optional<double> rho2, Precision p, int64_t banks = 8) const {
    double a = 0.9 - fall * s * s;
    if (rho2) a += 0.01 * (0.5 - *rho2);
    if (p == Precision::kInt8) a -= 0.005;
    if (s > 0) a -= 0.002 * static_cast<double>(banks - 8) / 8;
    return a;
  }

  LoopModel dense_model() override {
    sparsity::HpPlan dense;
    dense.sparsity = 0;
    return LoopModel{dense, "dense"};
  }
  LoopModel prune(const sparsity::HpPlan& plan) override {
    pruned.push_back({plan.sparsity, *plan.rho2});
    pruned_banks.push_back(plan.banks);
    return LoopModel{plan, "pruned"};
  }
  // The metric with an interval of +- 0.01 (the loop passes it on untouched).
  MetricScore score(const devices::Candidate& c) override {
    ++scored;
    const double a = accuracy(c.plan.sparsity, c.plan.sparsity > 0 ? c.plan.rho2 : std::nullopt,
                              c.precision, c.plan.banks);
    return {a, ConfidenceInterval{a - 0.01, a + 0.01, "wilson", 1000}};
  }
  std::vector<DeviceLatency> predict(const devices::Candidate& c, size_t candidate) override {
    std::vector<DeviceLatency> rows;
    const double density = 1 - c.plan.sparsity;
    rows.push_back({"small", 0, 1000 * density, Provenance::kModeled, {}});
    if (c.precision != Precision::kFp32)
      rows.push_back({"big", 0, 100 * density, Provenance::kModeled, {}});
    for (DeviceLatency& r : rows) r.candidate = candidate + 1000;  // the loop must reset it
    return rows;
  }
};

const AccuracyConstraint kAcc(double t) {
  return {.metric = "acc", .threshold = t, .higher_is_better = true};
}

TEST(ClosedLoop, RaisesSparsityUntilAccuracyFailsThenTriesSplitsAtTheEdge) {
  FakeWorld world;
  LoopSettings settings;
  settings.sparsity_grid = {0.5, 0.7, 0.8, 0.9, 0.95};
  settings.other_rho2 = {0.25, 0.75};
  // 0.9 - 0.3 s^2 >= 0.7  <=>  s <= 0.816: 0.8 passes, 0.9 fails.
  const LoopResult r = run_closed_loop(kAcc(0.7), settings, world);
  const std::vector<std::pair<double, double>> expected = {
      {0.5, 0.5},  {0.7, 0.5},  {0.8, 0.5},  {0.9, 0.5},    // the search, default split
      {0.8, 0.25}, {0.8, 0.75}, {0.9, 0.25}, {0.9, 0.75}};  // splits at the edge
  EXPECT_EQ(world.pruned, expected);
  ASSERT_TRUE(r.highest_pass && r.lowest_fail);
  EXPECT_EQ(*r.highest_pass, 0.8);
  EXPECT_EQ(*r.lowest_fail, 0.9);
  EXPECT_EQ(r.models.size(), 9u);  // dense + 8
  EXPECT_EQ(r.models[0].plan.sparsity, 0);
  // Every model at every precision, each candidate's rows pointing at it.
  EXPECT_EQ(r.candidates.size(), 9u * 3);
  EXPECT_EQ(world.scored, 27);
  EXPECT_EQ(r.latencies.size(), 9u * (3 + 2));  // small: 3 precisions, big: int8 and int16
  for (const DeviceLatency& row : r.latencies) {
    ASSERT_LT(row.candidate, r.candidates.size());
    const CandidatePoint& c = r.candidates[row.candidate];
    EXPECT_EQ(c.candidate.plan.sparsity, r.models[r.candidate_model[row.candidate]].plan.sparsity);
    ASSERT_TRUE(c.interval);
    EXPECT_DOUBLE_EQ(c.interval->low, c.metric_value - 0.01);
    EXPECT_DOUBLE_EQ(c.interval->high, c.metric_value + 0.01);
  }
  // The history holds the best precision's metric (fp32 and int16 tie above int8).
  ASSERT_EQ(r.trials.size(), 4u);
  EXPECT_DOUBLE_EQ(r.trials[2].metric_value, world.accuracy(0.8, 0.5, Precision::kFp32));
}

TEST(ClosedLoop, ASplitThatRescuesTheFailingSparsityIsACandidate) {
  FakeWorld world;
  LoopSettings settings;
  settings.sparsity_grid = {0.5, 0.7, 0.8, 0.9};
  settings.other_rho2 = {0.25};
  // Default split at 0.9: 0.657; rho2 0.25 adds 0.0025: 0.6595. Threshold between them.
  const AccuracyConstraint ac = kAcc(0.659);
  const LoopResult r = run_closed_loop(ac, settings, world);
  ASSERT_TRUE(r.lowest_fail);
  EXPECT_EQ(*r.lowest_fail, 0.9);
  bool rescued = false;
  for (const CandidatePoint& c : r.candidates)
    rescued |= c.candidate.plan.sparsity == 0.9 && c.candidate.plan.rho2 == 0.25 &&
               meets(ac, c.metric_value);
  EXPECT_TRUE(rescued);
}

TEST(ClosedLoop, EveryGridPointPassingStopsAtTheTopWithoutAFailure) {
  FakeWorld world;
  world.fall = 0.01;
  LoopSettings settings;
  settings.other_rho2 = {};
  const LoopResult r = run_closed_loop(kAcc(0.5), settings, world);
  EXPECT_EQ(world.pruned.size(), settings.sparsity_grid.size());
  EXPECT_EQ(r.highest_pass, 0.95);
  EXPECT_FALSE(r.lowest_fail);
}

TEST(ClosedLoop, FirstPointFailingLeavesOnlyDenseAndThatPoint) {
  FakeWorld world;
  LoopSettings settings;
  settings.other_rho2 = {0.25};
  const LoopResult r = run_closed_loop(kAcc(0.89), settings, world);
  // 0.5 fails (0.825); rho2 0.25 is below its density 0.5, so no split either.
  const std::vector<std::pair<double, double>> expected = {{0.5, 0.5}};
  EXPECT_EQ(world.pruned, expected);
  EXPECT_FALSE(r.highest_pass);
  EXPECT_EQ(r.lowest_fail, 0.5);
}

// With accuracy monotone in sparsity, selecting from the loop's tables equals selecting from
// the full grid (every point pruned): the loop skips only points that cannot win.
TEST(ClosedLoop, ChoosesWhatTheFullGridWouldChoose) {
  std::vector<io::DeviceSpec> devices(2);
  devices[0].id = "small";
  devices[0].price_usd = 100;
  devices[1].id = "big";
  devices[1].price_usd = 1000;
  for (const double lc : {150.0, 300.0, 600.0, 2000.0}) {
    for (const double threshold : {0.6, 0.7, 0.8, 0.88}) {
      SCOPED_TRACE(testing::Message() << "lc " << lc << " threshold " << threshold);
      LoopSettings settings;
      settings.other_rho2 = {};
      FakeWorld loop_world;
      const LoopResult loop = run_closed_loop(kAcc(threshold), settings, loop_world);
      // The full grid: every sparsity with the default split.
      FakeWorld a;
      std::vector<CandidatePoint> candidates;
      std::vector<DeviceLatency> rows;
      std::vector<LoopModel> models = {a.dense_model()};
      for (double s : settings.sparsity_grid) {
        sparsity::HpPlan plan;
        plan.sparsity = s;
        plan.rho2 = settings.rho2;
        models.push_back(a.prune(plan));
      }
      for (const LoopModel& m : models)
        for (Precision p : settings.precisions) {
          CandidatePoint c;
          c.candidate = {m.plan, p, m.dir};
          c.metric = "acc";
          c.metric_value = a.score(c.candidate).value;
          for (DeviceLatency& r : a.predict(c.candidate, candidates.size())) {
            r.candidate = candidates.size();
            rows.push_back(r);
          }
          candidates.push_back(c);
        }
      const Selection from_loop = select_device(loop.candidates, loop.latencies, devices, lc,
                                                kAcc(threshold), Objective::kPrice);
      const Selection from_grid =
          select_device(candidates, rows, devices, lc, kAcc(threshold), Objective::kPrice);
      EXPECT_EQ(from_loop.feasible, from_grid.feasible);
      EXPECT_EQ(from_loop.device_id, from_grid.device_id);
      if (from_loop.feasible) {
        EXPECT_DOUBLE_EQ(from_loop.latency_us, from_grid.latency_us);
      }
    }
  }
}

// Issue 17: each bank count gets its own sparsity search and splits at its own edge; the dense
// model is made once; every candidate carries its B to the predictor.
TEST(ClosedLoop, EachBankCountIsSearchedOnItsOwn) {
  FakeWorld world;
  world.fall = 0.3;
  LoopSettings settings;
  settings.sparsity_grid = {0.5, 0.7, 0.8, 0.9};
  settings.other_rho2 = {0.25};
  settings.banks = {8, 16};
  // B 8 at 0.8 (int16/fp32): 0.708 passes 0.707; B 16 at 0.8: 0.706 fails it, so its edge is
  // lower: 0.7 passes (0.751), 0.8 fails; rho2 0.25 is below the density 0.3 at 0.7.
  const LoopResult r = run_closed_loop(kAcc(0.707), settings, world);
  const std::vector<std::pair<double, double>> expected = {
      {0.5, 0.5}, {0.7, 0.5}, {0.8, 0.5}, {0.9, 0.5}, {0.8, 0.25}, {0.9, 0.25},  // B 8
      {0.5, 0.5}, {0.7, 0.5}, {0.8, 0.5}, {0.8, 0.25}};                          // B 16
  EXPECT_EQ(world.pruned, expected);
  const std::vector<int64_t> banks = {8, 8, 8, 8, 8, 8, 16, 16, 16, 16};
  EXPECT_EQ(world.pruned_banks, banks);
  ASSERT_EQ(r.models.size(), 11u);  // one dense model for both
  EXPECT_EQ(r.candidates.size(), 11u * 3);
  for (size_t i = 0; i < r.candidates.size(); ++i)
    EXPECT_EQ(r.candidates[i].candidate.plan.banks, r.models[r.candidate_model[i]].plan.banks);
  // The trials say which search they belong to; the edges are the first B's.
  ASSERT_EQ(r.trials.size(), 7u);
  EXPECT_EQ(r.trials[3].banks, 8);
  EXPECT_EQ(r.trials[4].banks, 16);
  EXPECT_EQ(r.highest_pass, 0.8);
  EXPECT_EQ(r.lowest_fail, 0.9);
}

TEST(ParseBanks, ReadsAListAndRefusesWhatTheHardwareCannotBank) {
  EXPECT_EQ(parse_banks("4,8,16"), (std::vector<int64_t>{4, 8, 16}));
  EXPECT_EQ(parse_banks("16"), (std::vector<int64_t>{16}));
  const auto message = [](const std::string& text) {
    try {
      parse_banks(text);
    } catch (const Error& e) {
      EXPECT_EQ(e.field(), "--banks") << text;
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message("12"),
            "--banks: expected bank counts among 1, 2, 4, 8, 16 (B dividing Bc = 64 into banks of "
            "at least 4), each once, found 12");
  EXPECT_EQ(message("32"),
            "--banks: expected bank counts among 1, 2, 4, 8, 16 (B dividing Bc = 64 into banks of "
            "at least 4), each once, found 32");
  EXPECT_EQ(message("8,8"),
            "--banks: expected bank counts among 1, 2, 4, 8, 16 (B dividing Bc = 64 into banks of "
            "at least 4), each once, found 8 twice");
  for (const char* bad : {"", "4,", "four", "4;8", "8x", " 8"})
    EXPECT_NE(message(bad).find("--banks: expected comma-separated bank counts among"),
              std::string::npos)
        << bad;
  EXPECT_NE(message("0").find("found 0"), std::string::npos);
  EXPECT_NE(message("-8").find("found -8"), std::string::npos);
}

TEST(ClosedLoop, BadSettingsAreRefusedByName) {
  FakeWorld world;
  LoopSettings settings;
  settings.sparsity_grid = {0.5, 1.0};
  try {
    run_closed_loop(kAcc(0.5), settings, world);
    FAIL() << "expected Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.field(), "sparsity_grid");
  }
  settings.sparsity_grid = {0.5};
  settings.other_rho2 = {0};
  EXPECT_THROW(run_closed_loop(kAcc(0.5), settings, world), Error);
  settings.other_rho2 = {};
  settings.precisions = {};
  EXPECT_THROW(run_closed_loop(kAcc(0.5), settings, world), Error);
  settings.precisions = {Precision::kInt8};
  for (const std::vector<int64_t>& banks : std::vector<std::vector<int64_t>>{{}, {8, 12}, {4, 4}}) {
    settings.banks = banks;
    try {
      run_closed_loop(kAcc(0.5), settings, world);
      ADD_FAILURE() << "expected Error";
    } catch (const Error& e) {
      EXPECT_EQ(e.field(), "banks");
    }
  }
  EXPECT_TRUE(world.pruned.empty());  // refused before any work
}

}  // namespace
}  // namespace fitformer::explore
