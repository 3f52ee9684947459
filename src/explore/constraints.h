// The constraints of `fitformer select` (DESIGN.md §9) as the command line gives them: the
// accuracy constraint (absolute or relative to the dense model), the latency constraint and
// the objective that says what "cheapest" means.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "core/intervals.h"

namespace fitformer::explore {

// Metrics a constraint may name: "acc" and "f1" are better higher, "ppl" better lower.
inline constexpr std::array<std::string_view, 3> kMetricNames = {"acc", "f1", "ppl"};
// True for "acc" and "f1", false for "ppl"; throws Error (field `field`) for other names.
bool higher_is_better(std::string_view metric, std::string_view field = "--ac");

// A metric must be at least (acc, f1) or at most (ppl) `threshold`.
struct AccuracyConstraint {
  std::string metric;  // one of kMetricNames
  double threshold = 0;
  bool higher_is_better = true;  // ">=" when true, "<=" when false
};

// "acc>=0.80", "ppl<=180", "f1>=0.9" (spaces allowed around the operator). The operator must
// match the metric's direction ("acc<=0.8" is refused) and the value be one the metric can
// reach: acc and f1 are fractions in [0, 1] ("acc>=80" is refused), ppl is at least 1.
// Throws Error (field "--ac").
AccuracyConstraint parse_accuracy_constraint(std::string_view text);

// The metrics a task's scorer reports: ppl and acc for a language model, acc and f1 for a
// classifier. Throws Error (file `file`, field `field`) naming them when `metric` is not
// among them.
void check_task_metric(std::string_view metric, bool language_model, std::string_view field,
                       const std::string& file = {});

// "--ac-drop 1%" or "0.01": a relative drop in [0, 100%), read before any work.
struct AccuracyDrop {
  double fraction = 0;
  bool percent = false;  // written with '%'; a bare number is a fraction (0.5 is 50 %)
};
// Throws Error (field "--ac-drop") for a malformed or out-of-range drop.
AccuracyDrop parse_drop(std::string_view text);
// The constraint a drop makes from the dense model's `dense_value` of `metric`. acc/f1:
// value >= dense*(1-drop); ppl: value <= dense*(1+drop). Throws Error (field "--ac-drop")
// for dense_value <= 0 or an unknown metric.
AccuracyConstraint accuracy_drop_constraint(const AccuracyDrop& drop, std::string_view metric,
                                            double dense_value);
// parse_drop then accuracy_drop_constraint.
AccuracyConstraint parse_accuracy_drop(std::string_view text, std::string_view metric,
                                       double dense_value);
// Whether `value` (of ac.metric) satisfies the constraint.
bool meets(const AccuracyConstraint& ac, double value);
// Where a measured metric stands against AC once its 95 % interval is counted (issue 17). The
// decision stays the point estimate's (meets): an interval only qualifies it, so that a choice
// resting on a difference within noise says so.
enum class AcStanding {
  kMeets,              // the point meets AC and the whole interval is on AC's side
  kMeetsWithinNoise,   // the point meets AC, but AC lies inside the interval
  kMissesWithinNoise,  // the point misses AC, but AC lies inside the interval
  kMisses,             // the point misses AC and the whole interval is on the wrong side
};
inline constexpr std::array<std::string_view, 4> kAcStandingNames = {
    "meets", "meets_within_noise", "misses_within_noise", "misses"};
// An interval holds AC when low <= threshold <= high; without one (f1, a single window) the
// standing is the point's alone: kMeets or kMisses.
AcStanding ac_standing(const AccuracyConstraint& ac, double value,
                       const std::optional<ConfidenceInterval>& interval);
// kAcStandingNames' entry: the result JSON's "ac_standing".
std::string_view ac_standing_name(AcStanding standing);
// Throws Error (field `field`) for a name not in kAcStandingNames.
AcStanding parse_ac_standing(std::string_view name, std::string_view field = "ac_standing");
// "meets AC", "meets AC, but AC lies inside the 95 % interval (not significant)", "misses AC
// within noise", "misses AC": as the text summary and the report say it.
std::string_view ac_standing_text(AcStanding standing);

// "acc>=0.8", "ppl<=180": the constraint as a person writes it.
std::string to_string(const AccuracyConstraint& ac);

// "5ms", "250us", "0.5s" -> microseconds, > 0. Throws Error (field "--lc") otherwise.
double parse_latency(std::string_view text);

// What "cheapest" means: the device's price_usd, its power_w, or the winning latency.
enum class Objective { kPrice, kPower, kLatency };
inline constexpr std::array<std::string_view, 3> kObjectiveNames = {"price", "power", "latency"};
std::string_view objective_name(Objective objective);
// Throws Error (field "--objective") listing the allowed names.
Objective parse_objective(std::string_view name);

}  // namespace fitformer::explore
