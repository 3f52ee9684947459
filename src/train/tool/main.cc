// `fitformer-train`: the libtorch half of `fitformer train` and `fitformer prune` (prune mode:
// --prune-model). It runs in its own process because libtorch loads libprotobuf 3.21 and
// libsentencepiece carries its own protobuf 3.14 with the same symbol names, which crash each
// other in one process; the fitformer side tokenizes the recipe's data and runs this with the
// token ids. Not meant to be run by hand, though it can be.
#include <fmt/format.h>
#include <malloc.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/progress.h"
#include "io/recipe.h"
#include "model/evaluate.h"
#include "train/prune_finetune.h"
#include "train/trainer.h"

namespace {

struct Options {
  std::string recipe, profile, tokens, tokenizer_file, out, task;
  bool restart = false, json = false;
  int threads = 0;
  int64_t checkpoint_every_steps = 0;  // 0: the default of training or pruning
  // Prune mode (`fitformer prune`): set when --prune-model names the dense model folder.
  std::string prune_model, pattern = "hp", method = "gradual";
  fitformer::sparsity::HpPlan plan;  // sparsity and geometry of every pattern, HP's split
  int64_t steps = 0;
  std::vector<std::string> layers, layer_sparsity;  // names; NAME=SPARSITY
};

// The number in `text`, or -1 when it is none.
double parse_fraction(const std::string& text) {
  try {
    size_t used = 0;
    const double value = std::stod(text, &used);
    return used == text.size() ? value : -1;
  } catch (const std::exception&) {
    return -1;
  }
}

// Log lines go to stdout at once: the parent reads them as they come.
void print_line(const std::string& line) {
  fmt::print("{}\n", line);
  std::fflush(stdout);
}

void run_prune(const Options& options) {
  using namespace fitformer;
  io::Recipe recipe = io::load_recipe(options.recipe, options.profile);
  if (options.threads > 0) recipe.train.threads = options.threads;
  const model::TokenizedTask task = model::load_tokenized_task(options.tokens);
  train::PruneSettings settings;
  settings.pattern = sparsity::parse_pattern(options.pattern);
  settings.method = train::parse_prune_method(options.method);
  static_cast<sparsity::HpPlan&>(settings) = options.plan;
  settings.steps = options.steps;
  settings.block_rows = options.plan.block_cols;
  settings.layers = options.layers;
  for (const std::string& item : options.layer_sparsity) {
    const size_t eq = item.rfind('=');
    const double value = eq == std::string::npos ? -1 : parse_fraction(item.substr(eq + 1));
    if (!(value >= 0 && value < 1))
      throw Error("", "layer-sparsity", "NAME=SPARSITY with a sparsity in [0, 1)", item);
    settings.layer_sparsity[item.substr(0, eq)] = value;
  }
  train::PruneOptions prune_options;
  prune_options.dense_dir = options.prune_model;
  prune_options.out_dir = options.out;
  prune_options.progress = Progress::terminal_attached() && !options.json;
  if (options.checkpoint_every_steps > 0)
    prune_options.checkpoint_every_steps = options.checkpoint_every_steps;
  if (!options.json) prune_options.log = print_line;
  const train::PruneResult r = train::prune_and_finetune(recipe, task, settings, prune_options);
  const bool lm = task.kind == data::TaskKind::kLanguageModel;
  const std::string metric = lm ? "valid_perplexity" : "valid_accuracy";
  if (options.json) {
    nlohmann::json layers = nlohmann::json::object();
    for (const auto& l : r.layers) layers[l.name] = l.density;
    fmt::print("{}\n", nlohmann::json({{"model_dir", options.out},
                                       {"cached", r.cached},
                                       {"resumed", r.resumed},
                                       {"key", r.key},
                                       {"pattern", options.pattern},
                                       {"method", options.method},
                                       {"sparsity", options.plan.sparsity},
                                       {"density", r.density},
                                       {"steps", r.steps},
                                       {metric, r.valid_metric},
                                       {"layer_density", layers},
                                       {"provenance", "measured"}})
                           .dump(2));
    return;
  }
  fmt::print("{}: {}{} {} pruning to density {:.4f} over {} matrices in {} steps; {} {:.4f}\n",
             options.out, r.cached ? "cached: " : "", options.method, options.pattern, r.density,
             r.layers.size(), r.steps, metric, r.valid_metric);
}

void run(const Options& options) {
  using namespace fitformer;
  if (!options.prune_model.empty()) return run_prune(options);
  io::Recipe recipe = io::load_recipe(options.recipe, options.profile);
  if (options.threads > 0) recipe.train.threads = options.threads;
  const model::TokenizedTask task = model::load_tokenized_task(options.tokens);

  train::TrainOptions train_options;
  train_options.out_dir = options.out;
  train_options.tokenizer_file = options.tokenizer_file;
  train_options.progress = Progress::terminal_attached() && !options.json;
  train_options.progress_log = !Progress::terminal_attached() && !options.json;
  train_options.restart = options.restart;
  if (options.checkpoint_every_steps > 0)
    train_options.checkpoint_every_steps = options.checkpoint_every_steps;
  if (!options.json) train_options.log = print_line;
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
  app.add_option("--checkpoint-every-steps", options.checkpoint_every_steps,
                 "Checkpoint every N optimizer steps as well as every minute (default: 500 when "
                 "training, 100 when pruning)");
  app.add_flag("--json", options.json, "Print the result as JSON");
  app.add_option("--prune-model", options.prune_model,
                 "Prune this dense model folder into --out instead of training");
  app.add_option("--pattern", options.pattern, "Prune: sparsity pattern");
  app.add_option("--method", options.method, "Prune: gradual or admm");
  app.add_option("--sparsity", options.plan.sparsity, "Prune: target sparsity");
  app.add_option("--rho1", options.plan.rho1, "Prune (hp): level-1 density");
  app.add_option("--rho2", options.plan.rho2, "Prune (hp): level-2 density");
  app.add_option("--steps", options.steps, "Prune: optimizer steps (0: the recipe's)");
  app.add_option("--block-cols", options.plan.block_cols, "Prune: Bc");
  app.add_option("--banks", options.plan.banks, "Prune: B");
  app.add_option("--layers", options.layers, "Prune: weight names (default: attention and FFN)");
  app.add_option("--layer-sparsity", options.layer_sparsity, "Prune: NAME=SPARSITY overrides");
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
