// `fitformer train`: reads a recipe, loads its data, trains (or loads the cached) tokenizer,
// tokenizes the train and valid splits into the run folder and execs `fitformer-train`, the
// libtorch trainer, which resumes an interrupted run from its checkpoint. Two processes
// because libtorch's protobuf and SentencePiece's bundled protobuf cannot share one.
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "cli/commands.h"
#include "core/error.h"
#include "core/progress.h"
#include "data/tasks.h"
#include "data/tokenizer.h"
#include "io/recipe.h"
#include "model/evaluate.h"

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

// Trains the recipe's SentencePiece model on the train split (cached by content), or opens
// its WordPiece vocab. Returns the tokenizer and the file the model folder gets a copy of.
std::pair<std::unique_ptr<data::Tokenizer>, std::filesystem::path> make_tokenizer(
    const io::Recipe& recipe, const data::Dataset& dataset, const GlobalOptions& global,
    bool bars) {
  if (recipe.tokenizer.kind == "wordpiece")
    return {data::load_wordpiece(recipe.tokenizer.vocab), recipe.tokenizer.vocab};
  std::vector<std::string> texts;
  texts.reserve(dataset.train.size());
  for (const auto& e : dataset.train) texts.push_back(e.text);
  Progress progress("tokenizer", 0, "", bars);
  const std::filesystem::path file =
      data::train_sentencepiece(texts, recipe.tokenizer.vocab_size, global.cache_dir, &progress);
  progress.finish();
  return {data::load_sentencepiece(file), file};
}

// `fitformer-train` in the folder of this executable; throws Error if the build has none.
std::filesystem::path trainer_path() {
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe");
  const std::filesystem::path tool = self.parent_path() / "fitformer-train";
  if (!std::filesystem::exists(tool))
    throw Error(tool.string(), "fitformer-train",
                "the trainer next to fitformer (a build with FITFORMER_TRAIN=ON, libtorch)",
                "no such file");
  return tool;
}

// Replaces this process with the trainer.
[[noreturn]] void exec_trainer(const std::filesystem::path& tool, std::vector<std::string> args) {
  args.insert(args.begin(), tool.string());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // libtorch's OpenMP team and OpenBLAS's own threads take turns on the same cores; with
  // libgomp's default spinning, the idle team burns the cores OpenBLAS needs and 2 threads ran
  // 5x slower than 1 here. Passive waiting fixes that; a user's own setting is kept.
  ::setenv("OMP_WAIT_POLICY", "passive", 0);
  std::fflush(stdout);
  std::fflush(stderr);
  ::execv(tool.c_str(), argv.data());
  throw Error(tool.string(), "exec", "a runnable program", std::strerror(errno));
}

void run_train(const TrainCommandOptions& options, const GlobalOptions& global) {
  const std::filesystem::path tool = trainer_path();
  const io::Recipe recipe = io::load_recipe(options.recipe, options.profile);
  const bool bars = Progress::terminal_attached() && !options.json;
  const std::filesystem::path out =
      !options.out.empty()
          ? std::filesystem::path(options.out)
          : std::filesystem::path("runs") /
                (recipe.name + (recipe.profile.empty() ? "" : "-" + recipe.profile));

  Progress reading("reading " + recipe.name, 0, "docs", bars);
  const data::Dataset dataset = data::load_dataset(recipe.data, global.data_dir, &reading);
  reading.finish();
  const auto [tokenizer, tokenizer_file] = make_tokenizer(recipe, dataset, global, bars);
  Progress tokenizing("tokenizing", dataset.train.size() + dataset.valid.size(), "docs", bars);
  const model::TokenizedTask task =
      model::tokenize_task(dataset, *tokenizer, recipe.train.seq_len, &tokenizing);
  tokenizing.finish();
  std::filesystem::create_directories(out);
  const std::filesystem::path tokens = out / "tokens.safetensors";
  model::save_tokenized_task(task, tokens);

  std::vector<std::string> args = {
      "--recipe",      options.recipe,     "--tokens",
      tokens.string(), "--tokenizer-file", std::filesystem::absolute(tokenizer_file),
      "--out",         out.string(),       "--task",
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
