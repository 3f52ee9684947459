// check_sensitivity: the selection redone under each assumption case.
#include "explore/sensitivity.h"

#include <cstddef>

namespace fitformer::explore {

std::vector<AssumptionCase> assumption_cases() {
  std::vector<AssumptionCase> cases;
  devices::Assumptions a;
  a.calibrate_cpus = false;
  cases.push_back({"CPU calibration off", a});
  for (const double us : {4.0, 8.0, 16.0}) {
    a = {};
    a.gpu_op_overhead_us = us;
    cases.push_back({"GPU per-op overhead " + std::to_string(static_cast<int>(us)) + " us", a});
  }
  for (const double scale : {0.8, 1.2}) {
    a = {};
    a.fpga_clock_scale = scale;
    cases.push_back({scale < 1 ? "FPGA clocks -20 %" : "FPGA clocks +20 %", a});
  }
  return cases;
}

namespace {

// Whether assumptions `a` move the prediction on `device` away from the defaults. This host's
// figure is measured, so none does; each other assumption reaches one kind of device.
bool moves(const devices::Assumptions& a, const io::DeviceSpec& device) {
  if (device.is_host) return false;
  switch (device.kind) {
    case io::DeviceKind::kCpu:
      return !a.calibrate_cpus;
    case io::DeviceKind::kGpu:
      return a.gpu_op_overhead_us.has_value();
    case io::DeviceKind::kFpga:
      return a.fpga_clock_scale != 1;
  }
  return true;
}

}  // namespace

std::vector<SensitivityOutcome> check_sensitivity(const std::vector<CandidatePoint>& candidates,
                                                  const DevicePredictor& predictor,
                                                  const Selection& baseline, double lc_us,
                                                  const AccuracyConstraint& ac, Objective objective,
                                                  const DeviceScope& scope) {
  std::vector<SensitivityOutcome> out;
  for (const AssumptionCase& c : assumption_cases()) {
    // Starts from the run's own estimates and predicts again only where the case moves the
    // figure (or the run has none): the host is not measured or hashed again, and a case
    // about GPUs does not size the FPGAs again.
    DevicePredictor moved = predictor;
    moved.options.assumptions = c.assumptions;
    moved.options.simulate_fpga = false;
    std::vector<DeviceLatency> latencies;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      moved.devices.clear();
      for (const io::DeviceSpec& d : predictor.devices)
        if (moves(c.assumptions, d) || predictor.estimate(d.id, i) == nullptr)
          moved.devices.push_back(d);
      moved.predict(candidates[i].candidate, i);
      for (const io::DeviceSpec& d : predictor.devices)
        if (const devices::Prediction* e = moved.estimate(d.id, i))
          latencies.push_back({e->device_id, i, e->latency_us, e->provenance, e->verdict});
    }
    const Selection s =
        select_device(candidates, latencies, predictor.devices, lc_us, ac, objective, scope);
    SensitivityOutcome o;
    o.assumption = c.name;
    o.feasible = s.feasible;
    o.device_id = s.device_id;
    o.latency_us = s.latency_us;
    if (const devices::Prediction* e = moved.estimate(s.device_id, s.candidate); e && s.feasible)
      o.provenance = e->provenance;
    o.changes_choice = s.feasible != baseline.feasible || s.device_id != baseline.device_id;
    if (baseline.feasible) {
      const devices::Prediction* e = moved.estimate(baseline.device_id, baseline.candidate);
      if (e != nullptr && e->verdict.ok) {
        o.chosen_latency_us = e->latency_us;
        o.chosen_provenance = e->provenance;
        o.chosen_meets_lc = e->latency_us <= lc_us;
      }
    }
    out.push_back(std::move(o));
  }
  return out;
}

double lc_margin(const Selection& selection, double lc_us) {
  return 1 - selection.latency_us / lc_us;
}

}  // namespace fitformer::explore
