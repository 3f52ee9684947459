// check_sensitivity: the selection redone under each assumption case.
#include "explore/sensitivity.h"

#include <algorithm>
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

// Whether a case moves `device`'s figures; the others keep the run's own rows. The host is
// measured, so no case moves it.
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
  return false;
}

// The loop's rows with the moved devices predicted again under `a`. predict_latency never
// applies the host's calibration (predict_catalog does), which is what "calibration off" asks.
std::vector<DeviceLatency> rows_under(const devices::Assumptions& a, const LoopResult& loop,
                                      const DevicePredictor& predictor) {
  devices::PredictOptions options = predictor.options;
  options.assumptions = a;
  options.simulate_fpga = false;
  std::vector<DeviceLatency> rows = loop.latencies;
  for (DeviceLatency& row : rows) {
    const auto device =
        std::find_if(predictor.devices.begin(), predictor.devices.end(),
                     [&](const io::DeviceSpec& d) { return d.id == row.device_id; });
    if (device == predictor.devices.end() || !moves(a, *device)) continue;
    devices::CandidateModel m;
    m.config = predictor.config;
    m.candidate = loop.candidates.at(row.candidate).candidate;
    m.seq = predictor.seq;
    m.batch = predictor.batch;
    const devices::Prediction e = devices::predict_latency(*device, m, options);
    row.latency_us = e.latency_us;
    row.provenance = e.provenance;
    row.fits = e.verdict;
  }
  return rows;
}

const DeviceLatency* find_row(const std::vector<DeviceLatency>& rows, const std::string& device,
                              std::size_t candidate) {
  for (const DeviceLatency& row : rows)
    if (row.device_id == device && row.candidate == candidate) return &row;
  return nullptr;
}

}  // namespace

std::vector<SensitivityOutcome> check_sensitivity(const LoopResult& loop,
                                                  const DevicePredictor& predictor,
                                                  const Selection& baseline, double lc_us,
                                                  const AccuracyConstraint& ac, Objective objective,
                                                  const DeviceScope& scope) {
  std::vector<SensitivityOutcome> out;
  for (const AssumptionCase& c : assumption_cases()) {
    const std::vector<DeviceLatency> rows = rows_under(c.assumptions, loop, predictor);
    const Selection s =
        select_device(loop.candidates, rows, predictor.devices, lc_us, ac, objective, scope);
    SensitivityOutcome o;
    o.assumption = c.name;
    o.feasible = s.feasible;
    o.device_id = s.device_id;
    o.latency_us = s.latency_us;
    if (const DeviceLatency* r = find_row(rows, s.device_id, s.candidate); r && s.feasible)
      o.provenance = r->provenance;
    o.changes_choice = s.feasible != baseline.feasible || s.device_id != baseline.device_id;
    if (baseline.feasible) {
      const DeviceLatency* r = find_row(rows, baseline.device_id, baseline.candidate);
      if (r != nullptr && r->fits.ok) {
        o.chosen_latency_us = r->latency_us;
        o.chosen_provenance = r->provenance;
        o.chosen_meets_lc = r->latency_us <= lc_us;
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
