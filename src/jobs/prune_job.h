// Pruning with retraining as a step: `fitformer prune` runs one, `fitformer select` several.
// The trainer (fitformer-train's prune mode) prunes and fine-tunes; its result is cached by a
// job key, so a repeated job returns in about a second. For HP with one plan for every layer,
// the folder also holds the HPF form the sparse runtime and the devices run (<out>/hpf).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "jobs/trainer_process.h"
#include "jobs/workspace.h"
#include "sparsity/hp_plan.h"

namespace fitformer::jobs {

struct PruneJob {
  std::string model;    // the dense model folder
  std::string recipe;   // the recipe it was trained with
  std::string profile;  // "" applies none
  std::string out;      // empty: prune_out's default
  std::string pattern = "hp";
  std::string method = "gradual";
  sparsity::HpPlan plan;  // sparsity and geometry of every pattern, HP's split
  int64_t steps = 0;      // 0: the recipe's budget
  std::vector<std::string> layers, layer_sparsity;  // names; NAME=SPARSITY
  int threads = 0;                                  // 0: the recipe's
  int64_t checkpoint_every_steps = 0;               // 0: the trainer's default
  bool json = false;                                // the trainer prints JSON
};

// The folder a prune job writes: its `out`, or
// <cache>/prune/<model folder>-<pattern>-s<sparsity>[-rho1/2][-steps]-<method>.
std::filesystem::path prune_out(const PruneJob& job, const Workspace& workspace);

struct PruneJobResult {
  std::filesystem::path dir;  // the fine-tuned dense (masked) weights, hpf/ inside for HP
  bool cached = false;        // found done: nothing ran
  std::string note;           // one line for the person watching; empty when none
};

// Prunes with retraining and, for HP with one plan for every layer, makes sure of the HPF
// form in <out>/hpf. Throws Error for bad settings, when the trainer fails, or when another
// run holds the folder's lock (jobs/folder_lock.h).
PruneJobResult run_prune_job(const PruneJob& job, const Workspace& workspace, TrainerOutput output);

}  // namespace fitformer::jobs
