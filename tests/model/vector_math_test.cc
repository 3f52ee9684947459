// The vectorized GELU and softmax against their definitions evaluated in double (std::erfc,
// std::exp), over sweeps, random inputs with fixed seeds and every tail length.
#include "model/vector_math.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <sstream>
#include <vector>

namespace fitformer::model {
namespace {

double gelu_reference(double x) {
  return x * 0.5 * std::erfc(-x / std::sqrt(2.0));
}

// Error allowed against the double reference: a few ulp of x (the result is x * Phi(x), with
// Phi carried to about float's rounding), plus the smallest normal float for results that
// underflow.
double gelu_tolerance(double x) {
  return 4e-7 * std::abs(x) + 1.2e-38;
}

TEST(Gelu, SweepMatchesErfDefinition) {
  std::vector<float> x;
  for (int i = -200000; i <= 200000; ++i) x.push_back(static_cast<float>(i) * 1e-4f);
  for (float v : {-1e30f, -200.0f, -30.0f, -13.5f, 1e-30f, -1e-30f, 30.0f, 1e30f}) x.push_back(v);
  std::vector<float> y = x;
  gelu_in_place(y);
  double worst = 0.0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double expected = gelu_reference(x[i]);
    ASSERT_NEAR(y[i], expected, gelu_tolerance(x[i])) << "x = " << x[i];
    worst = std::max(worst, std::abs(y[i] - expected) / std::max(1e-30, std::abs(double{x[i]})));
  }
  EXPECT_GT(worst, 0.0);  // the fit is an approximation; an exact match would mean no test
  std::ostringstream worst_text;
  worst_text << std::scientific << worst;
  RecordProperty("worst_error_over_x", worst_text.str());
}

TEST(Gelu, EveryTailLengthAndSpecialValues) {
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  for (size_t n = 0; n <= 70; ++n) {
    std::vector<float> x(n + 2);
    for (float& v : x) v = normal(rng);
    std::vector<float> y = x;
    const float guard_before = y[0], guard_after = y[n + 1];
    gelu_in_place(std::span<float>(y).subspan(1, n));
    EXPECT_EQ(y[0], guard_before);
    EXPECT_EQ(y[n + 1], guard_after) << "n = " << n;  // nothing written past the span
    for (size_t i = 1; i <= n; ++i)
      ASSERT_NEAR(y[i], gelu_reference(x[i]), gelu_tolerance(x[i])) << "n = " << n;
  }
  std::vector<float> special = {std::numeric_limits<float>::quiet_NaN(),
                                std::numeric_limits<float>::infinity(), 0.0f, -0.0f};
  gelu_in_place(special);
  EXPECT_TRUE(std::isnan(special[0]));
  EXPECT_EQ(special[1], std::numeric_limits<float>::infinity());
  EXPECT_EQ(special[2], 0.0f);
  EXPECT_EQ(special[3], 0.0f);
}

void expect_softmax(const std::vector<float>& x, const std::vector<float>& y) {
  double max = -std::numeric_limits<double>::infinity();
  for (float v : x) max = std::max(max, double{v});
  double sum = 0.0;
  for (float v : x) sum += std::exp(double{v} - max);
  for (size_t i = 0; i < x.size(); ++i) {
    const double expected = std::exp(double{x[i]} - max) / sum;
    ASSERT_NEAR(y[i], expected, 1e-6 * expected + 1e-30) << "i = " << i << " of " << x.size();
  }
}

TEST(Softmax, RandomRowsOfEveryLength) {
  std::mt19937 rng(11);
  std::normal_distribution<float> normal(0.0f, 4.0f);
  for (size_t n = 1; n <= 300; ++n) {
    std::vector<float> x(n);
    for (float& v : x) v = normal(rng) + 50.0f;  // an offset the max subtraction must remove
    std::vector<float> y(n + 1, std::numeric_limits<float>::quiet_NaN());
    std::copy(x.begin(), x.end(), y.begin());
    softmax_in_place(std::span<float>(y).first(n));
    EXPECT_TRUE(std::isnan(y[n])) << "n = " << n;  // nothing written past the row
    y.pop_back();
    expect_softmax(x, y);
  }
}

TEST(Softmax, MaskedEntriesGetZeroAndWideRangeUnderflows) {
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> x = {1.0f, -inf, 2.0f, -inf, -inf, 0.5f, -200.0f, 3.0f, -inf,
                          1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f,    1.0f, -inf};
  std::vector<float> y = x;
  softmax_in_place(y);
  for (size_t i = 0; i < x.size(); ++i) {
    if (x[i] == -inf) {
      EXPECT_EQ(y[i], 0.0f) << "i = " << i;
    }
  }
  EXPECT_EQ(y[6], 0.0f);  // exp(-203) is below float's range
  expect_softmax(x, y);

  std::vector<float> equal(37, -3.0f);
  softmax_in_place(equal);
  for (float v : equal) EXPECT_NEAR(v, 1.0 / 37.0, 1e-7);
}

// Every width from 1 to 100 and BERT's, around 0 and around a large common offset, with
// random gamma and beta; the reference normalizes in double.
TEST(LayerNorm, RandomRowsOfEveryWidth) {
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<size_t> widths;
  for (size_t w = 1; w <= 100; ++w) widths.push_back(w);
  for (size_t w : {312, 768, 1200}) widths.push_back(w);
  for (float offset : {0.0f, 1000.0f}) {
    for (size_t w : widths) {
      std::vector<float> x(w), gamma(w), beta(w);
      for (size_t i = 0; i < w; ++i) {
        x[i] = offset + 3.0f * normal(rng);
        gamma[i] = 1.0f + 0.5f * normal(rng);
        beta[i] = normal(rng);
      }
      std::vector<float> y = x;
      y.push_back(std::numeric_limits<float>::quiet_NaN());
      layer_norm_in_place(y, gamma, beta, 1e-5f);
      EXPECT_TRUE(std::isnan(y[w])) << "width " << w;  // only gamma.size() entries are normed
      double mean = 0.0;
      for (float v : x) mean += v;
      mean /= static_cast<double>(w);
      double var = 0.0;
      for (float v : x) var += (v - mean) * (v - mean);
      var /= static_cast<double>(w);
      // A float mean of values near 1000 is off by up to a few 1e-5 of one deviation.
      const double tolerance = offset == 0.0f ? 2e-6 : 1e-4;
      for (size_t i = 0; i < w; ++i) {
        const double expected = (x[i] - mean) / std::sqrt(var + 1e-5) * gamma[i] + beta[i];
        ASSERT_NEAR(y[i], expected, tolerance * (1.0 + std::abs(gamma[i])))
            << "width " << w << " offset " << offset << " i " << i;
      }
    }
  }
}

}  // namespace
}  // namespace fitformer::model
