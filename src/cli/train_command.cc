// `fitformer train`: reads a recipe, loads its data, trains (or loads the cached) tokenizer,
// tokenizes the train and valid splits into the run folder and execs `fitformer-train`, the
// libtorch trainer, which resumes an interrupted run from its checkpoint. Two processes
// because libtorch's protobuf and SentencePiece's bundled protobuf cannot share one.
#include <filesystem>

#include "cli/commands.h"
#include "cli/trainer_process.h"
#include "core/progress.h"
#include "io/recipe.h"

namespace fitformer::cli {
namespace {

struct TrainCommandOptions {
  std::string recipe;
  std::string profile;
  std::string out;
  bool restart = false;
  bool json = false;
  int threads = 0;  // 0: the recipe's train.threads
};

void run_train(const TrainCommandOptions& options, const GlobalOptions& global) {
  const std::filesystem::path tool = trainer_path();
  const io::Recipe recipe = io::load_recipe(options.recipe, options.profile);
  const bool bars = Progress::terminal_attached() && !options.json;
  const std::filesystem::path out =
      !options.out.empty()
          ? std::filesystem::path(options.out)
          : std::filesystem::path("runs") /
                (recipe.name + (recipe.profile.empty() ? "" : "-" + recipe.profile));

  const TrainerInput input = tokenize_for_trainer(recipe, global, bars, out);

  std::vector<std::string> args = {"--recipe",
                                   options.recipe,
                                   "--tokens",
                                   input.tokens.string(),
                                   "--tokenizer-file",
                                   input.tokenizer_file.string(),
                                   "--out",
                                   out.string(),
                                   "--task",
                                   recipe.data.task};
  if (!options.profile.empty()) args.insert(args.end(), {"--profile", options.profile});
  if (options.threads > 0) args.insert(args.end(), {"--threads", std::to_string(options.threads)});
  if (options.restart) args.push_back("--restart");
  if (options.json) args.push_back("--json");
  exec_trainer(tool, std::move(args));
}

}  // namespace

void add_train_command(CLI::App& app, const GlobalOptions& global) {
  auto options = std::make_shared<TrainCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "train", "Train a model from a recipe with libtorch (resumes an interrupted run)");
  cmd->add_option("--recipe", options->recipe, "Recipe file (recipes/TASK.toml)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--profile", options->profile, "Profile of the recipe: quick or full");
  cmd->add_option("--out", options->out,
                  "Run folder: model, checkpoint, log (default runs/<recipe>-<profile>)");
  cmd->add_option("--threads", options->threads, "Torch threads (default: the recipe's)");
  cmd->add_flag("--restart", options->restart, "Ignore an existing checkpoint and start over");
  cmd->add_flag("--json", options->json, "Print the result as JSON");
  cmd->callback([options, &global]() { run_train(*options, global); });
}

}  // namespace fitformer::cli
