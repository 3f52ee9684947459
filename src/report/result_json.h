// The select result as JSON (schema in docs/selection.md): what `fitformer select` writes to
// result.json and prints with --json, the input of the HTML report, and what `fitformer
// report` reads back (report/result_read.h).
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>

#include "explore/select_run.h"

namespace fitformer::report {

// One device's latency prediction as `fitformer devices predict --json` lists it: id, kind,
// fits, reason, latency_ms with its provenance and method, and what the kind adds (simulated,
// overhead, measurement figures).
nlohmann::json prediction_json(const devices::Prediction& p);

// Everything the run decided: the request's constraints, the dense model, every model,
// candidate, trial and device with its latencies and sized accelerator, the choice or the
// nearest feasible points, and the artifacts' paths.
nlohmann::json result_json(const explore::SelectOutcome& outcome);

struct SelectFiles {
  nlohmann::json result;              // result_json with the report's path under "report"
  std::filesystem::path result_file;  // <out_dir>/result.json
  std::filesystem::path report_file;  // <out_dir>/report.html
};

// Writes <out_dir>/result.json, the HTML report drawn from it (report/html.h), then
// result.json again with the report's path. Every file is replaced atomically.
SelectFiles write_select_files(const explore::SelectOutcome& outcome);

}  // namespace fitformer::report
