// Training and pruning as steps other commands call: `fitformer train` and `prune` run one,
// `fitformer select` runs several. Both run `fitformer-train` (libtorch) as a child; its
// results are cached (a finished run folder, a prune folder keyed by its inputs), so a
// repeated step returns in about a second.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "io/recipe.h"

namespace fitformer::cli {

// How the trainer's own output is shown.
enum class TrainerOutput {
  kStdout,    // as it prints it (the train and prune commands)
  kToStderr,  // its stdout sent to stderr, keeping ours clean for JSON
};

struct TrainJob {
  std::string recipe_file;
  std::string profile;        // "" applies none
  std::filesystem::path out;  // empty: runs/<recipe name>[-<profile>]
  int threads = 0;            // 0: the recipe's
  bool restart = false;
  bool json = false;
};

// The run folder of a train job (its `out`, or the default).
std::filesystem::path train_out(const TrainJob& job, const io::Recipe& recipe);
// The trainer's arguments after tokenizing the recipe's data into the run folder.
std::vector<std::string> prepare_training(const TrainJob& job, const GlobalOptions& global,
                                          bool bars);
// Trains (or resumes, or finds finished) the job's model; returns its folder. Throws Error
// when the trainer fails.
std::filesystem::path train_model(const TrainJob& job, const GlobalOptions& global, bool bars,
                                  TrainerOutput output);

struct PruneJob {
  std::string model, recipe, profile, out, pattern, method = "gradual";
  double sparsity = 0.9;
  std::optional<double> rho1, rho2;
  int64_t steps = 0, block_cols = 64, banks = 8;
  std::vector<std::string> layers, layer_sparsity;
  int threads = 0;
  bool json = false;
};

// The folder a prune job writes: its `out`, or
// <cache>/prune/<model folder>-<pattern>-s<sparsity>[-rho1/2][-steps]-<method>.
std::filesystem::path prune_out(const PruneJob& job, const GlobalOptions& global);

// Prunes with retraining (fitformer-train's prune mode; cached by a hash of its inputs) and,
// for HP with one setting for every layer, adds the HPF form in <out>/hpf checked against the
// fine-tuned weights. Returns the folder of the fine-tuned dense (masked) weights. Throws Error
// for bad settings or when the trainer fails.
std::filesystem::path prune_model(const PruneJob& job, const GlobalOptions& global,
                                  TrainerOutput output);

}  // namespace fitformer::cli
