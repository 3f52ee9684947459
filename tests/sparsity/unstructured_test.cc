// Tests of unstructured pruning: exact kept count, the global top-k with its tie rule, and
// optimality against every subset on small matrices.
#include "sparsity/unstructured.h"

#include <gtest/gtest.h>

#include <cmath>

#include "mask_checks.h"

namespace fitformer::sparsity {
namespace {

using testing::Shape;

TEST(Unstructured, KeepsTheExactCountOfTheGlobalBestOnEveryShape) {
  uint64_t seed = 1;
  for (const Shape shape : testing::test_shapes()) {
    for (const double d : testing::test_densities()) {
      for (const int levels : {0, 3}) {
        const auto s = testing::random_scores(shape.rows, shape.cols, ++seed, levels);
        const Mask mask = unstructured_mask(s, shape.rows, shape.cols, {d});
        const int64_t size = shape.rows * shape.cols;
        const int64_t expected =
            std::clamp<int64_t>(std::llround(d * static_cast<double>(size)), 1, size);
        ASSERT_EQ(mask.rows, shape.rows);
        ASSERT_EQ(mask.cols, shape.cols);
        ASSERT_EQ(kept_count(mask), expected) << testing::describe(shape) << " d " << d;
        ASSERT_EQ(unstructured_kept_count(shape.rows, shape.cols, {d}), expected);
        ASSERT_TRUE(testing::is_top_by_tie_rule(s, mask.keep))
            << testing::describe(shape) << " d " << d << " levels " << levels;
      }
    }
  }
}

TEST(Unstructured, MatchesTheBestSubsetOnSmallMatrices) {
  for (const Shape shape : {Shape{3, 4}, Shape{2, 5}, Shape{1, 7}, Shape{4, 4}}) {
    for (int seed = 0; seed < 4; ++seed) {
      const auto s = testing::random_scores(shape.rows, shape.cols, 50 + seed, seed % 2 ? 4 : 0);
      const std::vector<double> values(s.begin(), s.end());
      for (const double d : {0.1, 0.3, 0.5, 0.8, 1.0}) {
        const Mask mask = unstructured_mask(s, shape.rows, shape.cols, {d});
        const double best = testing::brute_force_best_sum(values, kept_count(mask));
        EXPECT_NEAR(testing::kept_sum(values, mask.keep), best, 1e-12)
            << testing::describe(shape) << " d " << d;
      }
    }
  }
}

TEST(Unstructured, TiesGoToTheLowerRowMajorIndex) {
  const std::vector<float> s(12, 0.5f);
  const Mask mask = unstructured_mask(s, 3, 4, {0.5});
  for (size_t i = 0; i < s.size(); ++i) EXPECT_EQ(mask.keep[i], i < 6 ? 1 : 0) << i;
}

TEST(Unstructured, BadDensityNamesTheField) {
  const std::vector<float> s(4, 1.0f);
  EXPECT_EQ(testing::error_field([&] { unstructured_mask(s, 2, 2, {0.0}); }), "density");
  EXPECT_EQ(testing::error_field([&] { unstructured_mask(s, 2, 2, {1.5}); }), "density");
  EXPECT_EQ(testing::error_field([&] { unstructured_mask(s, 3, 2, {0.5}); }), "scores");
}

}  // namespace
}  // namespace fitformer::sparsity
