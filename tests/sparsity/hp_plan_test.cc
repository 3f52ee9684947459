// The one HP plan: split() fixes rho1 when the plan names it and rho2 otherwise (0.5 when it
// names neither), exactly as the two splits of hierarchical.h do; both fixed, or a sparsity
// outside [0, 1), is refused by name.
#include "sparsity/hp_plan.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "mask_checks.h"

namespace fitformer::sparsity {
namespace {

bool same(const HpSplit& a, const HpSplit& b) {
  return a.params.rho1 == b.params.rho1 && a.params.rho2 == b.params.rho2 &&
         a.counts.k1 == b.counts.k1 && a.counts.n == b.counts.n && a.density == b.density;
}

TEST(HpPlan, SplitFollowsTheFixedLevel) {
  for (const double s : {0.8, 0.9, 0.95}) {  // rho2 0.25 needs a density <= 0.25
    HpPlan plan;
    plan.sparsity = s;
    EXPECT_TRUE(same(split(plan, 96, 200), hp_split_for_rho2(s, 0.5, 96, 200))) << s;
    plan.rho2 = 0.25;
    EXPECT_TRUE(same(split(plan, 96, 200), hp_split_for_rho2(s, 0.25, 96, 200))) << s;
    plan.rho2.reset();
    plan.rho1 = 1 - s;
    plan.block_cols = 16;
    plan.banks = 4;
    EXPECT_TRUE(same(split(plan, 96, 200), hp_split_for_rho1(s, 1 - s, 96, 200, 16, 4))) << s;
  }
}

TEST(HpPlan, BadPlansAreRefusedByName) {
  HpPlan both;
  both.rho1 = 0.5;
  both.rho2 = 0.5;
  EXPECT_EQ(testing::error_field([&] { split(both, 8, 8); }), "rho1, rho2");
  EXPECT_EQ(testing::error_field([&] { validate_plan(both); }), "rho1, rho2");
  HpPlan full;
  full.sparsity = 1.0;
  EXPECT_EQ(testing::error_field([&] { validate_plan(full); }), "sparsity");
  HpPlan dense;
  dense.sparsity = 0;
  EXPECT_NO_THROW(validate_plan(dense));
  EXPECT_FALSE(is_pruned(dense));
  EXPECT_EQ(describe(dense), "dense");
  HpPlan plan;
  EXPECT_EQ(describe(plan), "HP 90% (rho2 0.5)");
}

}  // namespace
}  // namespace fitformer::sparsity
