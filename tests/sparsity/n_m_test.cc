// Tests of N:M pruning: every group of m along a row keeps min(n, width) of its best scores,
// the narrow tail group included, and is optimal per group.
#include "sparsity/n_m.h"

#include <gtest/gtest.h>

#include "mask_checks.h"

namespace fitformer::sparsity {
namespace {

using testing::Shape;

const std::vector<NmParams> kRatios = {{2, 4}, {1, 4}, {4, 8}, {1, 1}, {3, 3}, {2, 3}, {1, 2}};

TEST(NM, EveryGroupKeepsNOfItsBestOnEveryShape) {
  uint64_t seed = 800;
  for (const Shape shape : testing::test_shapes()) {
    for (const NmParams p : kRatios) {
      ++seed;
      const auto s = testing::random_scores(shape.rows, shape.cols, seed, seed % 3 ? 0 : 2);
      const Mask mask = n_m_mask(s, shape.rows, shape.cols, p);
      int64_t expected = 0;
      for (int64_t r = 0; r < shape.rows; ++r) {
        ASSERT_TRUE(testing::row_groups_keep(mask, r, 0, shape.cols, p.m, p.n))
            << testing::describe(shape) << " " << p.n << ":" << p.m;
        for (int64_t g = 0; g < shape.cols; g += p.m) {
          const int64_t e = std::min(shape.cols, g + p.m);
          expected += std::min(p.n, e - g);
          const std::vector<float> group(s.begin() + r * shape.cols + g,
                                         s.begin() + r * shape.cols + e);
          const std::vector<uint8_t> kept(mask.keep.begin() + r * shape.cols + g,
                                          mask.keep.begin() + r * shape.cols + e);
          ASSERT_TRUE(testing::is_top_by_tie_rule(group, kept));
        }
      }
      ASSERT_EQ(kept_count(mask), expected);
      ASSERT_EQ(n_m_kept_count(shape.rows, shape.cols, p), expected);
      if (shape.cols % p.m == 0) {
        ASSERT_EQ(kept_count(mask) * p.m, p.n * shape.rows * shape.cols);
      }
    }
  }
}

TEST(NM, EachGroupMatchesTheBestSubset) {
  for (int seed = 0; seed < 6; ++seed) {
    const int64_t rows = 4, cols = 19;
    const auto s = testing::random_scores(rows, cols, 900 + seed, seed % 2 ? 3 : 0);
    for (const NmParams p : {NmParams{2, 4}, NmParams{3, 8}, NmParams{5, 6}}) {
      const Mask mask = n_m_mask(s, rows, cols, p);
      for (int64_t r = 0; r < rows; ++r) {
        for (int64_t g = 0; g < cols; g += p.m) {
          const int64_t e = std::min(cols, g + p.m);
          const std::vector<double> group(s.begin() + r * cols + g, s.begin() + r * cols + e);
          const std::vector<uint8_t> kept(mask.keep.begin() + r * cols + g,
                                          mask.keep.begin() + r * cols + e);
          EXPECT_NEAR(testing::kept_sum(group, kept),
                      testing::brute_force_best_sum(group, std::min(p.n, e - g)), 1e-12);
        }
      }
    }
  }
}

TEST(NM, TwoFourKeepsTheTwoLargestMagnitudes) {
  const std::vector<float> w = {0.1f, -0.9f, 0.5f, 0.2f, 3.0f, 3.0f, 3.0f, 0.0f, -1.0f};
  const Mask mask = n_m_mask(magnitude_scores(w), 1, 9, {2, 4});
  EXPECT_EQ(mask.keep, (std::vector<uint8_t>{0, 1, 1, 0, 1, 1, 0, 0, 1}));
}

TEST(NM, BadParametersNameTheField) {
  const std::vector<float> s(8, 1.0f);
  EXPECT_EQ(testing::error_field([&] { n_m_mask(s, 2, 4, {5, 4}); }), "n");
  EXPECT_EQ(testing::error_field([&] { n_m_mask(s, 2, 4, {0, 4}); }), "n");
  EXPECT_EQ(testing::error_field([&] { n_m_mask(s, 2, 4, {1, 0}); }), "m");
}

}  // namespace
}  // namespace fitformer::sparsity
