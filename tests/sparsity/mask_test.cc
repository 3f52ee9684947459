// Tests of the shared mask rules: the rounding and padding counts, the tie-ruled top-k on
// both its small and large paths, and the mask helpers.
#include "sparsity/mask.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/error.h"
#include "mask_checks.h"

namespace fitformer::sparsity {
namespace {

using testing::is_top_by_tie_rule;

TEST(CountForDensity, RoundsHalfAwayFromZeroAndKeepsAtLeastOne) {
  EXPECT_EQ(count_for_density(0.5, 8, "density"), 4);
  EXPECT_EQ(count_for_density(0.25, 2, "density"), 1);  // 0.5 rounds up
  EXPECT_EQ(count_for_density(0.3, 8, "density"), 2);   // 2.4
  EXPECT_EQ(count_for_density(0.32, 8, "density"), 3);  // 2.56
  EXPECT_EQ(count_for_density(0.01, 8, "density"), 1);  // 0.08 -> 0 -> at least one
  EXPECT_EQ(count_for_density(1.0, 768, "density"), 768);
  EXPECT_EQ(count_for_density(1e-9, 1, "density"), 1);
  EXPECT_EQ(count_for_density(0.29, 50, "density"), 14);  // 14.499999999999998 in double
  EXPECT_EQ(count_for_density(14.0 / 50.0, 50, "density"), 14);
  EXPECT_EQ(count_for_density(15.0 / 50.0, 50, "density"), 15);
}

TEST(CountForDensity, RejectsDensitiesOutsideTheHalfOpenUnitIntervalNamingTheField) {
  for (const double bad : {0.0, -0.1, 1.0000001, 2.0, std::numeric_limits<double>::quiet_NaN(),
                           std::numeric_limits<double>::infinity()}) {
    try {
      count_for_density(bad, 8, "rho2");
      ADD_FAILURE() << "accepted " << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.field(), "rho2");
      EXPECT_NE(std::string(e.what()).find("(0, 1]"), std::string::npos) << e.what();
    }
  }
}

TEST(KeptAlong, CountsWholeGroupsAndTheClampedTail) {
  EXPECT_EQ(kept_along(64, 8, 2), 16);
  EXPECT_EQ(kept_along(13, 4, 2), 3 * 2 + 1);  // tail of width 1 keeps 1
  EXPECT_EQ(kept_along(14, 4, 2), 3 * 2 + 2);
  EXPECT_EQ(kept_along(3, 8, 5), 3);  // one narrow group keeps all it has
  EXPECT_EQ(kept_along(3, 8, 2), 2);
}

// Both paths (counting for <= 16 values, selection beyond) against the definition, with
// distinct values and with heavy ties, for every k.
TEST(KeepTopK, MatchesTheTieRuleForEveryKOnBothPaths) {
  for (const int64_t size : {1, 2, 5, 8, 16, 17, 64, 300}) {
    for (const int levels : {0, 2, 5}) {
      const auto scores = testing::random_scores(1, size, 100 + size * 7 + levels, levels);
      std::vector<double> doubles(scores.begin(), scores.end());
      for (int64_t k = 0; k <= size; ++k) {
        std::vector<uint8_t> keep(static_cast<size_t>(size), 7);
        keep_top_k(std::span<const float>(scores), k, keep);
        int64_t kept = 0;
        for (const uint8_t f : keep) {
          ASSERT_TRUE(f == 0 || f == 1);
          kept += f;
        }
        ASSERT_EQ(kept, k) << "size " << size << " levels " << levels;
        ASSERT_TRUE(is_top_by_tie_rule(scores, keep)) << "size " << size << " k " << k;
        std::vector<uint8_t> keep_d(keep.size());
        keep_top_k(std::span<const double>(doubles), k, keep_d);
        ASSERT_EQ(keep_d, keep);
      }
    }
  }
}

TEST(KeepTopK, EqualValuesKeepTheLowestPositions) {
  for (const size_t size : {8u, 40u}) {
    const std::vector<float> same(size, 1.0f);
    std::vector<uint8_t> keep(size);
    keep_top_k(std::span<const float>(same), 3, keep);
    for (size_t i = 0; i < size; ++i) EXPECT_EQ(keep[i], i < 3 ? 1 : 0) << size;
  }
}

TEST(KeepTopK, ClampsKToTheGroup) {
  const std::vector<float> v = {3, 1, 2};
  std::vector<uint8_t> keep(3);
  keep_top_k(std::span<const float>(v), 10, keep);
  EXPECT_EQ(keep, (std::vector<uint8_t>{1, 1, 1}));
  keep_top_k(std::span<const float>(v), -1, keep);
  EXPECT_EQ(keep, (std::vector<uint8_t>{0, 0, 0}));
}

TEST(MaskHelpers, DensityApplyIntersectAndMagnitude) {
  const Mask a{2, 3, {1, 0, 1, 1, 1, 0}};
  const Mask b{2, 3, {1, 1, 0, 0, 1, 1}};
  EXPECT_EQ(kept_count(a), 4);
  EXPECT_DOUBLE_EQ(density(a), 4.0 / 6.0);
  EXPECT_DOUBLE_EQ(sparsity(a), 2.0 / 6.0);
  EXPECT_EQ(intersect(a, b).keep, (std::vector<uint8_t>{1, 0, 0, 0, 1, 0}));
  EXPECT_THROW(intersect(a, Mask{3, 2, std::vector<uint8_t>(6)}), Error);

  std::vector<float> w = {-1.5f, 2.0f, -0.0f, 3.0f, -4.0f, 5.0f};
  EXPECT_EQ(magnitude_scores(w), (std::vector<float>{1.5f, 2.0f, 0.0f, 3.0f, 4.0f, 5.0f}));
  apply_mask(a, w);
  EXPECT_EQ(w, (std::vector<float>{-1.5f, 0.0f, -0.0f, 3.0f, -4.0f, 0.0f}));
  std::vector<float> short_w(5);
  EXPECT_THROW(apply_mask(a, short_w), Error);
  EXPECT_EQ(density(Mask{}), 0.0);
}

TEST(CheckScores, NamesTheBadFieldAndPosition) {
  const std::vector<float> ok(6, 1.0f);
  EXPECT_NO_THROW(check_scores(ok, 2, 3));
  const auto field_of = [](auto&& call) { return testing::error_field(call); };
  EXPECT_EQ(field_of([&] { check_scores(ok, 0, 6); }), "rows");
  EXPECT_EQ(field_of([&] { check_scores(ok, 6, 0); }), "cols");
  EXPECT_EQ(field_of([&] { check_scores(ok, 2, 4); }), "scores");
  for (const float bad :
       {-1.0f, std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    std::vector<float> s = ok;
    s[4] = bad;
    try {
      check_scores(s, 2, 3);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.field(), "scores");
      EXPECT_NE(std::string(e.what()).find("(1, 1)"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace fitformer::sparsity
