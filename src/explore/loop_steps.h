// Two of the closed loop's steps (explore/closed_loop.h) as `fitformer select` runs them:
// scoring a model at a precision, cached by the model's content, and predicting a candidate on
// every device where its precision runs, keeping each device's estimate for the report.
// Training and pruning are jobs (src/jobs); explore/select_run.cc puts the steps together.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <utility>
#include <vector>

#include "devices/predict.h"
#include "explore/closed_loop.h"
#include "io/catalog.h"
#include "io/recipe.h"
#include "runtime/score.h"

namespace fitformer::explore {

// runtime::score_model of `model_dir` on `data`'s valid split, cached in
// <cache_dir>/scores/<key>.json by a hash of the model's files, the data spec, the split,
// the precision and the length; written atomically, so a killed run keeps what it scored.
runtime::ModelScore cached_score(const std::filesystem::path& model_dir, const io::DataSpec& data,
                                 const std::filesystem::path& data_dir,
                                 const std::filesystem::path& cache_dir,
                                 const runtime::ScoreOptions& options);

// Where a precision is deployed: int8 everywhere; int16 on FPGAs only (their widest
// datapath); fp32 on CPUs and GPUs only (an FPGA given fp32 weights runs int16, scored as such).
bool deploys_at(const io::DeviceSpec& device, format::Precision precision);

// Predicts models on the catalog and remembers every estimate by (device, candidate).
struct DevicePredictor {
  std::vector<io::DeviceSpec> devices;
  io::ModelConfig config;  // the models' shape
  int64_t seq = 128;
  int64_t batch = 1;
  devices::PredictOptions options;
  std::map<std::pair<std::string, std::size_t>, devices::Prediction> estimates;

  // The estimate of candidate `index` on `device`; null when it was not predicted there.
  const devices::Prediction* estimate(const std::string& device, std::size_t index) const;

  // One row per device where the candidate's precision is deployed, `candidate` set to
  // `index`.
  std::vector<DeviceLatency> predict(const devices::Candidate& candidate, std::size_t index);
};

}  // namespace fitformer::explore
