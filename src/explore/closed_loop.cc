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

class Loop {
 public:
  Loop(const AccuracyConstraint& ac, const LoopSettings& settings, LoopSteps& steps)
      : ac_(ac), settings_(settings), steps_(steps) {}

  LoopResult run() {
    add(steps_.dense_model());
    while (const std::optional<double> s =
               next_sparsity_to_try(result_.trials, ac_, settings_.sparsity_grid)) {
      const double best = add(steps_.prune(plan(*s, settings_.rho2)));
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
          steps_.log(fmt::format("split rho2 {} skipped at HP {:.0f}%: below the density {:.2g}", r,
                                 *s * 100, 1 - *s));
          continue;
        }
        add(steps_.prune(plan(*s, r)));
      }
    }
    return std::move(result_);
  }

 private:
  // The plan of a prune the loop asks for: the sparsity with rho2 fixed.
  static sparsity::HpPlan plan(double sparsity, double rho2) {
    sparsity::HpPlan p;
    p.sparsity = sparsity;
    p.rho2 = rho2;
    return p;
  }

  // Scores and predicts one model at every precision; returns its best metric.
  double add(const LoopModel& model) {
    const size_t index = result_.models.size();
    result_.models.push_back(model);
    std::optional<double> best;
    std::string line = sparsity::describe(model.plan) + ":";
    for (const format::Precision p : settings_.precisions) {
      CandidatePoint c;
      c.candidate = {model.plan, p, model.dir};
      c.metric = ac_.metric;
      const MetricScore score = steps_.score(c.candidate);
      c.metric_value = score.value;
      c.interval = score.interval;
      c.provenance = Provenance::kMeasured;
      const size_t candidate = result_.candidates.size();
      result_.candidates.push_back(c);
      result_.candidate_model.push_back(index);
      for (DeviceLatency& row : steps_.predict(c.candidate, candidate)) {
        row.candidate = candidate;
        result_.latencies.push_back(std::move(row));
      }
      if (!best || better(ac_, c.metric_value, *best)) best = c.metric_value;
      line += fmt::format(" {} {}={:.4g}{}", format::precision_name(p), ac_.metric, c.metric_value,
                          meets(ac_, c.metric_value) ? "" : " (fails AC)");
    }
    steps_.log(line);
    return *best;
  }

  const AccuracyConstraint& ac_;
  const LoopSettings& settings_;
  LoopSteps& steps_;
  LoopResult result_;
};

}  // namespace

LoopResult run_closed_loop(const AccuracyConstraint& ac, const LoopSettings& settings,
                           LoopSteps& steps) {
  check_settings(settings);
  return Loop(ac, settings, steps).run();
}

}  // namespace fitformer::explore
