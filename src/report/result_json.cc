// The select run as the result JSON, and the files `fitformer select` leaves.
#include "report/result_json.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <utility>

#include "accel/sized_json.h"
#include "core/files.h"
#include "devices/closest_fit.h"
#include "io/catalog.h"
#include "report/html.h"

namespace fitformer::report {
namespace {

using nlohmann::json;

std::string provenance(accel::Provenance p) {
  return std::string(accel::provenance_name(p));
}

// The plan's fixed rho2: null for the dense model or a plan that fixes rho1.
json split_rho2(const sparsity::HpPlan& plan) {
  return sparsity::is_pruned(plan) && plan.rho2 ? json(*plan.rho2) : json(nullptr);
}

json point_json(const explore::SelectRun& run, const std::optional<explore::PointOnDevice>& p) {
  if (!p) return nullptr;
  json j = {{"device", p->device_id},
            {"candidate", p->candidate},
            {"latency_us", p->latency_us},
            {"metric", p->metric_value}};
  if (const auto* e = run.predictor.estimate(p->device_id, p->candidate))
    j["provenance"] = provenance(e->provenance);
  return j;
}

json interval_json(const std::optional<ConfidenceInterval>& i) {
  if (!i) return nullptr;
  return {{"low", i->low},
          {"high", i->high},
          {"level", kIntervalLevel},
          {"method", i->method},
          {"units", i->units}};
}

std::string standing(const explore::SelectRun& run, const explore::CandidatePoint& c) {
  return std::string(
      explore::ac_standing_name(explore::ac_standing(run.ac, c.metric_value, c.interval)));
}

json candidate_json(const explore::SelectRun& run, size_t i) {
  const explore::CandidatePoint& c = run.loop.candidates[i];
  return {{"index", i},
          {"model", run.loop.candidate_model[i]},
          {"pattern", "hp"},
          {"sparsity", c.candidate.plan.sparsity},
          {"rho2", split_rho2(c.candidate.plan)},
          {"banks", c.candidate.plan.banks},
          {"precision", std::string(format::precision_name(c.candidate.precision))},
          {"metric", c.metric},
          {"value", c.metric_value},
          {"interval", interval_json(c.interval)},
          {"meets_ac", explore::meets(run.ac, c.metric_value)},
          {"ac_standing", standing(run, c)},
          {"provenance", provenance(c.provenance)}};
}

// An FPGA that no model meeting AC fits: the design closest to fitting among those models
// (devices/closest_fit.h), under "closest_accelerator" with its candidate, so that the report
// can say which resource is short.
void add_closest_design(const explore::SelectRun& run, const io::DeviceSpec& d, json& j) {
  const devices::Prediction* closest = nullptr;
  size_t closest_candidate = 0;
  double closest_share = INFINITY;
  for (const explore::DeviceLatency& row : run.loop.latencies) {
    if (row.device_id != d.id || row.fits.ok) continue;
    if (!explore::meets(run.ac, run.loop.candidates[row.candidate].metric_value)) continue;
    const devices::Prediction* e = run.predictor.estimate(d.id, row.candidate);
    if (!e || !e->closest) continue;
    const double share = devices::largest_usable_share(*e->closest, d);
    if (share < closest_share)
      closest = e, closest_candidate = row.candidate, closest_share = share;
  }
  if (!closest) return;
  j["closest_accelerator"] = accel::sized_design_json(*closest->closest, *d.fpga);
  j["closest_accelerator"]["candidate"] = closest_candidate;
}

json device_json(const explore::SelectRun& run, const io::DeviceSpec& d,
                 const explore::DeviceOutcome& out) {
  json j = {{"id", d.id},
            {"name", d.name},
            {"kind", std::string(io::device_kind_name(d.kind))},
            {"tier", d.tier},
            {"price_usd", d.price_usd},
            {"host_system_usd", d.host_system_usd},
            {"system_price_usd", io::system_price_usd(d)},
            {"power_w", d.power_w},
            {"chosen", out.chosen},
            {"feasible", out.feasible},
            {"reason", out.reason},
            {"best", point_json(run, out.best)},
            {"in_scope", explore::out_of_scope(run.scope, d).empty()},
            {"latencies", json::array()}};
  for (const explore::DeviceLatency& row : run.loop.latencies) {
    if (row.device_id != d.id) continue;
    json r = {{"candidate", row.candidate},
              {"latency_us", row.latency_us},
              {"provenance", provenance(row.provenance)},
              {"fits", row.fits.ok},
              {"reason", row.fits.reason}};
    if (const auto* e = run.predictor.estimate(d.id, row.candidate)) r["method"] = e->method;
    j["latencies"].push_back(std::move(r));
  }
  if (out.best && d.fpga)
    if (const auto* e = run.predictor.estimate(d.id, out.best->candidate); e && e->accel)
      j["accelerator"] = accel::sized_design_json(*e->accel, *d.fpga);
  if (!out.best && d.fpga) add_closest_design(run, d, j);
  return j;
}

void add_artifacts(const explore::SelectOutcome& outcome, json& j) {
  if (!outcome.artifacts) return;
  const explore::Artifacts& a = *outcome.artifacts;
  j["artifacts"] = {{"model", a.model.string()}, {"deployment", a.deployment.string()}};
  if (!a.accelerator.empty()) j["artifacts"]["accelerator"] = a.accelerator.string();
  // The same, relative to the folder of result.json (the report links them from there).
  for (const auto& [what, path] : j["artifacts"].items())
    j["artifacts_in_run"][what] =
        std::filesystem::path(path.get<std::string>()).lexically_relative(outcome.out_dir).string();
}

}  // namespace

json prediction_json(const devices::Prediction& e) {
  json d = {{"id", e.device_id},
            {"kind", std::string(io::device_kind_name(e.kind))},
            {"fits", e.verdict.ok},
            {"reason", e.verdict.reason},
            {"latency_ms", e.latency_us / 1e3},
            {"provenance", provenance(e.provenance)},
            {"method", e.method}};
  if (e.simulated_us) d["simulated_ms"] = *e.simulated_us / 1e3;
  if (e.kind != io::DeviceKind::kFpga && !e.ops.empty()) d["overhead_ms"] = e.overhead_us / 1e3;
  if (e.provenance == accel::Provenance::kMeasured) {
    d["from_cache"] = e.from_cache;
    d["reps"] = e.reps;
    if (e.roofline_us) d["roofline_ms"] = *e.roofline_us / 1e3;
  }
  return d;
}

json result_json(const explore::SelectOutcome& outcome) {
  const explore::SelectRun& run = outcome.run;
  const explore::Selection& sel = run.selection;
  json j = {{"command", run.command},
            {"recipe", run.recipe_file},
            {"profile", run.profile},
            {"task", run.task},
            {"constraints",
             {{"lc_us", run.lc_us},
              {"ac", explore::to_string(run.ac)},
              {"metric", run.ac.metric},
              {"higher_is_better", run.ac.higher_is_better},
              {"threshold", run.ac.threshold},
              {"objective", std::string(explore::objective_name(run.objective))},
              {"batch", run.predictor.batch},
              {"seq", run.predictor.seq},
              {"devices", run.scope.only},
              {"exclude_devices", run.scope.excluded},
              {"include_host", run.scope.include_host},
              {"price_basis", std::string(explore::kPriceBasis)},
              {"interval_basis", std::string(explore::kIntervalBasis)}}},
            {"dense",
             {{"metric_fp32", run.dense_fp32_metric},
              {"interval_fp32", interval_json(run.dense_fp32_interval)},
              {"provenance", "measured"}}},
            {"feasible", sel.feasible},
            {"chosen", nullptr},
            {"models", json::array()},
            {"candidates", json::array()},
            {"trials", json::array()},
            {"devices", json::array()},
            {"nearest",
             {{"best_latency_at_ac", point_json(run, sel.best_latency_at_ac)},
              {"best_accuracy_at_lc", point_json(run, sel.best_accuracy_at_lc)}}},
            {"artifacts", json::object()}};
  if (sel.feasible) {
    const auto* e = run.predictor.estimate(sel.device_id, sel.candidate);
    j["chosen"] = {{"device", sel.device_id},
                   {"candidate", sel.candidate},
                   {"latency_us", sel.latency_us},
                   {"provenance", e ? provenance(e->provenance) : "modeled"},
                   {"objective_value", sel.objective_value},
                   {"ac_standing", standing(run, run.loop.candidates.at(sel.candidate))}};
  }
  for (size_t i = 0; i < run.loop.models.size(); ++i) {
    const explore::LoopModel& m = run.loop.models[i];
    j["models"].push_back({{"index", i},
                           {"sparsity", m.plan.sparsity},
                           {"rho2", split_rho2(m.plan)},
                           {"banks", m.plan.banks},
                           {"dir", m.dir.string()}});
  }
  for (size_t i = 0; i < run.loop.candidates.size(); ++i)
    j["candidates"].push_back(candidate_json(run, i));
  for (const explore::SparsityTrial& t : run.loop.trials)
    j["trials"].push_back(
        {{"sparsity", t.sparsity}, {"best_metric", t.metric_value}, {"banks", t.banks}});
  const std::vector<io::DeviceSpec>& devices = run.predictor.devices;
  for (size_t d = 0; d < devices.size(); ++d)
    j["devices"].push_back(device_json(run, devices[d], sel.devices.at(d)));
  j["sensitivity"] = json::array();
  for (const explore::SensitivityOutcome& s : run.sensitivity) {
    json row = {{"assumption", s.assumption},
                {"feasible", s.feasible},
                {"device", s.feasible ? json(s.device_id) : json()},
                {"latency_us", s.feasible ? json(s.latency_us) : json()},
                {"changes_choice", s.changes_choice},
                {"provenance", provenance(s.provenance)}};
    if (s.chosen_latency_us) {
      row["chosen_latency_us"] = *s.chosen_latency_us;
      row["chosen_meets_lc"] = s.chosen_meets_lc;
      row["chosen_provenance"] = provenance(s.chosen_provenance);
    }
    j["sensitivity"].push_back(std::move(row));
  }
  if (sel.feasible) j["chosen"]["lc_margin"] = explore::lc_margin(sel, run.lc_us);
  add_artifacts(outcome, j);
  return j;
}

SelectFiles write_select_files(const explore::SelectOutcome& outcome) {
  SelectFiles files;
  files.result = result_json(outcome);
  files.result_file = outcome.out_dir / "result.json";
  write_file_atomic(files.result_file, files.result.dump(2) + "\n");
  files.report_file = write_report(files.result, outcome.out_dir, files.result_file.string());
  files.result["report"] = files.report_file.string();
  write_file_atomic(files.result_file, files.result.dump(2) + "\n");
  return files;
}

}  // namespace fitformer::report
