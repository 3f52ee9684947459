// The closed loop of `fitformer select` (DESIGN.md §1, §9; issue 7): starting from the dense
// model, raise HP sparsity along a grid only while the accuracy at some deployed precision
// still meets AC (explore/search.h's next_sparsity_to_try), then try other (rho1, rho2)
// splits at the edge, where the split can rescue a failing sparsity or buy latency at the
// passing one. Every model is scored at every precision and predicted on every device, so
// the tables select_device ranks hold all the evidence, failures included.
//
// The loop does no work itself: training, pruning, scoring and predicting are the steps of a
// LoopSteps, which explore/select_run.cc implements with jobs, the scorer and the devices and
// tests implement with tables, as Timeloop keeps the search apart from the models it calls.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "devices/predict.h"
#include "explore/search.h"
#include "explore/select.h"
#include "format/precision.h"
#include "sparsity/hp_plan.h"

namespace fitformer::explore {

// One model the loop made: the dense model (plan.sparsity 0) or an HP-pruned, fine-tuned one.
struct LoopModel {
  sparsity::HpPlan plan;
  std::filesystem::path dir;  // dense (masked) weights the scorer loads; hpf/ inside if pruned
};

// A candidate's metric with its 95 % interval, when the metric has one.
struct MetricScore {
  double value = 0;
  std::optional<ConfidenceInterval> interval;
};

// The work the loop asks for.
class LoopSteps {
 public:
  virtual ~LoopSteps() = default;
  // The dense model, trained when absent.
  virtual LoopModel dense_model() = 0;
  // The dense model pruned with HP by `plan` and fine-tuned.
  virtual LoopModel prune(const sparsity::HpPlan& plan) = 0;
  // The constraint's metric of a candidate (a model at a precision) on the valid split.
  virtual MetricScore score(const devices::Candidate& candidate) = 0;
  // The candidate on every device where its precision runs: one row per device, with
  // `candidate` set to `index`.
  virtual std::vector<DeviceLatency> predict(const devices::Candidate& candidate,
                                             std::size_t index) = 0;
  // One line per step, for the person watching.
  virtual void log(const std::string& line) { (void)line; }
};

// The bank counts B select may prune at (issue 17): B divides Bc = 64 into banks of at least
// 4 weights, so that every split the loop tries (rho2 down to 0.25) keeps a whole weight in
// each bank. The accelerator is sized for the candidate's own B (devices/predict.h).
inline constexpr std::array<int64_t, 5> kSelectableBanks = {1, 2, 4, 8, 16};

// "4,8,16" -> {4, 8, 16}, in the order given. Throws Error (file `file`, field `field`) for an
// entry that is not one of kSelectableBanks, a repeated one, or an empty list.
std::vector<int64_t> parse_banks(std::string_view text, std::string_view field = "--banks",
                                 const std::string& file = {});
// The same check on a list already read (a recipe's select.banks).
void check_banks(const std::vector<int64_t>& banks, std::string_view field,
                 const std::string& file = {});

struct LoopSettings {
  std::vector<double> sparsity_grid = {0.5, 0.7, 0.8, 0.9, 0.95};  // strictly ascending
  double rho2 = sparsity::kDefaultRho2;  // the split the sparsity search uses
  // Splits tried at the edge afterwards; one below the edge's density (rho1 = density / rho2
  // would exceed 1) is skipped there.
  std::vector<double> other_rho2 = {0.25};
  std::vector<format::Precision> precisions = {format::Precision::kInt8, format::Precision::kInt16,
                                               format::Precision::kFp32};
  // Bank counts to prune at, each from kSelectableBanks, in order: the sparsity search and the
  // splits at its edge run once per B (B changes the pattern, so its accuracy edge may move);
  // the dense model is made once.
  std::vector<int64_t> banks = {sparsity::kDefaultBanks};
};

struct LoopResult {
  std::vector<LoopModel> models;             // in the order made; models[0] is dense
  std::vector<CandidatePoint> candidates;    // one per (model, precision)
  std::vector<std::size_t> candidate_model;  // index into models, per candidate
  std::vector<DeviceLatency> latencies;      // rows for select_device
  // The sparsity searches' history: the best metric over the precisions at each sparsity
  // tried with the default split, per bank count (SparsityTrial::banks), in search order.
  std::vector<SparsityTrial> trials;
  // The edges of the first bank count's search (settings.banks[0]).
  std::optional<double> highest_pass;  // sparsity; none when even the grid's first failed
  std::optional<double> lowest_fail;
};

// Runs the loop for constraint `ac` (its metric names what `score` returns). Throws what
// the steps throw; Error (field "sparsity_grid" / "rho2" / "precisions" / "banks") for a bad
// setting, before any step.
LoopResult run_closed_loop(const AccuracyConstraint& ac, const LoopSettings& settings,
                           LoopSteps& steps);

}  // namespace fitformer::explore
