// `fitformer-train`: the libtorch half of `fitformer train`. It runs in its own process because
// libtorch loads libprotobuf 3.21 and libsentencepiece carries its own protobuf 3.14 with the same
// symbol names, which crash each other in one process; `fitformer train` tokenizes the recipe's
// data and execs this with the token ids. Not meant to be run by hand, though it can be.
#include <fmt/format.h>
#include <malloc.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/progress.h"
#include "io/recipe.h"
#include "model/evaluate.h"
#include "train/trainer.h"

namespace {

struct Options {
  std::string recipe, profile, tokens, tokenizer_file, out, task;
  bool restart = false, json = false;
  int threads = 0;
};

void run(const Options& options) {
  using namespace fitformer;
  io::Recipe recipe = io::load_recipe(options.recipe, options.profile);
  if (options.threads > 0) recipe.train.threads = options.threads;
  const model::TokenizedTask task = model::load_tokenized_task(options.tokens);

  train::TrainOptions train_options;
  train_options.out_dir = options.out;
  train_options.tokenizer_file = options.tokenizer_file;
  train_options.progress = Progress::terminal_attached() && !options.json;
  train_options.restart = options.restart;
  if (!options.json)
    train_options.log = [](const std::string& line) {
      fmt::print("{}\n", line);
      std::fflush(stdout);
    };
  const train::TrainResult r = train::train_model(recipe, task, train_options);

  const bool lm = r.config.family == io::ModelFamily::kCausalLm;
  const std::string metric = lm ? "valid_perplexity" : "valid_accuracy";
  if (options.json) {
    nlohmann::json j = {{"recipe", recipe.name},
                        {"profile", recipe.profile},
                        {"model_dir", options.out},
                        {"parameters", r.parameters},
                        {"steps", r.steps},
                        {"train_seconds", r.seconds},
                        {"stop_reason", r.stop_reason},
                        {"resumed", r.resumed},
                        {"threads", recipe.train.threads},
                        {"provenance", "measured"}};
    if (!r.epochs.empty()) j[metric] = r.epochs.back().valid_metric;
    fmt::print("{}\n", j.dump(2));
    return;
  }
  fmt::print("{}: {} parameters, {} steps ({}), {:.0f} s of training on {} threads\n", options.out,
             r.parameters, r.steps, r.stop_reason, r.seconds, recipe.train.threads);
  if (!r.epochs.empty())
    fmt::print("{} {:.4f} (libtorch); with the engine: fitformer eval --model {} --task {}\n",
               metric, r.epochs.back().valid_metric, options.out,
               options.task.empty() ? "TASK" : options.task);
}

}  // namespace

int main(int argc, char** argv) {
  // Every step allocates and frees activations of tens of MB (LM logits: batch x seq x vocab).
  // glibc serves those with fresh mmaps whose pages the kernel zeroes each time, a third of
  // the run in system time; keeping them in the heap avoids it.
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  CLI::App app{
      "fitformer-train: train a recipe's model on tokenized data with libtorch "
      "(run by `fitformer train`)"};
  Options options;
  app.add_option("--recipe", options.recipe, "Recipe file")->required();
  app.add_option("--profile", options.profile, "Recipe profile");
  app.add_option("--tokens", options.tokens, "Tokenized task (safetensors)")->required();
  app.add_option("--tokenizer-file", options.tokenizer_file, "Tokenizer to copy into the model");
  app.add_option("--out", options.out, "Run folder")->required();
  app.add_option("--task", options.task, "Task name, for the printed eval hint");
  app.add_option("--threads", options.threads, "Torch threads (default: the recipe's)");
  app.add_flag("--restart", options.restart, "Ignore an existing checkpoint");
  app.add_flag("--json", options.json, "Print the result as JSON");
  try {
    app.parse(argc, argv);
    run(options);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const fitformer::Error& e) {
    std::fprintf(stderr, "fitformer: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fitformer: internal error: %s\n", e.what());
    return 3;
  }
  return 0;
}
