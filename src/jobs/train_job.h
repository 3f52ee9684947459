// Training a recipe's dense model as a step: `fitformer train` runs one (exec'ing the trainer),
// `fitformer select` runs one as a child and goes on. A finished run folder is found by its
// job key; the trainer resumes an interrupted one from its checkpoint.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "io/recipe.h"
#include "jobs/trainer_process.h"
#include "jobs/workspace.h"

namespace fitformer::jobs {

struct TrainJob {
  std::filesystem::path recipe_file;
  std::string profile;                 // "" applies none
  std::filesystem::path out;           // empty: runs/<recipe name>[-<profile>]
  int threads = 0;                     // 0: the recipe's
  int64_t checkpoint_every_steps = 0;  // 0: the trainer's default
  bool restart = false;
  bool json = false;
};

// The run folder of a train job (its `out`, or the default under workspace.runs_dir()).
std::filesystem::path train_out(const TrainJob& job, const io::Recipe& recipe,
                                const Workspace& workspace);

// The trainer's arguments after tokenizing the recipe's data into the run folder (bars:
// progress bars on stderr).
std::vector<std::string> trainer_train_args(const TrainJob& job, const Workspace& workspace,
                                            bool bars);

// Trains (or resumes, or finds finished) the job's model; returns its folder. Throws Error
// when the trainer fails, or when another run holds the folder's lock (jobs/folder_lock.h).
std::filesystem::path run_train_job(const TrainJob& job, const Workspace& workspace, bool bars,
                                    TrainerOutput output);

// `fitformer train`: locks the run folder, tokenizes and execs the trainer, which keeps the
// lock until it exits. Throws Error as run_train_job does; returns only by throwing.
[[noreturn]] void exec_train_job(const TrainJob& job, const Workspace& workspace, bool bars);

}  // namespace fitformer::jobs
