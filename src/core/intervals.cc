// The intervals of intervals.h: Wilson's closed form, the t quantile from the exact CDF of an
// integer df, and the ratio mean's linearized standard error.
#include "core/intervals.h"

#include <cmath>
#include <numbers>
#include <string>

#include "core/error.h"

namespace fitformer {
namespace {

// P(|T| <= t) for Student's t with integer df (Abramowitz and Stegun 26.7.3 for odd df,
// 26.7.4 for even), with theta = atan(t / sqrt(df)): a finite sum of powers of cos(theta).
double two_sided_cdf(double t, int64_t df) {
  const double theta = std::atan(t / std::sqrt(static_cast<double>(df)));
  const double s = std::sin(theta), c = std::cos(theta), c2 = c * c;
  if (df % 2 == 1) {
    // (2/pi) (theta + sin cos (1 + 2/3 cos^2 + 2*4/(3*5) cos^4 + ... up to cos^(df-3))).
    double sum = 0;
    double term = 1;
    for (int64_t k = 1; 2 * k + 1 <= df; ++k) {
      sum += term;
      term *= static_cast<double>(2 * k) / static_cast<double>(2 * k + 1) * c2;
    }
    return 2 / std::numbers::pi * (theta + s * c * sum);
  }
  // sin (1 + 1/2 cos^2 + 1*3/(2*4) cos^4 + ... up to cos^(df-2)).
  double sum = 0;
  double term = 1;
  for (int64_t k = 1; 2 * k <= df; ++k) {
    sum += term;
    term *= static_cast<double>(2 * k - 1) / static_cast<double>(2 * k) * c2;
  }
  return s * sum;
}

}  // namespace

ConfidenceInterval wilson_interval(int64_t successes, int64_t trials) {
  if (trials < 1) throw Error("", "trials", "at least 1", std::to_string(trials));
  if (successes < 0 || successes > trials)
    throw Error("", "successes", "in [0, " + std::to_string(trials) + "]",
                std::to_string(successes));
  const double n = static_cast<double>(trials);
  const double p = static_cast<double>(successes) / n;
  const double z2 = kZ95 * kZ95;
  const double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const double half = kZ95 / (1 + z2 / n) * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n));
  return {std::max(0.0, centre - half), std::min(1.0, centre + half), "wilson", trials};
}

double two_sided_t(double level, int64_t df) {
  if (df < 1) throw Error("", "df", "at least 1", std::to_string(df));
  if (!(level > 0 && level < 1)) throw Error("", "level", "in (0, 1)", std::to_string(level));
  double lo = 0, hi = 1;
  while (two_sided_cdf(hi, df) < level) hi *= 2;
  // The CDF is increasing in t: bisect until the bracket stops shrinking.
  for (int i = 0; i < 200 && lo < hi; ++i) {
    const double mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    (two_sided_cdf(mid, df) < level ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

RatioMean ratio_mean(std::span<const double> sums, std::span<const int64_t> counts) {
  if (sums.size() != counts.size())
    throw Error("", "counts", std::to_string(sums.size()) + " (one per sum)",
                std::to_string(counts.size()));
  RatioMean m;
  m.clusters = static_cast<int64_t>(sums.size());
  double total = 0;
  for (size_t i = 0; i < sums.size(); ++i) {
    if (counts[i] < 1) throw Error("", "counts", "at least 1", std::to_string(counts[i]));
    total += sums[i];
    m.count += counts[i];
  }
  if (m.clusters == 0) return m;
  m.mean = total / static_cast<double>(m.count);
  if (m.clusters < 2) {
    m.se = NAN;
    return m;
  }
  // Residuals about the ratio, summed in one more pass (no cancellation of large squares).
  double squares = 0;
  for (size_t i = 0; i < sums.size(); ++i) {
    const double r = sums[i] - m.mean * static_cast<double>(counts[i]);
    squares += r * r;
  }
  const double w = static_cast<double>(m.clusters);
  const double n = static_cast<double>(m.count);
  m.se = std::sqrt(w / (w - 1) * squares) / n;
  return m;
}

std::optional<ConfidenceInterval> t_interval(const RatioMean& m) {
  if (m.clusters < 2 || !std::isfinite(m.se)) return std::nullopt;
  const double half = two_sided_t(kIntervalLevel, m.clusters - 1) * m.se;
  return ConfidenceInterval{m.mean - half, m.mean + half, "t-windows", m.clusters};
}

}  // namespace fitformer
