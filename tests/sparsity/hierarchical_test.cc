// Tests of hierarchical pruning: both levels' invariants on every shape and geometry, its
// equality with the AND of its two levels and with each level alone at rho = 1, per-level
// optimality by brute force, and the choice of (k1, n) for a target sparsity.
#include "sparsity/hierarchical.h"

#include <gtest/gtest.h>

#include <cmath>

#include "mask_checks.h"
#include "sparsity/bank_balanced.h"
#include "sparsity/block_balanced.h"

namespace fitformer::sparsity {
namespace {

using testing::Shape;

// Checks level 1 (exactly k1 segments per column block, chosen by full-segment norm) and
// level 2 (min(n, width) per bank of a kept segment, by the tie rule; nothing elsewhere).
void expect_hp_invariants(const Mask& mask, const std::vector<float>& s, const HpParams& p,
                          int64_t k1, int64_t n, const std::string& where) {
  const int64_t width = p.block_cols / p.banks;
  for (int64_t c0 = 0; c0 < mask.cols; c0 += p.block_cols) {
    const int64_t c1 = std::min(mask.cols, c0 + p.block_cols);
    std::vector<double> norms;
    std::vector<uint8_t> kept_rows;
    for (int64_t r = 0; r < mask.rows; ++r) {
      const bool kept = testing::count_kept(mask, r, r + 1, c0, c1) > 0;
      kept_rows.push_back(kept ? 1 : 0);
      norms.push_back(testing::norm2(s, mask.cols, r, r + 1, c0, c1));
      if (!kept) continue;
      ASSERT_TRUE(testing::row_groups_keep(mask, r, c0, c1, width, n)) << where;
      for (int64_t b = c0; b < c1; b += width) {
        const int64_t e = std::min(c1, b + width);
        const std::vector<float> bank(s.begin() + r * mask.cols + b, s.begin() + r * mask.cols + e);
        const std::vector<uint8_t> flags(mask.keep.begin() + r * mask.cols + b,
                                         mask.keep.begin() + r * mask.cols + e);
        ASSERT_TRUE(testing::is_top_by_tie_rule(bank, flags)) << where << " row " << r;
      }
    }
    int64_t segments = 0;
    for (const uint8_t k : kept_rows) segments += k;
    ASSERT_EQ(segments, k1) << where << " block at " << c0;
    ASSERT_TRUE(testing::is_top_by_tie_rule(norms, kept_rows)) << where << " block at " << c0;
  }
}

TEST(Hp, BothLevelsHoldExactlyOnEveryShapeAndGeometry) {
  uint64_t seed = 1000;
  for (const Shape shape : testing::test_shapes()) {
    for (const testing::Geometry g : testing::test_geometries()) {
      for (const double rho1 : {0.05, 0.5, 1.0}) {
        for (const double rho2 : {0.125, 0.5, 0.7, 1.0}) {
          ++seed;
          const auto s = testing::random_scores(shape.rows, shape.cols, seed, seed % 3 ? 0 : 2);
          const HpParams p{rho1, rho2, g.block_cols, g.banks};
          const Mask mask = hp_mask(s, shape.rows, shape.cols, p);
          const int64_t width = g.block_cols / g.banks;
          const int64_t k1 = std::clamp<int64_t>(
              std::llround(rho1 * static_cast<double>(shape.rows)), 1, shape.rows);
          const int64_t n =
              std::clamp<int64_t>(std::llround(rho2 * static_cast<double>(width)), 1, width);
          const HpCounts counts = hp_counts(shape.rows, p);
          ASSERT_EQ(counts.k1, k1);
          ASSERT_EQ(counts.n, n);
          ASSERT_EQ(counts.bank_width, width);
          const std::string where = testing::describe(shape) + " Bc " +
                                    std::to_string(g.block_cols) + " B " + std::to_string(g.banks) +
                                    " k1 " + std::to_string(k1) + " n " + std::to_string(n);
          expect_hp_invariants(mask, s, p, k1, n, where);
          ASSERT_EQ(kept_count(mask), hp_kept_count(shape.rows, shape.cols, p)) << where;
          if (shape.cols % g.block_cols == 0) {
            // Overall density k1 / M * n * B / Bc, exactly.
            ASSERT_EQ(kept_count(mask) * shape.rows * g.block_cols,
                      k1 * n * g.banks * shape.rows * shape.cols)
                << where;
          }
        }
      }
    }
  }
}

// Worked by hand: K = 10 with Bc = 8, B = 2 (bank width 4), k1 = 1, n = 2. Block [0, 8) keeps
// row 0 (norm^2 204 > 162), banks [0, 4) and [4, 8) keep their two largest; the narrow block
// [8, 10) keeps row 1 (2 > 0.05), whose one real bank of width 2 keeps both; the bank
// [12, 16) is all padding and keeps nothing.
TEST(Hp, RaggedLastBlockFollowsThePaddingRule) {
  const std::vector<float> s = {1, 2, 3, 4, 5, 6, 7, 8, 0.1f, 0.2f,  //
                                9, 9, 0, 0, 0, 0, 0, 0, 1,    1};
  const HpParams p{0.5, 0.5, 8, 2};
  const Mask mask = hp_mask(s, 2, 10, p);
  EXPECT_EQ(mask.keep, (std::vector<uint8_t>{0, 0, 1, 1, 0, 0, 1, 1, 0, 0,  //
                                             0, 0, 0, 0, 0, 0, 0, 0, 1, 1}));
  EXPECT_EQ(hp_kept_count(2, 10, p), 6);
}

TEST(Hp, IsTheAndOfItsLevelsAndDegeneratesToEachAtDensityOne) {
  uint64_t seed = 1100;
  for (const Shape shape : {Shape{7, 13}, Shape{64, 64}, Shape{100, 130}, Shape{768, 768}}) {
    for (const testing::Geometry g : {testing::Geometry{64, 8}, testing::Geometry{12, 3}}) {
      ++seed;
      const auto s = testing::random_scores(shape.rows, shape.cols, seed, seed % 2 ? 0 : 3);
      const int64_t m = shape.rows, k = shape.cols;
      for (const double rho : {0.25, 0.6}) {
        const Mask level1 = block_balanced_mask(s, m, k, {rho, g.block_cols});
        const Mask level2 = bank_balanced_mask(s, m, k, {rho, g.block_cols, g.banks});
        EXPECT_EQ(hp_mask(s, m, k, {rho, 1.0, g.block_cols, g.banks}), level1)
            << testing::describe(shape);
        EXPECT_EQ(hp_mask(s, m, k, {1.0, rho, g.block_cols, g.banks}), level2)
            << testing::describe(shape);
        const Mask level1_half = block_balanced_mask(s, m, k, {0.5, g.block_cols});
        EXPECT_EQ(hp_mask(s, m, k, {0.5, rho, g.block_cols, g.banks}),
                  intersect(level1_half, level2))
            << testing::describe(shape);
      }
    }
  }
}

// Level 1 keeps the row subset of largest total squared norm in each block; level 2 the best
// n-subset of each bank of a kept segment. (HP is two-level by definition, so it is
// optimal per level, not over every mask with the same counts.)
TEST(Hp, EachLevelMatchesItsBestSubset) {
  for (int seed = 0; seed < 6; ++seed) {
    const int64_t rows = 10, cols = 13, bc = 8, banks = 2;  // blocks 8 + 5; banks 4,4 and 4,1
    const auto s = testing::random_scores(rows, cols, 1200 + seed, seed % 2 ? 3 : 0);
    for (const auto& [rho1, rho2] : {std::pair{0.3, 0.5}, std::pair{0.5, 0.25}, {0.8, 0.75}}) {
      const HpParams p{rho1, rho2, bc, banks};
      const HpCounts counts = hp_counts(rows, p);
      const Mask mask = hp_mask(s, rows, cols, p);
      for (int64_t c0 = 0; c0 < cols; c0 += bc) {
        const int64_t c1 = std::min(cols, c0 + bc);
        std::vector<double> norms;
        std::vector<uint8_t> kept;
        for (int64_t r = 0; r < rows; ++r) {
          norms.push_back(testing::norm2(s, cols, r, r + 1, c0, c1));
          kept.push_back(testing::count_kept(mask, r, r + 1, c0, c1) > 0 ? 1 : 0);
          if (!kept.back()) continue;
          for (int64_t b = c0; b < c1; b += counts.bank_width) {
            const int64_t e = std::min(c1, b + counts.bank_width);
            const std::vector<double> bank(s.begin() + r * cols + b, s.begin() + r * cols + e);
            const std::vector<uint8_t> flags(mask.keep.begin() + r * cols + b,
                                             mask.keep.begin() + r * cols + e);
            EXPECT_NEAR(testing::kept_sum(bank, flags),
                        testing::brute_force_best_sum(bank, std::min(counts.n, e - b)), 1e-12);
          }
        }
        EXPECT_NEAR(testing::kept_sum(norms, kept), testing::brute_force_best_sum(norms, counts.k1),
                    1e-12);
      }
    }
  }
}

TEST(HpSplit, ExactWhenTheTargetIsRepresentable) {
  const HpSplit split = hp_split_for_rho1(0.875, 0.5, 64, 128);
  EXPECT_EQ(split.counts.k1, 32);
  EXPECT_EQ(split.counts.n, 2);
  EXPECT_DOUBLE_EQ(split.density, 0.125);
  const HpSplit other = hp_split_for_rho2(0.875, 0.25, 64, 128);
  EXPECT_EQ(other.counts.k1, 32);
  EXPECT_EQ(other.counts.n, 2);
}

// For many targets and shapes: the returned params reproduce the counts, the reported
// density is the mask's, and the free count is the nearest one for the nominal density.
TEST(HpSplit, ParamsRoundTripAndDensityIsReportedNotHidden) {
  uint64_t seed = 1300;
  for (const Shape shape : {Shape{7, 13}, Shape{100, 130}, Shape{768, 768}, Shape{768, 3072}}) {
    for (const testing::Geometry g : {testing::Geometry{64, 8}, testing::Geometry{16, 4}}) {
      const int64_t width = g.block_cols / g.banks;
      for (const double sparsity : {0.0, 0.5, 0.8, 0.9, 0.95}) {
        const double target = 1.0 - sparsity;
        for (const double rho : {1.0, 0.6, 0.3}) {
          if (rho < target) {
            EXPECT_EQ(testing::error_field([&] {
                        hp_split_for_rho1(sparsity, rho, shape.rows, shape.cols, g.block_cols,
                                          g.banks);
                      }),
                      "rho1");
            continue;
          }
          for (const bool fix_rho1 : {true, false}) {
            const HpSplit split = fix_rho1 ? hp_split_for_rho1(sparsity, rho, shape.rows,
                                                               shape.cols, g.block_cols, g.banks)
                                           : hp_split_for_rho2(sparsity, rho, shape.rows,
                                                               shape.cols, g.block_cols, g.banks);
            const HpCounts again = hp_counts(shape.rows, split.params);
            EXPECT_EQ(again.k1, split.counts.k1);
            EXPECT_EQ(again.n, split.counts.n);
            const double nominal = static_cast<double>(split.counts.k1 * split.counts.n) /
                                   static_cast<double>(shape.rows * width);
            // One step of the free count moves the nominal density by this much.
            const double step =
                fix_rho1
                    ? static_cast<double>(split.counts.k1) / static_cast<double>(shape.rows * width)
                    : static_cast<double>(split.counts.n) / static_cast<double>(shape.rows * width);
            const bool clamped = fix_rho1 ? split.counts.n == 1 || split.counts.n == width
                                          : split.counts.k1 == 1 || split.counts.k1 == shape.rows;
            if (!clamped) {
              EXPECT_LE(std::abs(nominal - target), 0.5 * step + 1e-12);
            }
            if (shape.rows <= 128) {
              const auto s = testing::random_scores(shape.rows, shape.cols, ++seed);
              EXPECT_DOUBLE_EQ(density(hp_mask(s, shape.rows, shape.cols, split.params)),
                               split.density);
            }
          }
        }
      }
    }
  }
}

TEST(Hp, BadParametersNameTheField) {
  const std::vector<float> s(16, 1.0f);
  EXPECT_EQ(testing::error_field([&] { hp_mask(s, 4, 4, {0.5, 0.5, 60, 8}); }), "block_cols");
  EXPECT_EQ(testing::error_field([&] { hp_mask(s, 4, 4, {0.5, 0.5, 64, 0}); }), "banks");
  EXPECT_EQ(testing::error_field([&] { hp_mask(s, 4, 4, {0.0, 0.5}); }), "rho1");
  EXPECT_EQ(testing::error_field([&] { hp_mask(s, 4, 4, {0.5, 1.5}); }), "rho2");
  EXPECT_EQ(testing::error_field([&] { hp_mask(s, 4, 5, {0.5, 0.5}); }), "scores");
  EXPECT_EQ(testing::error_field([&] { hp_split_for_rho1(1.0, 0.5, 4, 4); }), "sparsity");
  EXPECT_EQ(testing::error_field([&] { hp_split_for_rho1(-0.1, 0.5, 4, 4); }), "sparsity");
  EXPECT_EQ(testing::error_field([&] { hp_split_for_rho1(0.9, 0.05, 4, 4); }), "rho1");
  EXPECT_EQ(testing::error_field([&] { hp_split_for_rho2(0.9, 0.05, 4, 4); }), "rho2");
  EXPECT_EQ(testing::error_field([&] { hp_split_for_rho2(0.5, 0.5, 4, 4, 60, 8); }), "block_cols");
}

}  // namespace
}  // namespace fitformer::sparsity
