// The plan's one split rule and its names.
#include "sparsity/hp_plan.h"

#include <fmt/format.h>

#include "core/error.h"

namespace fitformer::sparsity {

double fixed_density(const HpPlan& plan) {
  return plan.rho1 ? *plan.rho1 : plan.rho2.value_or(kDefaultRho2);
}

void validate_plan(const HpPlan& plan) {
  if (plan.rho1 && plan.rho2) throw Error("", "rho1, rho2", "at most one of them", "both set");
  if (!(plan.sparsity >= 0 && plan.sparsity < 1))
    throw Error("", "sparsity", "a sparsity in [0, 1)", fmt::format("{}", plan.sparsity));
}

HpSplit split(const HpPlan& plan, int64_t rows, int64_t cols) {
  validate_plan(plan);
  if (plan.rho1)
    return hp_split_for_rho1(plan.sparsity, *plan.rho1, rows, cols, plan.block_cols, plan.banks);
  return hp_split_for_rho2(plan.sparsity, fixed_density(plan), rows, cols, plan.block_cols,
                           plan.banks);
}

std::string describe(const HpPlan& plan) {
  if (!is_pruned(plan)) return "dense";
  // B only when it is not the default, so that the common case reads as it always has.
  return fmt::format("HP {:.0f}% ({} {}{})", plan.sparsity * 100, plan.rho1 ? "rho1" : "rho2",
                     fixed_density(plan),
                     plan.banks == kDefaultBanks ? "" : fmt::format(", B {}", plan.banks));
}

}  // namespace fitformer::sparsity
