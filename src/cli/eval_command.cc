// `fitformer eval`: prints runtime::score_model's result for a model folder on a task's valid
// or test split (perplexity and next-token accuracy, or accuracy and F1, at fp32 or the
// accelerator's int16 / int8) next to the trivial baseline (unigram perplexity, majority class).
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/model_folder.h"
#include "core/error.h"
#include "core/progress.h"
#include "io/model_config.h"
#include "io/recipe.h"
#include "runtime/score.h"

namespace fitformer::cli {
namespace {

struct EvalOptions {
  std::string model_dir;
  std::string task;
  std::string recipe;
  std::string precision = "fp32";
  runtime::ScoreOptions score{.split = "test"};
  bool json = false;
};

void run_eval(const EvalOptions& options, const GlobalOptions& global) {
  runtime::ScoreOptions score_options = options.score;
  score_options.precision = format::parse_precision(options.precision);  // before slow work
  const std::filesystem::path dir = resolve_model_folder(options.model_dir, global);
  const io::ModelConfig config = io::load_model_config(dir / "config.json");
  score_options.progress_bars = Progress::terminal_attached() && !options.json;
  io::DataSpec spec;
  if (!options.recipe.empty())
    spec = io::load_recipe(options.recipe, "").data;
  else
    spec.task = options.task;
  const runtime::ModelScore score =
      runtime::score_model(dir, spec, global.workspace.data_dir, score_options);
  const int length = runtime::score_length(config, score_options.max_length);
  const bool lm = config.family == io::ModelFamily::kCausalLm;

  nlohmann::json j = {
      {"model", options.model_dir}, {"task", score.task},
      {"split", score.split},       {"precision", format::precision_name(score.precision)},
      {"examples", score.examples}, {"max_length", length},
      {"provenance", "measured"}};
  if (lm) {
    j["tokens"] = score.predictions;
    j["perplexity"] = score.metrics.at("ppl");
    j["next_token_accuracy"] = score.metrics.at("acc");
    j["baseline"] = {{"kind", score.baseline_kind},
                     {"perplexity", score.baseline.at("ppl")},
                     {"next_token_accuracy", score.baseline.at("acc")}};
  } else {
    j["accuracy"] = score.metrics.at("acc");
    j["macro_f1"] = score.metrics.at("macro_f1");
    j["baseline"] = {{"kind", score.baseline_kind},
                     {"accuracy", score.baseline.at("acc")},
                     {"macro_f1", score.baseline.at("macro_f1")}};
    // "f1" is label 1's F1 exactly when there are two labels.
    if (config.num_labels == 2) {
      j["positive_f1"] = score.metrics.at("f1");
      j["baseline"]["positive_f1"] = score.baseline.at("f1");
    }
  }
  j["seconds"] = score.seconds;

  if (options.json) {
    fmt::print("{}\n", j.dump(2));
    return;
  }
  fmt::print("{} on {} {} ({} examples, max length {}, {})\n", options.model_dir, score.task,
             score.split, score.examples, length, format::precision_name(score.precision));
  const auto& b = j["baseline"];
  if (lm) {
    fmt::print("  perplexity           {:10.2f}   baseline {:10.2f} ({})\n",
               j["perplexity"].get<double>(), b["perplexity"].get<double>(),
               b["kind"].get<std::string>());
    fmt::print("  next-token accuracy  {:10.4f}   baseline {:10.4f}\n",
               j["next_token_accuracy"].get<double>(), b["next_token_accuracy"].get<double>());
  } else {
    fmt::print("  accuracy   {:8.4f}   baseline {:8.4f} ({})\n", j["accuracy"].get<double>(),
               b["accuracy"].get<double>(), b["kind"].get<std::string>());
    fmt::print("  macro F1   {:8.4f}   baseline {:8.4f}\n", j["macro_f1"].get<double>(),
               b["macro_f1"].get<double>());
    if (j.contains("positive_f1"))
      fmt::print("  F1 of '{}' {:8.4f}   baseline {:8.4f}\n",
                 config.label_names.size() == 2 ? config.label_names[1] : "1",
                 j["positive_f1"].get<double>(), b["positive_f1"].get<double>());
  }
}

}  // namespace

void add_eval_command(CLI::App& app, const GlobalOptions& global) {
  auto options = std::make_shared<EvalOptions>();
  CLI::App* cmd = app.add_subcommand(
      "eval", "Score a model folder on a task with the sparse runtime, next to a trivial baseline");
  cmd->add_option("--model", options->model_dir,
                  "Model folder (config.json, model.safetensors, tokenizer)")
      ->required()
      ->check(CLI::ExistingDirectory);
  auto* task =
      cmd->add_option("--task", options->task, "Built-in task (sotu-lm, wordnet-cls, spam-cls)");
  auto* recipe = cmd->add_option("--recipe", options->recipe, "A recipe whose [data] to use")
                     ->check(CLI::ExistingFile);
  task->excludes(recipe);
  cmd->add_option("--split", options->score.split, "Split to score")
      ->check(CLI::IsMember({"valid", "test"}))
      ->capture_default_str();
  cmd->add_option(
      "--max-length", options->score.max_length,
      "Window (LM) or truncation length (classifier); default: the model's, at most 512");
  cmd->add_option("--batch-size", options->score.batch_size, "Sequences per forward call")
      ->capture_default_str();
  cmd->add_option("--threads", options->score.threads, "Engine threads (0: all cores)");
  cmd->add_option("--precision", options->precision,
                  "Arithmetic of the encoder linears: fp32, or the accelerator's int16 / int8 "
                  "(the rest stays fp32)")
      ->capture_default_str();
  cmd->add_flag("--json", options->json, "Print the result as JSON");
  cmd->callback([options, &global]() {
    if (options->task.empty() && options->recipe.empty())
      throw Error("", "--task", "a task name or --recipe FILE", "neither");
    run_eval(*options, global);
  });
}

}  // namespace fitformer::cli
