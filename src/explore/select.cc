// Selection over tables: rank candidates per device, rank devices by the objective, explain
// every loss.
#include "explore/select.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <utility>

#include "core/error.h"
#include "core/nearest_name.h"

namespace fitformer::explore {
namespace {

std::string format_ms(double us) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3g ms", us / 1000.0);
  return buf;
}

std::string format_value(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// Whether metric value a is strictly better than b.
bool better_metric(const AccuracyConstraint& ac, double a, double b) {
  return ac.higher_is_better ? a > b : a < b;
}

using Rows = std::vector<std::vector<const DeviceLatency*>>;

// The latency rows per device (catalog order), every row and name checked.
Rows rows_per_device(const std::vector<CandidatePoint>& candidates,
                     const std::vector<DeviceLatency>& latencies,
                     const std::vector<io::DeviceSpec>& devices, const AccuracyConstraint& ac,
                     const DeviceScope& scope) {
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (candidates[i].metric != ac.metric) {
      throw Error("", "candidates", "metric " + ac.metric + " (the constraint's)",
                  "candidate " + std::to_string(i) + ": " + candidates[i].metric);
    }
  }
  std::map<std::string, size_t> device_index;
  for (size_t d = 0; d < devices.size(); ++d) device_index.emplace(devices[d].id, d);
  check_scope(scope, devices);
  Rows rows(devices.size());
  std::set<std::pair<std::string, size_t>> seen;
  for (const DeviceLatency& row : latencies) {
    const auto it = device_index.find(row.device_id);
    if (it == device_index.end()) {
      throw Error("", "device_latencies", "a device id of the catalog",
                  "\"" + row.device_id + "\"");
    }
    if (row.candidate >= candidates.size()) {
      throw Error("", "device_latencies",
                  "a candidate index < " + std::to_string(candidates.size()),
                  std::to_string(row.candidate));
    }
    if (!seen.emplace(row.device_id, row.candidate).second) {
      throw Error("", "device_latencies", "one row per (device, candidate)",
                  row.device_id + ", candidate " + std::to_string(row.candidate) + " twice");
    }
    rows[it->second].push_back(&row);
  }
  return rows;
}

// Ranks the rows of one selection: candidates on a device, and the nearest feasible points
// over every device.
class Ranking {
 public:
  Ranking(const std::vector<CandidatePoint>& candidates, const AccuracyConstraint& ac, double lc_us)
      : candidates_(candidates), ac_(ac), lc_us_(lc_us) {}

  double metric(const DeviceLatency* row) const { return candidates_[row->candidate].metric_value; }

  // On one device: a before b when faster, then better metric, then less sparse, then index.
  bool before(const DeviceLatency* a, const DeviceLatency* b) const {
    if (a->latency_us != b->latency_us) return a->latency_us < b->latency_us;
    if (metric(a) != metric(b)) return better_metric(ac_, metric(a), metric(b));
    const double sa = candidates_[a->candidate].candidate.plan.sparsity;
    const double sb = candidates_[b->candidate].candidate.plan.sparsity;
    if (sa != sb) return sa < sb;
    return a->candidate < b->candidate;
  }

  PointOnDevice point(const DeviceLatency* row) const {
    return PointOnDevice{row->device_id, row->candidate, row->latency_us, metric(row)};
  }

  // Judges one device's rows: the fastest fitting candidate that meets AC (null when none),
  // and the first candidate meeting AC that does not fit; updates the nearest points.
  const DeviceLatency* best_on_device(const std::vector<const DeviceLatency*>& rows,
                                      const DeviceLatency*& first_unfit) {
    const DeviceLatency* best = nullptr;
    for (const DeviceLatency* row : rows) {
      const bool meets_ac = meets(ac_, metric(row));
      if (!row->fits.ok) {
        if (meets_ac && !first_unfit) first_unfit = row;
        continue;
      }
      if (row->latency_us <= lc_us_ &&
          (!best_at_lc_ || better_metric(ac_, metric(row), metric(best_at_lc_)) ||
           (metric(row) == metric(best_at_lc_) && row->latency_us < best_at_lc_->latency_us))) {
        best_at_lc_ = row;
      }
      if (!meets_ac) continue;
      if (!best || before(row, best)) best = row;
      if (!best_at_ac_ || row->latency_us < best_at_ac_->latency_us) best_at_ac_ = row;
    }
    return best;
  }

  // Lowest latency meeting AC, and best metric within LC, over the devices judged.
  void nearest(Selection& sel) const {
    if (best_at_ac_) sel.best_latency_at_ac = point(best_at_ac_);
    if (best_at_lc_) sel.best_accuracy_at_lc = point(best_at_lc_);
  }

 private:
  const std::vector<CandidatePoint>& candidates_;
  const AccuracyConstraint& ac_;
  const double lc_us_;
  const DeviceLatency* best_at_ac_ = nullptr;
  const DeviceLatency* best_at_lc_ = nullptr;
};

double objective_value(Objective objective, const io::DeviceSpec& device, double latency_us) {
  switch (objective) {
    case Objective::kPrice:
      return io::system_price_usd(device);
    case Objective::kPower:
      return device.power_w;
    case Objective::kLatency:
      return latency_us;
  }
  return 0.0;
}

// Marks the winner chosen and tells every other feasible device why it lost.
void choose(Selection& sel, size_t winner, const std::vector<double>& objective_of,
            Objective objective) {
  DeviceOutcome& won = sel.devices[winner];
  won.chosen = true;
  sel.feasible = true;
  sel.device_id = won.device_id;
  sel.candidate = won.best->candidate;
  sel.latency_us = won.best->latency_us;
  sel.objective_value = objective_of[winner];
  const std::string field = objective == Objective::kPrice   ? "system_price_usd"
                            : objective == Objective::kPower ? "power_w"
                                                             : "latency_us";
  for (size_t d = 0; d < sel.devices.size(); ++d) {
    DeviceOutcome& out = sel.devices[d];
    if (!out.feasible || d == winner) continue;
    out.reason = "more expensive than the chosen: " + field + " " + format_value(objective_of[d]) +
                 (objective_of[d] == sel.objective_value
                      ? " = " + format_value(sel.objective_value) + ", tie broken by device id"
                      : " > " + format_value(sel.objective_value));
  }
}

}  // namespace

void check_scope(const DeviceScope& scope, const std::vector<io::DeviceSpec>& devices) {
  std::vector<std::string> ids;
  for (const io::DeviceSpec& d : devices) ids.push_back(d.id);
  const auto check = [&](const std::vector<std::string>& list, const char* field) {
    for (const std::string& id : list)
      if (std::find(ids.begin(), ids.end(), id) == ids.end())
        throw Error("", field, "a device id of the catalog (fitformer devices lists them)",
                    quoted_with_suggestion(id, ids));
  };
  check(scope.only, "--devices");
  check(scope.excluded, "--exclude-devices");
  for (const io::DeviceSpec& d : devices)
    if (out_of_scope(scope, d).empty()) return;
  throw Error("", "--devices",
              "a device left to choose from after --devices, --exclude-devices and the host "
              "rule (--include-host)",
              "none");
}

std::string out_of_scope(const DeviceScope& scope, const io::DeviceSpec& device) {
  const auto names = [&](const std::vector<std::string>& list) {
    return std::find(list.begin(), list.end(), device.id) != list.end();
  };
  if (!scope.only.empty() && !names(scope.only)) return "not in --devices";
  if (names(scope.excluded)) return "excluded by --exclude-devices";
  // Naming the host in --devices asks for it as much as --include-host does.
  if (device.is_host && !scope.include_host && !names(scope.only))
    return "the host (this machine) is not a candidate without --include-host";
  return "";
}

Selection select_device(const std::vector<CandidatePoint>& candidates,
                        const std::vector<DeviceLatency>& latencies,
                        const std::vector<io::DeviceSpec>& devices, double lc_us,
                        const AccuracyConstraint& ac, Objective objective,
                        const DeviceScope& scope) {
  const Rows rows = rows_per_device(candidates, latencies, devices, ac, scope);
  Ranking ranking(candidates, ac, lc_us);
  Selection sel;
  sel.devices.resize(devices.size());
  std::optional<size_t> winner;
  std::vector<double> objective_of(devices.size(), 0);
  for (size_t d = 0; d < devices.size(); ++d) {
    DeviceOutcome& out = sel.devices[d];
    out.device_id = devices[d].id;
    if (std::string reason = out_of_scope(scope, devices[d]); !reason.empty()) {
      out.reason = std::move(reason);
      continue;
    }
    const DeviceLatency* first_unfit = nullptr;
    const DeviceLatency* best = ranking.best_on_device(rows[d], first_unfit);
    if (!best) {
      out.reason =
          first_unfit ? "model does not fit: " + first_unfit->fits.reason : "no candidate meets AC";
      continue;
    }
    out.best = ranking.point(best);
    if (best->latency_us > lc_us) {
      out.reason = "too slow: best " + format_ms(best->latency_us) + " > LC " + format_ms(lc_us);
      continue;
    }
    out.feasible = true;
    objective_of[d] = objective_value(objective, devices[d], best->latency_us);
    if (!winner || objective_of[d] < objective_of[*winner] ||
        (objective_of[d] == objective_of[*winner] && devices[d].id < devices[*winner].id)) {
      winner = d;
    }
  }
  ranking.nearest(sel);
  if (winner) choose(sel, *winner, objective_of, objective);
  return sel;
}

}  // namespace fitformer::explore
