// The engine's building blocks on their own: apply_linear against plain loops (outputs
// poisoned with NaN first), layer norm, activations, and the thread-count scope.
#include "model/layers.h"

#include <gtest/gtest.h>
#include <omp.h>

#include "core/random.h"
#include "engine_cases.h"
#include "model/linear.h"
#include "model/run_config.h"

namespace fitformer::model {
namespace {

std::vector<float> random_values(size_t n, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> v(n);
  for (float& x : v) x = static_cast<float>(2 * rng.uniform() - 1);
  return v;
}

TEST(Linear, MatchesPlainLoops) {
  struct Case {
    int64_t rows, out, in;
    bool bias;
  };
  for (const Case& c : std::vector<Case>{{1, 1, 1, true},
                                         {3, 5, 7, true},
                                         {17, 33, 65, false},
                                         {128, 96, 312, true},
                                         {0, 4, 4, true}}) {
    Linear linear;
    linear.out_features = c.out;
    linear.in_features = c.in;
    linear.weight = random_values(static_cast<size_t>(c.out * c.in), 1);
    if (c.bias) linear.bias = random_values(static_cast<size_t>(c.out), 2);
    const auto x = random_values(static_cast<size_t>(c.rows * c.in), 3);
    auto y = testing::nan_filled(static_cast<size_t>(c.rows * c.out));
    apply_linear(linear, x, c.rows, y);
    std::vector<double> expected(y.size());
    for (int64_t r = 0; r < c.rows; ++r) {
      for (int64_t o = 0; o < c.out; ++o) {
        double acc = c.bias ? linear.bias[o] : 0.0;
        for (int64_t i = 0; i < c.in; ++i)
          acc += double{x[r * c.in + i]} * linear.weight[o * c.in + i];
        expected[r * c.out + o] = acc;
      }
    }
    testing::expect_close(y, expected,
                          "linear " + std::to_string(c.rows) + "x" + std::to_string(c.out) + "x" +
                              std::to_string(c.in));
  }
}

TEST(Layers, LayerNormNormalizesEachRow) {
  LayerNorm norm{{1.0f, 2.0f, 1.0f, 1.0f}, {0.0f, 1.0f, 0.0f, 0.0f}, 0.0};
  std::vector<float> x = {1, 2, 3, 4, 1000, 1000, 1000, 1004};
  apply_layer_norm(norm, x, 2);
  const double sd = std::sqrt(1.25);
  EXPECT_NEAR(x[0], -1.5 / sd, 1e-6);
  EXPECT_NEAR(x[1], 2 * (-0.5 / sd) + 1, 1e-6);
  EXPECT_NEAR(x[3], 1.5 / sd, 1e-6);
  EXPECT_NEAR(x[7], 3 / std::sqrt(3.0), 1e-5);  // mean 1001, var 3: no cancellation
}

TEST(Layers, Activations) {
  std::vector<float> x = {-2, -0.5f, 0, 1.5f};
  std::vector<float> r = x;
  apply_activation(Activation::kRelu, r);
  EXPECT_EQ(r, (std::vector<float>{0, 0, 0, 1.5f}));
  apply_activation(Activation::kGelu, x);
  EXPECT_NEAR(x[0], -0.04550026, 1e-7);  // -2 * Phi(-2)
  EXPECT_NEAR(x[3], 1.39978919, 1e-6);   // 1.5 * Phi(1.5)
  EXPECT_EQ(x[2], 0.0f);
  EXPECT_EQ(parse_activation("relu"), Activation::kRelu);
  EXPECT_ANY_THROW(parse_activation("tanh"));
}

TEST(Layers, ThreadScopeRestoresTheTeamSize) {
  const int before = omp_get_max_threads();
  {
    ThreadScope scope(RunConfig{1});
    EXPECT_EQ(omp_get_max_threads(), 1);
  }
  EXPECT_EQ(omp_get_max_threads(), before);
  {
    ThreadScope scope(RunConfig{0});
    EXPECT_EQ(omp_get_max_threads(), before);
  }
}

}  // namespace
}  // namespace fitformer::model
