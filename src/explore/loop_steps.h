// The steps `fitformer select` gives the closed loop (explore/closed_loop.h) that need no
// libtorch: scoring a model at a precision, cached by the model's content, and predicting a
// model on every device where its precision runs, keeping each device's estimate for the
// report. Training and pruning run in fitformer-train and stay with the CLI.
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

// Where a precision runs: int8 everywhere; int16 on FPGAs only (their widest datapath);
// fp32 on CPUs and GPUs only (an FPGA given fp32 weights runs int16, scored as such).
bool runs_on(const io::DeviceSpec& device, runtime::Precision precision);

// Predicts models on the catalog and remembers every estimate by (device, candidate).
struct DevicePredictor {
  std::vector<io::DeviceSpec> devices;
  io::ModelConfig config;  // the models' shape
  int64_t seq = 128;
  int64_t batch = 1;
  devices::PredictOptions options;
  std::map<std::pair<std::string, std::size_t>, devices::LatencyEstimate> estimates;

  // One row per device where the precision runs.
  std::vector<DeviceLatency> predict(const LoopModel& model, runtime::Precision precision,
                                     std::size_t candidate);
};

}  // namespace fitformer::explore
