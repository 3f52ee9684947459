// The sparsity search: the edges of what was tried, and the next grid point.
#include "explore/search.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.h"

namespace fitformer::explore {

SearchEdges search_edges(const std::vector<SparsityTrial>& history, const AccuracyConstraint& ac) {
  SearchEdges e;
  for (const SparsityTrial& t : history)
    if (!meets(ac, t.metric_value) && (!e.lowest_fail || t.sparsity < *e.lowest_fail))
      e.lowest_fail = t.sparsity;
  for (const SparsityTrial& t : history)
    if (meets(ac, t.metric_value) && (!e.lowest_fail || t.sparsity < *e.lowest_fail) &&
        (!e.highest_pass || t.sparsity > *e.highest_pass))
      e.highest_pass = t.sparsity;
  return e;
}

std::optional<double> next_sparsity_to_try(const std::vector<SparsityTrial>& history,
                                           const AccuracyConstraint& ac,
                                           const std::vector<double>& grid) {
  for (size_t i = 1; i < grid.size(); ++i) {
    if (!(grid[i - 1] < grid[i])) {
      throw Error("", "grid", "strictly ascending sparsities",
                  fmt::format("{:g} then {:g}", grid[i - 1], grid[i]));
    }
  }
  const auto [highest_pass, lowest_fail] = search_edges(history, ac);
  auto tried = [&](double s) {
    return std::any_of(history.begin(), history.end(),
                       [&](const SparsityTrial& t) { return t.sparsity == s; });
  };
  std::vector<double> open;  // untried grid points in the open interval
  for (double s : grid) {
    if (tried(s)) continue;
    if (highest_pass && s <= *highest_pass) continue;
    if (lowest_fail && s >= *lowest_fail) continue;
    open.push_back(s);
  }
  if (open.empty()) return std::nullopt;
  if (!lowest_fail) return open.front();
  if (!highest_pass) {
    // Nothing passed below the failure: try the lowest point first, so a pass is found.
    return open.front();
  }
  return open[(open.size() - 1) / 2];
}

}  // namespace fitformer::explore
