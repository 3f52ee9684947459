// Tests of the metric intervals (core/intervals.h) against independent computations: Wilson's
// interval against a brute-force scan of the p it admits, the t quantile against the closed
// forms of df 1 and 2 and a printed table, the ratio mean's standard error against the
// pairwise double loop of the sample variance, and the t interval's coverage on synthetic data.
#include "core/intervals.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "core/error.h"
#include "core/random.h"

namespace fitformer {
namespace {

// The lowest and highest p on a grid of `steps` that Wilson's inequality admits.
std::pair<double, double> wilson_by_scan(int64_t k, int64_t n, int steps) {
  double lo = 2, hi = -1;
  const double share = static_cast<double>(k) / static_cast<double>(n);
  for (int i = 0; i <= steps; ++i) {
    const double p = static_cast<double>(i) / steps;
    if (std::fabs(share - p) <= kZ95 * std::sqrt(p * (1 - p) / static_cast<double>(n))) {
      lo = std::min(lo, p);
      hi = std::max(hi, p);
    }
  }
  return {lo, hi};
}

TEST(WilsonInterval, EqualsTheSetOfProportionsItsInequalityAdmits) {
  constexpr int kSteps = 100000;
  struct Case {
    int64_t k, n;
  };
  std::vector<Case> cases = {{0, 1}, {1, 1}, {998, 1000}, {3, 1000}, {500, 1000}};
  for (int64_t n : {2, 10, 37})
    for (int64_t k = 0; k <= n; ++k) cases.push_back({k, n});
  for (const Case& c : cases) {
    const ConfidenceInterval w = wilson_interval(c.k, c.n);
    const auto [lo, hi] = wilson_by_scan(c.k, c.n, kSteps);
    EXPECT_NEAR(w.low, lo, 1.5 / kSteps) << c.k << "/" << c.n;
    EXPECT_NEAR(w.high, hi, 1.5 / kSteps) << c.k << "/" << c.n;
    EXPECT_EQ(w.method, "wilson");
    EXPECT_EQ(w.units, c.n);
  }
  // A textbook value: 8 of 10 gives [0.490, 0.943].
  const ConfidenceInterval w = wilson_interval(8, 10);
  EXPECT_NEAR(w.low, 0.4902, 5e-4);
  EXPECT_NEAR(w.high, 0.9433, 5e-4);
}

TEST(WilsonInterval, RefusesImpossibleCounts) {
  EXPECT_THROW(wilson_interval(0, 0), Error);
  EXPECT_THROW(wilson_interval(-1, 4), Error);
  EXPECT_THROW(wilson_interval(5, 4), Error);
}

TEST(TwoSidedT, MatchesClosedFormsAndTheTable) {
  // df 1 is Cauchy: P(|T| <= t) = 2 atan(t) / pi. df 2: P(|T| <= t) = t / sqrt(t^2 + 2).
  for (double level : {0.5, 0.9, 0.95, 0.99}) {
    EXPECT_NEAR(two_sided_t(level, 1), std::tan(level * std::numbers::pi / 2), 1e-9) << level;
    EXPECT_NEAR(two_sided_t(level, 2), std::sqrt(2 * level * level / (1 - level * level)), 1e-9)
        << level;
  }
  // Printed tables of the 0.975 quantile.
  const std::vector<std::pair<int64_t, double>> table = {
      {3, 3.182446}, {4, 2.776445}, {5, 2.570582}, {10, 2.228139}, {30, 2.042272}, {120, 1.979930}};
  for (const auto& [df, t] : table) EXPECT_NEAR(two_sided_t(0.95, df), t, 2e-6) << df;
  EXPECT_NEAR(two_sided_t(0.95, 100000), kZ95, 1e-4);
  EXPECT_THROW(two_sided_t(0.95, 0), Error);
  EXPECT_THROW(two_sided_t(1.0, 3), Error);
}

TEST(RatioMean, EqualCountsGiveTheStandardErrorOfTheClusterMeans) {
  Rng rng(5);
  std::vector<double> sums;
  std::vector<int64_t> counts;
  for (int i = 0; i < 23; ++i) {
    sums.push_back(64 * (3 + rng.uniform()));
    counts.push_back(64);
  }
  const RatioMean m = ratio_mean(sums, counts);
  // The sample variance of the cluster means as a double loop over pairs.
  const size_t w = sums.size();
  double pairs = 0, mean = 0;
  for (size_t i = 0; i < w; ++i) {
    mean += sums[i] / 64 / static_cast<double>(w);
    for (size_t j = 0; j < w; ++j) pairs += std::pow(sums[i] / 64 - sums[j] / 64, 2);
  }
  const double variance = pairs / (2.0 * static_cast<double>(w) * static_cast<double>(w - 1));
  EXPECT_NEAR(m.mean, mean, 1e-12);
  EXPECT_NEAR(m.se, std::sqrt(variance / static_cast<double>(w)), 1e-12);
  EXPECT_EQ(m.clusters, 23);
  EXPECT_EQ(m.count, 23 * 64);
  const auto t = t_interval(m);
  ASSERT_TRUE(t);
  EXPECT_NEAR(t->high - m.mean, two_sided_t(0.95, 22) * m.se, 1e-12);
  EXPECT_NEAR(m.mean - t->low, two_sided_t(0.95, 22) * m.se, 1e-12);
  EXPECT_EQ(t->method, "t-windows");
}

TEST(RatioMean, UnequalCountsWeighByTokensAndClustersOfOneMeanHaveNoSpread) {
  // Every cluster at mean 4.5 per unit, of different sizes: the mean is 4.5, the spread zero.
  const std::vector<int64_t> counts = {64, 64, 64, 17};
  std::vector<double> sums;
  for (int64_t n : counts) sums.push_back(4.5 * static_cast<double>(n));
  const RatioMean same = ratio_mean(sums, counts);
  EXPECT_DOUBLE_EQ(same.mean, 4.5);
  EXPECT_NEAR(same.se, 0, 1e-12);
  // The mean is the pooled one (not the mean of the cluster means), and the short cluster's
  // residual counts by its size: moving its sum by d moves the pooled mean by d / 209.
  sums.back() += 17;
  const RatioMean moved = ratio_mean(sums, counts);
  EXPECT_NEAR(moved.mean, 4.5 + 17.0 / 209, 1e-12);
  EXPECT_GT(moved.se, 0);
  // One cluster has no interval; a count below 1 is refused.
  EXPECT_FALSE(t_interval(ratio_mean(std::vector<double>{3.0}, std::vector<int64_t>{2})));
  EXPECT_THROW(ratio_mean(std::vector<double>{1, 2}, std::vector<int64_t>{1, 0}), Error);
  EXPECT_THROW(ratio_mean(std::vector<double>{1, 2}, std::vector<int64_t>{1}), Error);
}

// A standard normal by Box-Muller from the portable generator.
double normal(Rng& rng) {
  const double u = 1 - rng.uniform(), v = rng.uniform();
  return std::sqrt(-2 * std::log(u)) * std::cos(2 * std::numbers::pi * v);
}

TEST(RatioMean, TheTIntervalCoversTheTrueMeanNinetyFivePercentOfTheTime) {
  // Windows of 16 tokens whose per-token losses share a window effect (as tokens of one passage
  // do) plus independent noise; the true mean is 5. With 5 windows a normal quantile in place of
  // t would cover about 88 %, a standard error that ignored the window effect far less.
  Rng rng(17);
  for (int windows : {5, 30}) {
    constexpr int kRepeats = 4000;
    int covered = 0;
    for (int r = 0; r < kRepeats; ++r) {
      std::vector<double> sums;
      std::vector<int64_t> counts;
      for (int w = 0; w < windows; ++w) {
        const double effect = 0.8 * normal(rng);
        double sum = 0;
        for (int t = 0; t < 16; ++t) sum += 5 + effect + normal(rng);
        sums.push_back(sum);
        counts.push_back(16);
      }
      const auto interval = t_interval(ratio_mean(sums, counts));
      ASSERT_TRUE(interval);
      covered += interval->low <= 5 && 5 <= interval->high;
    }
    const double coverage = static_cast<double>(covered) / kRepeats;
    EXPECT_NEAR(coverage, 0.95, 0.012) << windows << " windows";
  }
}

}  // namespace
}  // namespace fitformer
