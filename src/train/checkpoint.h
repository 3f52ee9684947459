// Training checkpoints: everything an interrupted run needs to continue bit for bit (model,
// optimizer moments, step, torch's RNG state, epoch bookkeeping), in one file written
// atomically, so a kill at any moment leaves the previous checkpoint or the new one.
#pragma once

#include <torch/optim/optimizer.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "train/modules.h"
#include "train/trainer.h"

namespace fitformer::train {

struct CheckpointState {
  std::string fingerprint;  // hash of the recipe and data this run trains on
  int64_t step = 0;         // optimizer steps done
  double seconds = 0;       // training wall time so far
  bool finished = false;
  std::string stop_reason;
  std::vector<EpochLog> epochs;
  double epoch_loss_sum = 0;  // running train loss of the current, unfinished epoch
  int64_t epoch_loss_steps = 0;
  // Further named state of the run beside model and optimizer: a prune run's masks and ADMM
  // variables.
  std::map<std::string, torch::Tensor> tensors;
};

// Writes model, optimizer, state and torch's default CPU generator state to `file`.
void save_checkpoint(const std::filesystem::path& file, const Model& model,
                     const torch::optim::Optimizer& optimizer, const CheckpointState& state);

// The fingerprint `file` records; empty when there is no file or it cannot be read.
std::string checkpoint_fingerprint(const std::filesystem::path& file);

// Reads a checkpoint into model and optimizer (built the same way as when it was saved) and
// restores torch's generator. Returns nullopt when the file does not exist; throws Error
// naming the file when it cannot be read.
std::optional<CheckpointState> load_checkpoint(const std::filesystem::path& file, Model& model,
                                               torch::optim::Optimizer& optimizer);

}  // namespace fitformer::train
