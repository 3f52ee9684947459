// `fitformer train`: reads a recipe, loads its data, trains (or loads the cached) tokenizer,
// tokenizes the train and valid splits into the run folder and execs `fitformer-train`, the
// libtorch trainer, which resumes an interrupted run from its checkpoint (jobs/train_job.h).
#include "cli/commands.h"
#include "core/progress.h"
#include "jobs/train_job.h"

namespace fitformer::cli {

void add_train_command(CLI::App& app, const GlobalOptions& global) {
  auto options = std::make_shared<jobs::TrainJob>();
  CLI::App* cmd = app.add_subcommand(
      "train", "Train a model from a recipe with libtorch (resumes an interrupted run)");
  cmd->add_option("--recipe", options->recipe_file, "Recipe file (recipes/TASK.toml)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--profile", options->profile, "Profile of the recipe: quick or full");
  cmd->add_option("--out", options->out,
                  "Run folder: model, checkpoint, log (default runs/<recipe>-<profile>)");
  cmd->add_option("--threads", options->threads, "Torch threads (default: the recipe's)");
  cmd->add_flag("--restart", options->restart, "Ignore an existing checkpoint and start over");
  cmd->add_option("--checkpoint-every-steps", options->checkpoint_every_steps,
                  "Checkpoint every N steps as well as every minute and epoch end (default 500)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--json", options->json, "Print the result as JSON");
  cmd->callback([options, &global]() {
    const bool bars = Progress::terminal_attached() && !options->json;
    jobs::exec_train_job(*options, workspace_of(global), bars);
  });
}

}  // namespace fitformer::cli
