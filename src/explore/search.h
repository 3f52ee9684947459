// The closed loop's sparsity search (issue 7): where a search stands (the edges between
// passing and failing sparsities) and the next grid point to try.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "explore/constraints.h"
#include "sparsity/patterns.h"

namespace fitformer::explore {

// One evaluated sparsity of the closed loop: its metric at the deployed precision.
struct SparsityTrial {
  double sparsity = 0;
  double metric_value = 0;
  int64_t banks = sparsity::kDefaultBanks;  // the B it was pruned at (one search per B)
};

// Where a sparsity search stands: the lowest sparsity that failed `ac`, and the highest that
// passed below it (passes above the lowest failure do not count). Either may be absent.
struct SearchEdges {
  std::optional<double> highest_pass;
  std::optional<double> lowest_fail;
};
SearchEdges search_edges(const std::vector<SparsityTrial>& history, const AccuracyConstraint& ac);

// The closed loop's next sparsity from `grid` (strictly ascending, else Error, field
// "grid"), given what was tried (trials off the grid count as bounds only). Raise sparsity
// while accuracy meets `ac`: with no failure yet, the smallest untried grid point above the
// highest pass (the first grid point when nothing was tried). After a failure, among the
// untried grid points strictly between the highest pass below the lowest failure and that
// failure: the lower middle one (bisection), or the lowest when nothing passed below it.
// Passes above the lowest failure are ignored. nullopt: done (the highest pass below the
// lowest failure is the answer; there is none when the first grid point failed).
std::optional<double> next_sparsity_to_try(const std::vector<SparsityTrial>& history,
                                           const AccuracyConstraint& ac,
                                           const std::vector<double>& grid);

}  // namespace fitformer::explore
