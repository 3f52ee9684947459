// How far the answer of `fitformer select` rests on the estimates behind its modeled latencies
// (issue 13 item 7): the selection redone, on the candidates the run scored, with each
// assumption moved (CPU calibration off, the GPU per-op overhead at 4, 8 and 16 us, every FPGA
// clock 20 % lower or higher), and the margin by which the choice meets LC.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "devices/predict.h"
#include "explore/closed_loop.h"
#include "explore/constraints.h"
#include "explore/loop_steps.h"
#include "explore/select.h"

namespace fitformer::explore {

struct AssumptionCase {
  std::string name;  // "FPGA clocks -20 %"
  devices::Assumptions assumptions;
};

// The cases above, in that order.
std::vector<AssumptionCase> assumption_cases();

// The selection under one case.
struct SensitivityOutcome {
  std::string assumption;
  bool feasible = false;
  std::string device_id;  // the device chosen under it; empty when none is feasible
  double latency_us = 0;  // of that choice
  Provenance provenance = Provenance::kModeled;  // of latency_us (this host's is measured)
  // The run's own choice (device and candidate) under it, when the run chose one and the
  // device still fits the candidate: its latency and whether that still meets LC.
  std::optional<double> chosen_latency_us;
  Provenance chosen_provenance = Provenance::kModeled;
  bool chosen_meets_lc = false;
  bool changes_choice = false;  // another device (or none) is chosen
};

// Redoes select_device on the loop's candidates with each case's assumptions: the devices a
// case moves (non-host CPUs, GPUs or FPGAs) are predicted again, the others (the host's
// measurement among them) keep the loop's rows; same constraints, objective and device scope.
// The closed loop is not rerun: a case that would have led the loop to prune other sparsities
// is judged on the candidates this run made.
std::vector<SensitivityOutcome> check_sensitivity(const LoopResult& loop,
                                                  const DevicePredictor& predictor,
                                                  const Selection& baseline, double lc_us,
                                                  const AccuracyConstraint& ac, Objective objective,
                                                  const DeviceScope& scope);

// 1 - latency / LC of the choice: the share of LC left over (0.25: 25 % below LC).
double lc_margin(const Selection& selection, double lc_us);

}  // namespace fitformer::explore
