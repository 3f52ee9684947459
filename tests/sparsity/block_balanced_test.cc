// Tests of block-balanced pruning (HP level 1): whole row segments, exactly k1 per column
// block including the narrow last one, chosen by segment norm, and optimal per block.
#include "sparsity/block_balanced.h"

#include <gtest/gtest.h>

#include <cmath>

#include "mask_checks.h"

namespace fitformer::sparsity {
namespace {

using testing::Shape;

TEST(BlockBalanced, EveryColumnBlockKeepsK1WholeSegmentsByNorm) {
  uint64_t seed = 400;
  for (const Shape shape : testing::test_shapes()) {
    for (const testing::Geometry g : testing::test_geometries()) {
      for (const double d : testing::test_densities()) {
        ++seed;
        const auto s = testing::random_scores(shape.rows, shape.cols, seed, seed % 3 ? 0 : 2);
        const BlockBalancedParams p{d, g.block_cols};
        const Mask mask = block_balanced_mask(s, shape.rows, shape.cols, p);
        const int64_t k1 =
            std::clamp<int64_t>(std::llround(d * static_cast<double>(shape.rows)), 1, shape.rows);
        ASSERT_EQ(block_balanced_k1(shape.rows, p), k1);
        ASSERT_EQ(kept_count(mask), k1 * shape.cols) << testing::describe(shape);
        ASSERT_EQ(block_balanced_kept_count(shape.rows, shape.cols, p), k1 * shape.cols);
        for (int64_t c0 = 0; c0 < shape.cols; c0 += g.block_cols) {
          const int64_t c1 = std::min(shape.cols, c0 + g.block_cols);
          std::vector<double> norms;
          std::vector<uint8_t> kept;
          for (int64_t r = 0; r < shape.rows; ++r) {
            const int64_t n = testing::count_kept(mask, r, r + 1, c0, c1);
            ASSERT_TRUE(n == 0 || n == c1 - c0) << "row " << r << " block at " << c0;
            kept.push_back(n > 0 ? 1 : 0);
            norms.push_back(testing::norm2(s, shape.cols, r, r + 1, c0, c1));
          }
          ASSERT_TRUE(testing::is_top_by_tie_rule(norms, kept))
              << testing::describe(shape) << " Bc " << g.block_cols << " block at " << c0;
        }
      }
    }
  }
}

TEST(BlockBalanced, EachBlockMatchesTheBestRowSubset) {
  for (int seed = 0; seed < 6; ++seed) {
    const int64_t rows = 9, cols = 11, bc = 4;  // blocks of width 4, 4, 3
    const auto s = testing::random_scores(rows, cols, 500 + seed, seed % 2 ? 3 : 0);
    for (const double d : {0.12, 0.34, 0.5, 0.78}) {
      const Mask mask = block_balanced_mask(s, rows, cols, {d, bc});
      const int64_t k1 = block_balanced_k1(rows, {d, bc});
      for (int64_t c0 = 0; c0 < cols; c0 += bc) {
        const int64_t c1 = std::min(cols, c0 + bc);
        std::vector<double> norms;
        std::vector<uint8_t> kept;
        for (int64_t r = 0; r < rows; ++r) {
          norms.push_back(testing::norm2(s, cols, r, r + 1, c0, c1));
          kept.push_back(mask.keep[static_cast<size_t>(r * cols + c0)]);
        }
        EXPECT_NEAR(testing::kept_sum(norms, kept), testing::brute_force_best_sum(norms, k1),
                    1e-12);
      }
    }
  }
}

TEST(BlockBalanced, TiesGoToTheLowerRow) {
  const std::vector<float> s(4 * 6, 1.0f);
  const Mask mask = block_balanced_mask(s, 4, 6, {0.5, 4});
  for (int64_t r = 0; r < 4; ++r) {
    EXPECT_EQ(testing::count_kept(mask, r, r + 1, 0, 6), r < 2 ? 6 : 0) << r;
  }
}

TEST(BlockBalanced, BadParametersNameTheField) {
  const std::vector<float> s(4, 1.0f);
  EXPECT_EQ(testing::error_field([&] { block_balanced_mask(s, 2, 2, {0.5, 0}); }), "block_cols");
  EXPECT_EQ(testing::error_field([&] { block_balanced_mask(s, 2, 2, {-0.5, 4}); }), "density");
}

}  // namespace
}  // namespace fitformer::sparsity
