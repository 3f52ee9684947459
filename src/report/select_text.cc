// The text summary of a select run, line by line.
#include "report/select_text.h"

#include <fmt/format.h>

#include <iterator>
#include <optional>

namespace fitformer::report {
namespace {

std::string ms(double us) {
  return fmt::format("{:.4g} ms", us / 1e3);
}

// "dense, int8", "HP 90% (rho2 0.5), fp32".
std::string describe(const explore::CandidatePoint& c) {
  return sparsity::describe(c.candidate.plan) + ", " +
         std::string(format::precision_name(c.candidate.precision));
}

std::string provenance(const explore::SelectRun& run, const std::string& device, size_t c) {
  const devices::Prediction* e = run.predictor.estimate(device, c);
  return e ? std::string(accel::provenance_name(e->provenance)) : "modeled";
}

void point_line(const explore::SelectRun& run, const std::string& label,
                const std::optional<explore::PointOnDevice>& p, std::string& out) {
  if (!p) {
    fmt::format_to(std::back_inserter(out), "  {}: none\n", label);
    return;
  }
  const explore::CandidatePoint& c = run.loop.candidates[p->candidate];
  fmt::format_to(std::back_inserter(out), "  {}: {} {} ({}) on {}, {} = {:.4g} (measured)\n", label,
                 ms(p->latency_us), provenance(run, p->device_id, p->candidate), describe(c),
                 p->device_id, run.ac.metric, p->metric_value);
}

// "[0.7901, 0.8330]", or "(no interval)".
std::string interval_text(const std::optional<ConfidenceInterval>& i) {
  return i ? fmt::format("[{:.4g}, {:.4g}]", i->low, i->high) : "(no interval)";
}

std::string_view standing(const explore::SelectRun& run, const explore::CandidatePoint& c) {
  return explore::ac_standing_text(explore::ac_standing(run.ac, c.metric_value, c.interval));
}

void candidates_text(const explore::SelectRun& run, std::string& out) {
  auto o = std::back_inserter(out);
  fmt::format_to(o, "\nmodels, {} on the valid split (measured) [95 % interval], against AC {}:\n",
                 run.ac.metric, explore::to_string(run.ac));
  for (size_t i = 0; i < run.loop.candidates.size(); ++i) {
    const explore::CandidatePoint& c = run.loop.candidates[i];
    fmt::format_to(o, "  [{:2}] {:32} {} = {:9.4g} {:22} {}\n", i, describe(c), c.metric,
                   c.metric_value, interval_text(c.interval), standing(run, c));
  }
  fmt::format_to(o, "intervals: {}\n", explore::kIntervalBasis);
}

void devices_text(const explore::SelectRun& run, std::string& out) {
  auto o = std::back_inserter(out);
  fmt::format_to(o, "\ndevices (LC {}, AC {}, objective {}):\n", ms(run.lc_us),
                 explore::to_string(run.ac), explore::objective_name(run.objective));
  for (const explore::DeviceOutcome& d : run.selection.devices) {
    std::string best = "-";
    if (d.best)
      best = fmt::format("{} {} [{}]", ms(d.best->latency_us),
                         provenance(run, d.device_id, d.best->candidate), d.best->candidate);
    fmt::format_to(o, "  {:13} {:30} {}\n", d.device_id, best, d.chosen ? "CHOSEN" : d.reason);
  }
  if (run.objective == explore::Objective::kPrice)
    fmt::format_to(o, "price compared: {}\n", explore::kPriceBasis);
}

// "249 USD", or "7500 USD + 5000 USD host system" for a device that needs one.
std::string price_text(const io::DeviceSpec& device) {
  if (device.host_system_usd <= 0) return fmt::format("{} USD", device.price_usd);
  return fmt::format("{} USD + {} USD host system", device.price_usd, device.host_system_usd);
}

void answer_text(const explore::SelectRun& run, std::string& out) {
  const explore::Selection& sel = run.selection;
  if (!sel.feasible) {
    fmt::format_to(std::back_inserter(out),
                   "\nno device meets both constraints (LC {}, AC {}). Nearest feasible points:\n",
                   ms(run.lc_us), explore::to_string(run.ac));
    point_line(run, "best latency at AC", sel.best_latency_at_ac, out);
    point_line(run, fmt::format("best {} within LC", run.ac.metric), sel.best_accuracy_at_lc, out);
    return;
  }
  const explore::CandidatePoint& c = run.loop.candidates[sel.candidate];
  const io::DeviceSpec* device = nullptr;
  for (const io::DeviceSpec& d : run.predictor.devices)
    if (d.id == sel.device_id) device = &d;
  fmt::format_to(std::back_inserter(out),
                 "\nchosen: {} ({}, {}, {} W): {}, {} = {:.4g} {} (measured): {} ({}); {} {} "
                 "<= LC {}\n",
                 sel.device_id, device->name, price_text(*device), device->power_w, describe(c),
                 c.metric, c.metric_value, interval_text(c.interval), standing(run, c),
                 explore::to_string(run.ac), ms(sel.latency_us),
                 provenance(run, sel.device_id, sel.candidate), ms(run.lc_us));
  if (explore::ac_standing(run.ac, c.metric_value, c.interval) ==
      explore::AcStanding::kMeetsWithinNoise)
    fmt::format_to(std::back_inserter(out),
                   "note: the choice rests on a point estimate within the valid split's noise of "
                   "AC; AC is decided on the point estimate\n");
}

// The margin to LC and what each modeled assumption, moved, does to the answer.
void sensitivity_text(const explore::SelectRun& run, std::string& out) {
  if (run.sensitivity.empty()) return;
  auto o = std::back_inserter(out);
  if (run.selection.feasible)
    fmt::format_to(o, "margin: {:.1f} % below LC ({})\n",
                   100 * explore::lc_margin(run.selection, run.lc_us),
                   provenance(run, run.selection.device_id, run.selection.candidate));
  fmt::format_to(o, "with one assumption moved (the same candidates, predictions redone):\n");
  for (const explore::SensitivityOutcome& s : run.sensitivity) {
    std::string chosen;
    if (s.chosen_latency_us)
      chosen = fmt::format("; {} would take {} ({} LC)", run.selection.device_id,
                           ms(*s.chosen_latency_us), s.chosen_meets_lc ? "meets" : "misses");
    const std::string answer =
        s.feasible ? fmt::format("{} at {}", s.device_id, ms(s.latency_us)) : "no device";
    fmt::format_to(o, "  {:26} {} {}{}\n", s.assumption,
                   s.changes_choice ? "CHANGES the answer to" : "same answer:", answer, chosen);
  }
}

}  // namespace

std::string select_text(const explore::SelectOutcome& outcome, const SelectFiles& files) {
  std::string out;
  candidates_text(outcome.run, out);
  devices_text(outcome.run, out);
  answer_text(outcome.run, out);
  sensitivity_text(outcome.run, out);
  auto o = std::back_inserter(out);
  if (const auto& a = outcome.artifacts) {
    fmt::format_to(o, "model: {}\ndeployment: {}\n", a->model.string(), a->deployment.string());
    if (!a->accelerator.empty())
      fmt::format_to(o, "accelerator configuration: {}\n", a->accelerator.string());
  }
  fmt::format_to(o, "result: {}\nreport: {}\n", files.result_file.string(),
                 files.report_file.string());
  return out;
}

}  // namespace fitformer::report
