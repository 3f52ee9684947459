// How a model's encoder linears are pruned with HP (DESIGN.md §2): one target sparsity for
// every matrix, at most one level's density fixed, and the geometry. The one plan of the
// pipeline: the recipe and the command line fill it, the trainer, the runtime's folder
// writer, the devices and the accelerator's workload take it as is, and split() turns it
// into each matrix's (k1, n).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "sparsity/hierarchical.h"

namespace fitformer::sparsity {

// The split when a plan fixes neither level: rho2 = 0.5, four of every eight weights of a kept
// row segment (the geometry's defaults, Bc = 64 and B = 8, are patterns.h's).
inline constexpr double kDefaultRho2 = 0.5;

struct HpPlan {
  double sparsity = 0.9;       // of every pruned matrix, [0, 1); 0 keeps the model dense
  std::optional<double> rho1;  // at most one of rho1 and rho2 fixed; neither: rho2 = 0.5
  std::optional<double> rho2;
  int64_t block_cols = kDefaultBlockCols;  // Bc
  int64_t banks = kDefaultBanks;           // B; divides Bc

  bool operator==(const HpPlan&) const = default;
};

// Whether the plan prunes at all (sparsity > 0).
inline bool is_pruned(const HpPlan& plan) {
  return plan.sparsity > 0;
}

// The fixed level's density: rho1 when set, else rho2 (kDefaultRho2 when neither is).
double fixed_density(const HpPlan& plan);

// Throws Error (field "rho1, rho2") when both levels are fixed, (field "sparsity") unless the
// sparsity is in [0, 1). What the plan's fields mean per matrix is split()'s to check.
void validate_plan(const HpPlan& plan);

// The split of plan.sparsity for one rows x cols matrix: hp_split_for_rho1 when rho1 is
// fixed, else hp_split_for_rho2 with fixed_density. The one place that rule lives. Throws
// what validate_plan throws, else what the split throws (its field: "sparsity", "rho1",
// "rho2", "block_cols", "banks"); a dense plan (sparsity 0) has no split.
HpSplit split(const HpPlan& plan, int64_t rows, int64_t cols);

// "HP 90% (rho2 0.5)", "HP 80% (rho1 0.3)", "HP 80% (rho2 0.5, B 16)" (B when not the
// default 8), "dense": the plan as logs and summaries name it.
std::string describe(const HpPlan& plan);

}  // namespace fitformer::sparsity
