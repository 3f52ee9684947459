// The closed loop's sparsity step: raise while accuracy meets AC, stop at the first failure,
// and bisect between the last pass and the first failure when the grid has points there.
#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "core/error.h"
#include "explore/search.h"

namespace fitformer::explore {
namespace {

const std::vector<double> kGrid = {0.5, 0.6, 0.7, 0.8, 0.9, 0.95};
const AccuracyConstraint kAcc80 = {.metric = "acc", .threshold = 0.80, .higher_is_better = true};

TEST(NextSparsity, RaisesOneStepWhileAccuracyHolds) {
  EXPECT_EQ(next_sparsity_to_try({}, kAcc80, kGrid), 0.5);
  EXPECT_EQ(next_sparsity_to_try({{0.5, 0.85}}, kAcc80, kGrid), 0.6);
  EXPECT_EQ(next_sparsity_to_try({{0.5, 0.85}, {0.6, 0.84}}, kAcc80, kGrid), 0.7);
  // Every point passed (0.80 meets acc>=0.80): done.
  EXPECT_EQ(
      next_sparsity_to_try(
          {{0.5, .85}, {0.6, .84}, {0.7, .82}, {0.8, .81}, {0.9, .80}, {0.95, .81}}, kAcc80, kGrid),
      std::nullopt);
}

TEST(NextSparsity, StopsAtTheFirstFailure) {
  EXPECT_EQ(next_sparsity_to_try({{0.5, 0.85}, {0.6, 0.79}}, kAcc80, kGrid), std::nullopt);
  // The first grid point already fails: nothing to try.
  EXPECT_EQ(next_sparsity_to_try({{0.5, 0.7}}, kAcc80, kGrid), std::nullopt);
  // A pass above the lowest failure does not reopen the search.
  EXPECT_EQ(next_sparsity_to_try({{0.5, 0.85}, {0.6, 0.79}, {0.7, 0.81}}, kAcc80, kGrid),
            std::nullopt);
}

TEST(NextSparsity, BisectsBetweenTheLastPassAndTheFirstFailure) {
  // Open points 0.6, 0.7, 0.8, 0.9: the lower middle, 0.7.
  EXPECT_EQ(next_sparsity_to_try({{0.5, 0.85}, {0.95, 0.60}}, kAcc80, kGrid), 0.7);
  // 0.7 passed: open 0.8, 0.9 -> 0.8.
  EXPECT_EQ(next_sparsity_to_try({{0.5, 0.85}, {0.95, 0.60}, {0.7, 0.82}}, kAcc80, kGrid), 0.8);
  // 0.8 failed: nothing between 0.7 and 0.8.
  EXPECT_EQ(
      next_sparsity_to_try({{0.5, 0.85}, {0.95, 0.60}, {0.7, 0.82}, {0.8, 0.79}}, kAcc80, kGrid),
      std::nullopt);
}

TEST(NextSparsity, PerplexityFailsUpward) {
  const AccuracyConstraint ppl = parse_accuracy_constraint("ppl<=180");
  EXPECT_EQ(next_sparsity_to_try({{0.5, 170}}, ppl, kGrid), 0.6);
  EXPECT_EQ(next_sparsity_to_try({{0.5, 170}, {0.6, 190}}, ppl, kGrid), std::nullopt);
}

TEST(NextSparsity, AnUnsortedGridIsRefused) {
  try {
    next_sparsity_to_try({}, kAcc80, {0.5, 0.9, 0.7});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.field(), "grid");
  }
}

}  // namespace
}  // namespace fitformer::explore
