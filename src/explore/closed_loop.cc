// The closed loop: the sparsity search with the default split, then the other splits at its
// edge, each model scored at every precision and predicted on every device.
#include "explore/closed_loop.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.h"

namespace fitformer::explore {
namespace {

void check_settings(const LoopSettings& s) {
  if (s.sparsity_grid.empty())
    throw Error("", "sparsity_grid", "at least one sparsity", "an empty list");
  for (double v : s.sparsity_grid)
    if (!(v > 0 && v < 1))
      throw Error("", "sparsity_grid", "sparsities in (0, 1)", fmt::format("{}", v));
  for (double r : s.other_rho2)
    if (!(r > 0 && r <= 1)) throw Error("", "rho2", "densities in (0, 1]", fmt::format("{}", r));
  if (!(s.rho2 > 0 && s.rho2 <= 1))
    throw Error("", "rho2", "a density in (0, 1]", fmt::format("{}", s.rho2));
  if (s.precisions.empty()) throw Error("", "precisions", "at least one", "an empty list");
}

// Whether metric a is at least as good as b under the constraint's direction.
bool better(const AccuracyConstraint& ac, double a, double b) {
  return ac.higher_is_better ? a > b : a < b;
}

std::string describe(const LoopModel& m) {
  if (m.sparsity == 0) return "dense";
  return fmt::format("HP {:.0f}% (rho2 {})", m.sparsity * 100, m.rho2.value_or(0.5));
}

class Loop {
 public:
  Loop(const AccuracyConstraint& ac, const LoopSettings& settings, const LoopActions& actions)
      : ac_(ac), settings_(settings), actions_(actions) {}

  LoopResult run() {
    add(actions_.dense_model());
    while (const std::optional<double> s =
               next_sparsity_to_try(result_.trials, ac_, settings_.sparsity_grid)) {
      const double best = add(actions_.prune({*s, settings_.rho2}));
      result_.trials.push_back({*s, best});
    }
    const SearchEdges edges = search_edges(result_.trials, ac_);
    result_.highest_pass = edges.highest_pass;
    result_.lowest_fail = edges.lowest_fail;
    // A split at the edge can only matter where the default split was tried.
    for (const std::optional<double>& s : {result_.highest_pass, result_.lowest_fail}) {
      if (!s) continue;
      for (double r : settings_.other_rho2) {
        if (r == settings_.rho2) continue;
        // rho1 = density / rho2 must stay <= 1: a split finer than the density cannot exist.
        if (r < 1 - *s) {
          if (actions_.log)
            actions_.log(
                fmt::format("split rho2 {} skipped at HP {:.0f}%: below the density {:.2g}", r,
                            *s * 100, 1 - *s));
          continue;
        }
        add(actions_.prune({*s, r}));
      }
    }
    return std::move(result_);
  }

 private:
  // Scores and predicts one model at every precision; returns its best metric.
  double add(const LoopModel& model) {
    const size_t index = result_.models.size();
    result_.models.push_back(model);
    std::optional<double> best;
    std::string line = describe(model) + ":";
    for (const runtime::Precision p : settings_.precisions) {
      CandidatePoint c;
      c.pattern = sparsity::Pattern::kHp;
      c.sparsity = model.sparsity;
      if (model.sparsity > 0) c.rho2 = model.rho2;
      c.precision = p;
      c.metric = ac_.metric;
      c.metric_value = actions_.score(model, p);
      c.provenance = Provenance::kMeasured;
      const size_t candidate = result_.candidates.size();
      result_.candidates.push_back(c);
      result_.candidate_model.push_back(index);
      for (DeviceLatency& row : actions_.predict(model, p, candidate)) {
        row.candidate = candidate;
        result_.latencies.push_back(std::move(row));
      }
      if (!best || better(ac_, c.metric_value, *best)) best = c.metric_value;
      line += fmt::format(" {} {}={:.4g}{}", runtime::precision_name(p), ac_.metric, c.metric_value,
                          meets(ac_, c.metric_value) ? "" : " (fails AC)");
    }
    if (actions_.log) actions_.log(line);
    return *best;
  }

  const AccuracyConstraint& ac_;
  const LoopSettings& settings_;
  const LoopActions& actions_;
  LoopResult result_;
};

}  // namespace

LoopResult run_closed_loop(const AccuracyConstraint& ac, const LoopSettings& settings,
                           const LoopActions& actions) {
  check_settings(settings);
  return Loop(ac, settings, actions).run();
}

}  // namespace fitformer::explore
