// `fitformer select` as one call (DESIGN.md §1, §9): the request as the command line gives
// it, and everything the run decided. run_select gets the dense model (training it when
// absent), resolves the accuracy constraint, runs the closed loop (explore/closed_loop.h) with
// the real steps (jobs for training and pruning, the cached scorer, the device predictor),
// ranks the devices (explore/select.h) and writes the deployable artifacts of the choice
// (explore/artifacts.h). The result JSON, the HTML report and the text summary are src/report's.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "explore/artifacts.h"
#include "explore/closed_loop.h"
#include "explore/loop_steps.h"
#include "explore/select.h"
#include "explore/sensitivity.h"
#include "jobs/workspace.h"

namespace fitformer::explore {

struct SelectRequest {
  std::filesystem::path recipe_file;
  std::string profile;                       // "" applies none
  std::filesystem::path model_dir;           // the dense model; empty: runs/<recipe>[-<profile>]
  std::string lc;                            // "5ms", "250us", "0.5s"
  std::string ac;                            // "acc>=0.8", or empty when ac_drop is given
  std::string ac_drop;                       // "1%" relative to the dense model's select.metric
  std::string objective = "price";           // price, power or latency
  std::vector<std::string> devices;          // catalog ids to choose among; empty: all
  std::vector<std::string> exclude_devices;  // catalog ids never to choose
  bool include_host = false;                 // the host (price 0) as a candidate
  std::filesystem::path catalog;             // empty: io::default_catalog_path()
  std::filesystem::path out_dir;             // empty: runs/<recipe>[-<profile>]-select
  std::vector<int64_t> banks;  // --banks: bank counts to prune at; empty: the recipe's select.banks
  int64_t batch = 1;
  int64_t seq = 0;      // 0: the model's max_position_embeddings
  int threads = 1;      // the runtime's threads when the host's latency is measured
  std::string command;  // the command line as typed, for the report
  jobs::Workspace workspace;
  bool progress_bars = false;  // bars on stderr for the long steps
  bool log = true;             // one line per step on stderr ("select: ...")
};

// Everything one select run decided.
struct SelectRun {
  std::string command;  // the command line, for the report
  std::string recipe_file, profile, task;
  double lc_us = 0;
  AccuracyConstraint ac;
  Objective objective = Objective::kPrice;
  DeviceScope scope;             // --devices, --exclude-devices, --include-host
  double dense_fp32_metric = 0;  // the constraint's metric of the dense model at fp32
  std::optional<ConfidenceInterval> dense_fp32_interval;  // its 95 % interval, when it has one
  LoopResult loop;
  Selection selection;
  DevicePredictor predictor;  // the catalog, the input shape and every estimate
  // The selection redone with each modeled assumption moved (explore/sensitivity.h).
  std::vector<SensitivityOutcome> sensitivity;
};

struct SelectOutcome {
  SelectRun run;
  std::filesystem::path out_dir;
  std::optional<Artifacts> artifacts;  // when a device was chosen
};

// Runs `fitformer select`. Every name and number of the request is checked before any work
// (Error naming the option); throws what the jobs and steps throw.
SelectOutcome run_select(const SelectRequest& request);

}  // namespace fitformer::explore
