// Tests of block-wise pruning: whole blocks on the edge-cut grid, the exact number of kept
// blocks, ranking by block norm, and optimality against every block subset.
#include "sparsity/block_wise.h"

#include <gtest/gtest.h>

#include <cmath>

#include "mask_checks.h"

namespace fitformer::sparsity {
namespace {

using testing::Shape;

// Block norms and per-block flags computed here from the definition; each block must be
// all kept or all dropped.
struct BlockView {
  std::vector<double> norm2;
  std::vector<uint8_t> kept;
};

BlockView view_blocks(const Mask& mask, const std::vector<float>& s, int64_t br, int64_t bc) {
  BlockView v;
  for (int64_t r0 = 0; r0 < mask.rows; r0 += br) {
    for (int64_t c0 = 0; c0 < mask.cols; c0 += bc) {
      const int64_t r1 = std::min(mask.rows, r0 + br), c1 = std::min(mask.cols, c0 + bc);
      const int64_t kept = testing::count_kept(mask, r0, r1, c0, c1);
      EXPECT_TRUE(kept == 0 || kept == (r1 - r0) * (c1 - c0))
          << "block at (" << r0 << ", " << c0 << ") is partly kept";
      v.kept.push_back(kept > 0 ? 1 : 0);
      v.norm2.push_back(testing::norm2(s, mask.cols, r0, r1, c0, c1));
    }
  }
  return v;
}

TEST(BlockWise, KeepsWholeBlocksExactCountBestNormsOnEveryShape) {
  uint64_t seed = 200;
  for (const Shape shape : testing::test_shapes()) {
    for (const auto& [br, bc] : {std::pair<int64_t, int64_t>{64, 64}, {4, 8}, {1, 16}, {3, 5}}) {
      for (const double d : testing::test_densities()) {
        ++seed;
        const auto s = testing::random_scores(shape.rows, shape.cols, seed, seed % 3 ? 0 : 2);
        const BlockWiseParams p{d, br, bc};
        const Mask mask = block_wise_mask(s, shape.rows, shape.cols, p);
        const BlockView v = view_blocks(mask, s, br, bc);
        const int64_t blocks = ((shape.rows + br - 1) / br) * ((shape.cols + bc - 1) / bc);
        const int64_t expected =
            std::clamp<int64_t>(std::llround(d * static_cast<double>(blocks)), 1, blocks);
        int64_t kept_blocks = 0;
        for (const uint8_t k : v.kept) kept_blocks += k;
        ASSERT_EQ(kept_blocks, expected) << testing::describe(shape) << " " << br << "x" << bc;
        ASSERT_EQ(block_wise_kept_blocks(shape.rows, shape.cols, p), expected);
        ASSERT_TRUE(testing::is_top_by_tie_rule(v.norm2, v.kept))
            << testing::describe(shape) << " " << br << "x" << bc << " d " << d;
        if (shape.rows % br == 0 && shape.cols % bc == 0) {
          ASSERT_EQ(kept_count(mask), expected * br * bc);
        }
      }
    }
  }
}

TEST(BlockWise, MatchesTheBestBlockSubsetOnSmallMatrices) {
  for (int seed = 0; seed < 6; ++seed) {
    const int64_t rows = 7, cols = 10;  // 2x2 blocks -> a 4x5 grid with cut edges
    const auto s = testing::random_scores(rows, cols, 300 + seed, seed % 2 ? 3 : 0);
    for (const double d : {0.1, 0.35, 0.5, 0.9}) {
      const Mask mask = block_wise_mask(s, rows, cols, {d, 2, 2});
      const BlockView v = view_blocks(mask, s, 2, 2);
      int64_t k = 0;
      for (const uint8_t f : v.kept) k += f;
      EXPECT_NEAR(testing::kept_sum(v.norm2, v.kept), testing::brute_force_best_sum(v.norm2, k),
                  1e-12);
    }
  }
}

TEST(BlockWise, BadGeometryNamesTheField) {
  const std::vector<float> s(4, 1.0f);
  EXPECT_EQ(testing::error_field([&] { block_wise_mask(s, 2, 2, {0.5, 0, 2}); }), "block_rows");
  EXPECT_EQ(testing::error_field([&] { block_wise_mask(s, 2, 2, {0.5, 2, -1}); }), "block_cols");
  EXPECT_EQ(testing::error_field([&] { block_wise_mask(s, 2, 2, {0.0, 2, 2}); }), "density");
}

}  // namespace
}  // namespace fitformer::sparsity
