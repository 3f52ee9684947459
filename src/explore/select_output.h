// What `fitformer select` hands back: the result as JSON (the report's input, explore/report.h)
// and the deployable artifacts of the chosen point: the model folder at the deployed
// precision (HPF for a pruned model) and deployment.json, with the sized accelerator's
// configuration in accelerator.json when the device is an FPGA.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "explore/closed_loop.h"
#include "explore/loop_steps.h"
#include "explore/select.h"

namespace fitformer::explore {

// Everything one select run decided, for the outputs below.
struct SelectRun {
  std::string command;  // the command line, for the report
  std::string recipe_file, profile, task;
  double lc_us = 0;
  AccuracyConstraint ac;
  Objective objective = Objective::kPrice;
  std::vector<std::string> subset;  // --devices; empty: all
  double dense_fp32_metric = 0;     // the constraint's metric of the dense model at fp32
  LoopResult loop;
  Selection selection;
  const DevicePredictor* predictor = nullptr;  // its devices and estimates
};

// The result JSON (schema in docs/selection.md).
nlohmann::json result_json(const SelectRun& run);

struct Artifacts {
  std::filesystem::path model;        // folder: config.json, model.safetensors, tokenizer
  std::filesystem::path deployment;   // deployment.json
  std::filesystem::path accelerator;  // accelerator.json; empty unless an FPGA was chosen
};

// Writes the chosen point's artifacts under out_dir (each folder assembled beside and renamed
// into place, each file written atomically). Requires run.selection.feasible.
Artifacts write_artifacts(const SelectRun& run, const std::filesystem::path& out_dir);

}  // namespace fitformer::explore
