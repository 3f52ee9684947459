// `fitformer eval`: scores a model folder on a task's valid or test split with the dense
// engine (perplexity and next-token accuracy, or accuracy and F1) next to the trivial
// baseline (unigram perplexity, majority class).
#include <fmt/format.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/error.h"
#include "core/progress.h"
#include "data/tasks.h"
#include "data/tokenizer.h"
#include "io/model_config.h"
#include "io/recipe.h"
#include "model/evaluate.h"

namespace fitformer::cli {
namespace {

struct EvalOptions {
  std::string model_dir;
  std::string task;
  std::string recipe;
  std::string split = "test";
  int max_length = 0;  // 0: the model's max_position_embeddings (capped at 512)
  int batch_size = 32;
  int threads = 0;  // 0: OpenMP's default
  bool json = false;
};

std::unique_ptr<data::Tokenizer> open_tokenizer(const std::filesystem::path& dir) {
  if (std::filesystem::exists(dir / "tokenizer.model"))
    return data::load_sentencepiece(dir / "tokenizer.model");
  if (std::filesystem::exists(dir / "vocab.txt")) return data::load_wordpiece(dir / "vocab.txt");
  throw Error(dir.string(), "tokenizer", "tokenizer.model (SentencePiece) or vocab.txt (WordPiece)",
              "neither");
}

// Dataset label ids renamed to the model's ids by label name (a model folder may list its
// labels in another order); without names in the model, the counts must agree.
std::vector<int32_t> model_label_ids(const io::ModelConfig& config, const data::Dataset& dataset,
                                     std::span<const int32_t> ids,
                                     const std::filesystem::path& config_file) {
  if (config.label_names.empty()) {
    if (config.num_labels != static_cast<int>(dataset.label_names.size()))
      throw Error(config_file.string(), "num_labels",
                  std::to_string(dataset.label_names.size()) + " (the task's labels)",
                  std::to_string(config.num_labels));
    return {ids.begin(), ids.end()};
  }
  std::vector<int32_t> map(dataset.label_names.size(), -1);
  for (size_t d = 0; d < dataset.label_names.size(); ++d) {
    for (size_t m = 0; m < config.label_names.size(); ++m)
      if (config.label_names[m] == dataset.label_names[d]) map[d] = static_cast<int32_t>(m);
    if (map[d] < 0)
      throw Error(config_file.string(), "id2label", "the task's label " + dataset.label_names[d],
                  "no such label");
  }
  std::vector<int32_t> out;
  out.reserve(ids.size());
  for (int32_t id : ids) out.push_back(map.at(static_cast<size_t>(id)));
  return out;
}

void run_eval(const EvalOptions& options, const GlobalOptions& global) {
  const std::filesystem::path dir = options.model_dir;
  const io::ModelConfig config = io::load_model_config(dir / "config.json");
  const auto tokenizer = open_tokenizer(dir);
  const bool bars = Progress::terminal_attached() && !options.json;

  io::DataSpec spec;
  if (!options.recipe.empty())
    spec = io::load_recipe(options.recipe, "").data;
  else
    spec.task = options.task;
  Progress reading("reading " + (spec.task.empty() ? spec.path.string() : spec.task), 0, "docs",
                   bars);
  const data::Dataset dataset = data::load_dataset(spec, global.data_dir, &reading);
  reading.finish();
  const auto& split = options.split == "valid" ? dataset.valid : dataset.test;
  const int length =
      options.max_length > 0 ? options.max_length : std::min(config.max_position_embeddings, 512);
  const model::RunConfig run{options.threads};

  nlohmann::json j = {{"model", dir.string()},  {"task", dataset.name},
                      {"split", options.split}, {"examples", split.size()},
                      {"max_length", length},   {"provenance", "measured"}};
  const auto start = std::chrono::steady_clock::now();
  if (config.family == io::ModelFamily::kCausalLm) {
    if (dataset.kind != data::TaskKind::kLanguageModel)
      throw Error(dir.string(), "config.json", "a classifier for a classification task",
                  "a causal language model");
    Progress tokenizing("tokenizing", dataset.train.size() + split.size(), "docs", bars);
    const auto eval_stream = model::build_token_stream(split, *tokenizer, &tokenizing);
    const auto train_stream = model::build_token_stream(dataset.train, *tokenizer, &tokenizing);
    tokenizing.finish();
    const model::CausalLm lm = model::load_causal_lm(dir);
    Progress progress("eval", (eval_stream.size() + length - 1) / length, "windows", bars);
    const model::LmMetrics m =
        model::evaluate_language_model(lm, eval_stream, length, options.batch_size, run, &progress);
    progress.finish();
    const model::LmMetrics base =
        model::unigram_baseline(train_stream, eval_stream, config.vocab_size);
    j["tokens"] = m.tokens;
    j["perplexity"] = m.perplexity;
    j["next_token_accuracy"] = m.accuracy;
    j["baseline"] = {{"kind", "unigram (add-one, train counts)"},
                     {"perplexity", base.perplexity},
                     {"next_token_accuracy", base.accuracy}};
  } else {
    if (dataset.kind != data::TaskKind::kClassification)
      throw Error(dir.string(), "config.json", "a causal language model for a language-model task",
                  "a classifier");
    Progress tokenizing("tokenizing", split.size(), "docs", bars);
    model::EncodedRows rows = model::encode_classification(split, *tokenizer, length, &tokenizing);
    tokenizing.finish();
    rows.labels = model_label_ids(config, dataset, rows.labels, dir / "config.json");
    std::vector<int32_t> train_labels;
    for (const auto& e : dataset.train) train_labels.push_back(e.label);
    train_labels = model_label_ids(config, dataset, train_labels, dir / "config.json");
    const model::BertClassifier bert = model::load_bert_classifier(dir);
    Progress progress("eval", rows.rows(), "examples", bars);
    const auto predicted = model::predict_classes(bert, rows, options.batch_size, run, &progress);
    progress.finish();
    const model::ClassificationMetrics m =
        model::classification_metrics(predicted, rows.labels, config.num_labels);
    const model::ClassificationMetrics base =
        model::majority_baseline(train_labels, rows.labels, config.num_labels);
    j["accuracy"] = m.accuracy;
    j["macro_f1"] = m.macro_f1;
    if (m.positive_f1) j["positive_f1"] = *m.positive_f1;
    j["baseline"] = {{"kind", "majority class of train"},
                     {"accuracy", base.accuracy},
                     {"macro_f1", base.macro_f1}};
    if (base.positive_f1) j["baseline"]["positive_f1"] = *base.positive_f1;
  }
  j["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  if (options.json) {
    fmt::print("{}\n", j.dump(2));
    return;
  }
  fmt::print("{} on {} {} ({} examples, max length {})\n", dir.string(), dataset.name,
             options.split, split.size(), length);
  const auto& b = j["baseline"];
  if (j.contains("perplexity")) {
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
      "eval", "Score a model folder on a task with the dense engine, next to a trivial baseline");
  cmd->add_option("--model", options->model_dir,
                  "Model folder (config.json, model.safetensors, tokenizer)")
      ->required()
      ->check(CLI::ExistingDirectory);
  auto* task =
      cmd->add_option("--task", options->task, "Built-in task (sotu-lm, wordnet-cls, spam-cls)");
  auto* recipe = cmd->add_option("--recipe", options->recipe, "A recipe whose [data] to use")
                     ->check(CLI::ExistingFile);
  task->excludes(recipe);
  cmd->add_option("--split", options->split, "Split to score")
      ->check(CLI::IsMember({"valid", "test"}))
      ->capture_default_str();
  cmd->add_option(
      "--max-length", options->max_length,
      "Window (LM) or truncation length (classifier); default: the model's, at most 512");
  cmd->add_option("--batch-size", options->batch_size, "Sequences per forward call")
      ->capture_default_str();
  cmd->add_option("--threads", options->threads, "Engine threads (0: all cores)");
  cmd->add_flag("--json", options->json, "Print the result as JSON");
  cmd->callback([options, &global]() {
    if (options->task.empty() && options->recipe.empty())
      throw Error("", "--task", "a task name or --recipe FILE", "neither");
    run_eval(*options, global);
  });
}

}  // namespace fitformer::cli
