// The selection of `fitformer select` (DESIGN.md §1, §9; issue 7) as a pure function over
// tables: the cheapest device by the objective whose best candidate meets both constraints
// (explore/constraints.h), a reason for every device that lost, and the nearest feasible
// points when nothing is feasible. Nothing here prunes, evaluates or times; the closed loop
// (explore/closed_loop.h) fills the tables.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "accel/result_tags.h"
#include "devices/predict.h"
#include "explore/constraints.h"
#include "io/catalog.h"

namespace fitformer::explore {

using accel::Provenance;
using accel::Verdict;

// Which catalog devices may be chosen (issue 14). The host, the machine fitformer runs on,
// is listed at price 0 because you already have it: it is not a product to buy, so it is a
// candidate only when asked for (include_host, or its id named in `only`). It is measured
// whatever the scope: its measurement calibrates the other CPUs' rooflines.
struct DeviceScope {
  std::vector<std::string> only;      // --devices; empty: every device
  std::vector<std::string> excluded;  // --exclude-devices
  bool include_host = false;          // --include-host
};

// What the price objective compares, for the report: like with like.
inline constexpr std::string_view kPriceBasis =
    "the price of a working system: the device's price_usd plus its host_system_usd (the server a "
    "PCIe or SXM card needs, the rest of a desktop or server around a bare CPU; catalog "
    "estimates); the host, this machine, counts 0 and is a candidate only with --include-host";

// What the candidates' intervals cover and how AC uses them (issue 17), for the report.
inline constexpr std::string_view kIntervalBasis =
    "95 % intervals of the valid split's sampling noise, not of the fine-tuning seed: a "
    "classifier's accuracy has Wilson's score interval over the examples; a language model's "
    "perplexity is exp(mean NLL +- t(0.975, W-1) se), se the ratio-estimator standard error of "
    "the mean NLL over the W evaluation windows (its next-token accuracy the same t interval of "
    "the token share); F1 has none. AC is decided on the point estimate, as before; a candidate "
    "whose interval holds AC is flagged, not refused";

// Throws Error (field "--devices" or "--exclude-devices") for an id the catalog does not have,
// naming the nearest id, and (field "--devices") when the scope leaves no device to choose.
void check_scope(const DeviceScope& scope, const std::vector<io::DeviceSpec>& devices);

// Why `device` is out of the scope ("not in --devices", "excluded by --exclude-devices",
// "the host (this machine) is not a candidate without --include-host"); empty when in it.
std::string out_of_scope(const DeviceScope& scope, const io::DeviceSpec& device);

// One candidate (a pruned model, or the dense one: plan.sparsity 0, at the precision it was
// scored at) with its accuracy there.
struct CandidatePoint {
  devices::Candidate candidate;
  std::string metric;  // one of kMetricNames; must equal the constraint's
  double metric_value = 0;
  // Its 95 % interval over the valid split's examples or windows (runtime::ModelScore's); none
  // for a metric without one (f1) or a split of one window. select_device ranks by
  // metric_value alone; the interval qualifies the verdict (ac_standing).
  std::optional<ConfidenceInterval> interval;
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
  // Nearest feasible points over the devices in the scope (filled whether or not the
  // constraints are feasible): the lowest latency of any fitting candidate meeting AC, and
  // the best metric of any fitting candidate within LC (ties: lower latency, then the
  // first in catalog order and row order).
  std::optional<PointOnDevice> best_latency_at_ac;
  std::optional<PointOnDevice> best_accuracy_at_lc;
};

// Picks the device with the lowest objective (io::system_price_usd: the device and the host
// system it needs; power_w; or its best latency; ties go to the smaller device id) among the
// devices in `scope` for which a candidate meets `ac`, fits, and runs in <= lc_us. On a
// device, candidates rank by lowest latency, then best metric, then lowest sparsity, then
// lowest index. Losing devices get one reason: out_of_scope's, "no candidate meets AC",
// "model does not fit: ...", "too slow: best X ms > LC Y ms" or "more expensive than the
// chosen: ...". Throws Error (field "candidates", "device_latencies", "--devices" or
// "--exclude-devices") when a candidate's metric differs from ac.metric, a row names an
// unknown device or candidate index or repeats a pair, or check_scope fails. lc_us > 0.
Selection select_device(const std::vector<CandidatePoint>& candidates,
                        const std::vector<DeviceLatency>& latencies,
                        const std::vector<io::DeviceSpec>& devices, double lc_us,
                        const AccuracyConstraint& ac, Objective objective,
                        const DeviceScope& scope = {});

}  // namespace fitformer::explore
