// 95 % confidence intervals of the metrics a scorer reports (issue 17): Wilson's score interval
// for a share of n independent trials (classification accuracy), and the Student t interval of
// a ratio mean over clusters (a language model's mean NLL over evaluation windows), so that
// `fitformer select` can say when a candidate meets its accuracy constraint only within noise.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace fitformer {

// The level every interval of the pipeline is formed at.
inline constexpr double kIntervalLevel = 0.95;
// The standard normal's two-sided 95 % quantile, z with P(|Z| <= z) = 0.95.
inline constexpr double kZ95 = 1.959963984540054;

// A two-sided interval at kIntervalLevel of one metric, with how it was formed.
struct ConfidenceInterval {
  double low = 0;
  double high = 0;
  std::string method;  // "wilson" (over examples) or "t-windows" (Student t over windows)
  int64_t units = 0;   // the examples or windows it was formed over

  bool operator==(const ConfidenceInterval&) const = default;
};

// Wilson's score interval of the share successes / trials at 95 %: the p in [0, 1] with
// |successes/trials - p| <= z * sqrt(p (1 - p) / trials). Requires 0 <= successes <= trials
// and trials >= 1 (Error naming "trials" or "successes" otherwise).
ConfidenceInterval wilson_interval(int64_t successes, int64_t trials);

// t with P(|T| <= t) = level for Student's t with `df` >= 1 degrees of freedom (level in
// (0, 1)), from the exact finite-sum CDF of an integer df (Abramowitz and Stegun 26.7.3-4)
// inverted by bisection. Throws Error (field "df" or "level") otherwise.
double two_sided_t(double level, int64_t df);

// A mean formed as sum(sums) / sum(counts) over clusters (windows of tokens), with its standard
// error from the spread between clusters: the linearized (ratio-estimator) variance
// se^2 = W/(W-1) * sum_i (s_i - mean n_i)^2 / (sum_i n_i)^2 over the W clusters. With equal
// counts it is the usual s / sqrt(W) of the per-cluster means. se is NaN with fewer than 2
// clusters. Requires sums.size() == counts.size(), every count >= 1 (Error otherwise).
struct RatioMean {
  double mean = 0;
  double se = 0;
  int64_t clusters = 0;
  int64_t count = 0;  // sum of counts
};
RatioMean ratio_mean(std::span<const double> sums, std::span<const int64_t> counts);

// mean +- two_sided_t(0.95, W - 1) * se as "t-windows" over the W clusters; none with fewer
// than 2 clusters.
std::optional<ConfidenceInterval> t_interval(const RatioMean& m);

}  // namespace fitformer
