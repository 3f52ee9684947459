// The closed loop of `fitformer select` (DESIGN.md §1, §9; issue 7): starting from the dense
// model, raise HP sparsity along a grid only while the accuracy at some deployed precision
// still meets AC (explore/select.h's next_sparsity_to_try), then try other (rho1, rho2)
// splits at the edge, where the split can rescue a failing sparsity or buy latency at the
// passing one. Every model is scored at every precision and predicted on every device, so
// the tables select_device ranks hold all the evidence, failures included.
//
// The loop does no work itself: training, pruning, scoring and predicting are actions the
// caller supplies (the CLI runs fitformer-train and caches; tests pass tables), as Timeloop
// keeps the search apart from the models it calls.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "explore/select.h"
#include "runtime/score.h"

namespace fitformer::explore {

// One model the loop made: the dense model (sparsity 0) or an HP-pruned, fine-tuned one.
struct LoopModel {
  double sparsity = 0;
  std::optional<double> rho2;  // the HP split's level-2 density; none for the dense model
  std::filesystem::path dir;   // the folder of dense (masked) weights the scorer loads
};

struct PruneRequest {
  double sparsity = 0.9;
  double rho2 = 0.5;
};

struct LoopActions {
  // The dense model, trained when absent.
  std::function<LoopModel()> dense_model;
  // The dense model pruned with HP at the request and fine-tuned.
  std::function<LoopModel(const PruneRequest&)> prune;
  // The constraint's metric of a model at a precision (on the valid split).
  std::function<double(const LoopModel&, runtime::Precision)> score;
  // The model at a precision on every device where that precision runs: one row per device,
  // with `candidate` set to the index given.
  std::function<std::vector<DeviceLatency>(const LoopModel&, runtime::Precision,
                                           std::size_t candidate)>
      predict;
  // One line per step, for the person watching; may be empty.
  std::function<void(const std::string&)> log;
};

struct LoopSettings {
  std::vector<double> sparsity_grid = {0.5, 0.7, 0.8, 0.9, 0.95};  // strictly ascending
  double rho2 = 0.5;  // the split the sparsity search uses
  // Splits tried at the edge afterwards; one below the edge's density (rho1 = density / rho2
  // would exceed 1) is skipped there.
  std::vector<double> other_rho2 = {0.25};
  std::vector<runtime::Precision> precisions = {
      runtime::Precision::kInt8, runtime::Precision::kInt16, runtime::Precision::kFp32};
};

struct LoopResult {
  std::vector<LoopModel> models;             // in the order made; models[0] is dense
  std::vector<CandidatePoint> candidates;    // one per (model, precision)
  std::vector<std::size_t> candidate_model;  // index into models, per candidate
  std::vector<DeviceLatency> latencies;      // rows for select_device
  // The sparsity search's history: the best metric over the precisions at each sparsity
  // tried with the default split.
  std::vector<SparsityTrial> trials;
  std::optional<double> highest_pass;  // sparsity; none when even the grid's first failed
  std::optional<double> lowest_fail;
};

// Runs the loop for constraint `ac` (its metric names what `score` returns). Throws what
// the actions throw; Error (field "sparsity_grid" / "rho2") for a bad setting.
LoopResult run_closed_loop(const AccuracyConstraint& ac, const LoopSettings& settings,
                           const LoopActions& actions);

}  // namespace fitformer::explore
