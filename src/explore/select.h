// The selection logic of `fitformer select` (DESIGN.md §1, §9; issue 7) as pure functions
// over tables: the constraints parsed from the command line, the cheapest device by the
// objective whose best candidate meets both constraints, a reason for every device that
// lost, the nearest feasible points when nothing is feasible, and the closed loop's next
// sparsity. Nothing here prunes, evaluates or times; the closed loop fills the tables.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "accel/result_tags.h"
#include "devices/predict.h"
#include "io/catalog.h"

namespace fitformer::explore {

using accel::Provenance;
using accel::Verdict;

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
// match the metric's direction ("acc<=0.8" is refused). Throws Error (field "--ac").
AccuracyConstraint parse_accuracy_constraint(std::string_view text);
// "--ac-drop 1%" (or "0.01"): a relative drop from the dense model's `dense_value` of
// `metric`, in [0, 100%). acc/f1: value >= dense*(1-drop); ppl: value <= dense*(1+drop).
// Throws Error (field "--ac-drop") for a malformed or out-of-range drop or dense_value <= 0.
AccuracyConstraint parse_accuracy_drop(std::string_view text, std::string_view metric,
                                       double dense_value);
// Whether `value` (of ac.metric) satisfies the constraint.
bool meets(const AccuracyConstraint& ac, double value);
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

// One candidate (a pruned model, or the dense one: plan.sparsity 0, at the precision it was
// scored at) with its accuracy there.
struct CandidatePoint {
  devices::Candidate candidate;
  std::string metric;  // one of kMetricNames; must equal the constraint's
  double metric_value = 0;
  Provenance provenance = Provenance::kMeasured;
};

// The latency of candidate `candidate` (an index into the candidate table) on a device.
struct DeviceLatency {
  std::string device_id;
  std::size_t candidate = 0;
  double latency_us = 0;
  Provenance provenance = Provenance::kModeled;
  Verdict fits;  // not ok: the model does not fit the device; latency_us is then ignored
};

// A (device, candidate) pair quoted as evidence.
struct PointOnDevice {
  std::string device_id;
  std::size_t candidate = 0;
  double latency_us = 0;
  double metric_value = 0;
};

// How one device of the catalog fared.
struct DeviceOutcome {
  std::string device_id;
  bool chosen = false;
  bool feasible = false;  // some candidate meets AC, fits and is within LC
  std::string reason;     // empty for the chosen device; why it lost otherwise
  // The device's best candidate: feasible ones first, else the fastest fitting one that
  // meets AC; absent when none meets AC and fits.
  std::optional<PointOnDevice> best;
};

struct Selection {
  bool feasible = false;  // false: no device meets both constraints (the CLI exits 2)
  std::string device_id;  // the chosen device; empty when infeasible
  std::size_t candidate = 0;
  double latency_us = 0;
  double objective_value = 0;          // price_usd, power_w or latency_us of the choice
  std::vector<DeviceOutcome> devices;  // one per catalog device, in catalog order
  // Nearest feasible points over the devices in the subset (filled whether or not the
  // constraints are feasible): the lowest latency of any fitting candidate meeting AC, and
  // the best metric of any fitting candidate within LC (ties: lower latency, then the
  // first in catalog order and row order).
  std::optional<PointOnDevice> best_latency_at_ac;
  std::optional<PointOnDevice> best_accuracy_at_lc;
};

// Picks the device with the lowest objective (price_usd, power_w, or its best latency;
// ties go to the smaller device id) among the devices of `subset` (empty: all) for which a
// candidate meets `ac`, fits, and runs in <= lc_us. On a device, candidates rank by lowest
// latency, then best metric, then lowest sparsity, then lowest index. Losing devices get
// one reason: "not in --devices", "no candidate meets AC", "model does not fit: ...",
// "too slow: best X ms > LC Y ms" or "more expensive than the chosen: ...". Throws Error
// (field "candidates", "device_latencies" or "--devices") when a candidate's metric differs
// from ac.metric, a row names an unknown device or candidate index or repeats a pair, or the
// subset names an unknown device. lc_us > 0.
Selection select_device(const std::vector<CandidatePoint>& candidates,
                        const std::vector<DeviceLatency>& latencies,
                        const std::vector<io::DeviceSpec>& devices, double lc_us,
                        const AccuracyConstraint& ac, Objective objective,
                        const std::vector<std::string>& subset = {});

// One evaluated sparsity of the closed loop: its metric at the deployed precision.
struct SparsityTrial {
  double sparsity = 0;
  double metric_value = 0;
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
