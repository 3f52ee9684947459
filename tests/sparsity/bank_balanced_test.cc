// Tests of bank-balanced pruning (HP level 2): every bank of every row keeps min(n, width)
// of its best scores, including narrow tail banks, and is optimal per bank.
#include "sparsity/bank_balanced.h"

#include <gtest/gtest.h>

#include <cmath>

#include "mask_checks.h"

namespace fitformer::sparsity {
namespace {

using testing::Shape;

TEST(BankBalanced, EveryBankKeepsNOfItsBestOnEveryShapeAndGeometry) {
  uint64_t seed = 600;
  for (const Shape shape : testing::test_shapes()) {
    for (const testing::Geometry g : testing::test_geometries()) {
      for (const double d : testing::test_densities()) {
        ++seed;
        const auto s = testing::random_scores(shape.rows, shape.cols, seed, seed % 3 ? 0 : 2);
        const BankBalancedParams p{d, g.block_cols, g.banks};
        const Mask mask = bank_balanced_mask(s, shape.rows, shape.cols, p);
        const int64_t width = g.block_cols / g.banks;
        const int64_t n =
            std::clamp<int64_t>(std::llround(d * static_cast<double>(width)), 1, width);
        ASSERT_EQ(bank_balanced_n(p), n);
        int64_t expected = 0;
        for (int64_t r = 0; r < shape.rows; ++r) {
          ASSERT_TRUE(testing::row_groups_keep(mask, r, 0, shape.cols, width, n))
              << testing::describe(shape) << " Bc " << g.block_cols << " B " << g.banks;
          for (int64_t b = 0; b < shape.cols; b += width) {
            const size_t at = static_cast<size_t>(r * shape.cols + b);
            const size_t size = static_cast<size_t>(std::min(width, shape.cols - b));
            expected += std::min<int64_t>(n, static_cast<int64_t>(size));
            const std::vector<float> bank(s.begin() + at, s.begin() + at + size);
            const std::vector<uint8_t> kept(mask.keep.begin() + at, mask.keep.begin() + at + size);
            ASSERT_TRUE(testing::is_top_by_tie_rule(bank, kept)) << "row " << r << " bank " << b;
          }
        }
        ASSERT_EQ(kept_count(mask), expected);
        ASSERT_EQ(bank_balanced_kept_count(shape.rows, shape.cols, p), expected);
        if (shape.cols % width == 0) {
          ASSERT_EQ(kept_count(mask) * width, n * shape.rows * shape.cols);  // density n / width
        }
      }
    }
  }
}

TEST(BankBalanced, EachBankMatchesTheBestSubset) {
  for (int seed = 0; seed < 6; ++seed) {
    const int64_t rows = 3, cols = 21;  // bank width 8: banks of 8, 8, 5
    const auto s = testing::random_scores(rows, cols, 700 + seed, seed % 2 ? 3 : 0);
    for (const double d : {0.125, 0.375, 0.5, 0.75}) {
      const BankBalancedParams p{d, 16, 2};
      const Mask mask = bank_balanced_mask(s, rows, cols, p);
      const int64_t n = bank_balanced_n(p);
      for (int64_t r = 0; r < rows; ++r) {
        for (int64_t b = 0; b < cols; b += 8) {
          const int64_t e = std::min(cols, b + 8);
          const std::vector<double> bank(s.begin() + r * cols + b, s.begin() + r * cols + e);
          const std::vector<uint8_t> kept(mask.keep.begin() + r * cols + b,
                                          mask.keep.begin() + r * cols + e);
          EXPECT_NEAR(testing::kept_sum(bank, kept),
                      testing::brute_force_best_sum(bank, std::min(n, e - b)), 1e-12);
        }
      }
    }
  }
}

TEST(BankBalanced, BadParametersNameTheField) {
  const std::vector<float> s(4, 1.0f);
  EXPECT_EQ(testing::error_field([&] { bank_balanced_mask(s, 2, 2, {0.5, 60, 8}); }), "block_cols");
  EXPECT_EQ(testing::error_field([&] { bank_balanced_mask(s, 2, 2, {0.5, 0, 8}); }), "block_cols");
  EXPECT_EQ(testing::error_field([&] { bank_balanced_mask(s, 2, 2, {0.5, 64, 0}); }), "banks");
  EXPECT_EQ(testing::error_field([&] { bank_balanced_mask(s, 2, 2, {0.0, 64, 8}); }), "density");
  EXPECT_EQ(testing::error_field([&] { bank_balanced_mask(s, 2, 2, {1.01, 64, 8}); }), "density");
  try {
    bank_balanced_mask(s, 2, 2, {0.5, 60, 8});
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("multiple of banks (8)"), std::string::npos);
    EXPECT_EQ(e.found(), "60");
  }
}

}  // namespace
}  // namespace fitformer::sparsity
