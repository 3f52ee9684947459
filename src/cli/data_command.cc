// `fitformer data stats`: split sizes, label distribution and word counts of a task.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/model_folder.h"
#include "core/error.h"
#include "core/files.h"
#include "core/progress.h"
#include "data/stats.h"
#include "data/tasks.h"
#include "io/recipe.h"
#include "runtime/score.h"

namespace fitformer::cli {
namespace {

struct StatsOptions {
  std::string task;
  std::string recipe;
  int vocab_size = 8000;  // SentencePiece vocabulary for token counts; 0 = words only
  bool json = false;
};

nlohmann::json stats_json(const data::DatasetStats& stats) {
  nlohmann::json out = {{"task", stats.name},
                        {"kind", std::string(data::task_kind_name(stats.kind))},
                        {"labels", stats.label_names},
                        {"provenance", "measured"}};
  for (const auto& s : stats.splits) {
    nlohmann::json split = {{"examples", s.examples}, {"words", s.words}, {"bytes", s.bytes}};
    if (s.tokens > 0) split["tokens"] = s.tokens;
    if (!stats.label_names.empty()) split["label_counts"] = s.label_counts;
    out["splits"][s.split] = split;
  }
  return out;
}

void print_stats(const data::DatasetStats& stats, int vocab_size) {
  fmt::print("{} ({})\n", stats.name, data::task_kind_name(stats.kind));
  uint64_t total_examples = 0, total_words = 0, total_tokens = 0;
  const std::string tokens_header = vocab_size > 0 ? fmt::format("tokens(sp{})", vocab_size) : "";
  fmt::print("  {:<6} {:>9} {:>12} {:>14} {:>12}\n", "split", "examples", "words", "bytes",
             tokens_header);
  for (const auto& s : stats.splits) {
    fmt::print("  {:<6} {:>9} {:>12} {:>14} {:>12}\n", s.split, s.examples, s.words, s.bytes,
               vocab_size > 0 ? std::to_string(s.tokens) : "");
    total_examples += s.examples;
    total_words += s.words;
    total_tokens += s.tokens;
  }
  fmt::print("  {:<6} {:>9} {:>12} {:>14} {:>12}\n", "all", total_examples, total_words, "",
             vocab_size > 0 ? std::to_string(total_tokens) : "");
  if (stats.label_names.empty()) return;
  fmt::print("  {} labels:\n", stats.label_names.size());
  fmt::print("    {:<20} {:>7} {:>7} {:>7}\n", "label", "train", "valid", "test");
  for (size_t l = 0; l < stats.label_names.size(); ++l) {
    fmt::print("    {:<20} {:>7} {:>7} {:>7}\n", stats.label_names[l],
               stats.splits[0].label_counts[l], stats.splits[1].label_counts[l],
               stats.splits[2].label_counts[l]);
  }
}

void run_stats(const StatsOptions& options, const GlobalOptions& global) {
  io::DataSpec spec;
  if (!options.recipe.empty()) {
    spec = io::load_recipe(options.recipe, "").data;
  } else {
    spec.task = options.task;
  }
  Progress progress("reading " + (spec.task.empty() ? spec.path.string() : spec.task), 0, "docs",
                    Progress::terminal_attached() && !options.json);
  const data::Dataset dataset = data::load_dataset(spec, global.workspace.data_dir, &progress);
  progress.finish();
  std::unique_ptr<data::Tokenizer> tokenizer;
  if (options.vocab_size > 0) {
    // Trained on the train split only, as the models are; cached, so only the first run pays.
    std::vector<std::string> texts;
    for (const auto& e : dataset.train) texts.push_back(e.text);
    Progress training("tokenizer", 0, "", Progress::terminal_attached() && !options.json);
    tokenizer = data::load_sentencepiece(data::train_sentencepiece(
        texts, options.vocab_size, global.workspace.cache_dir, &training));
  }
  const size_t count = dataset.train.size() + dataset.valid.size() + dataset.test.size();
  Progress counting("counting", tokenizer ? count : 0, "texts",
                    Progress::terminal_attached() && !options.json && tokenizer != nullptr);
  const data::DatasetStats stats = data::compute_stats(dataset, tokenizer.get(), &counting);
  counting.finish();
  if (options.json) {
    nlohmann::json j = stats_json(stats);
    if (tokenizer) j["tokenizer"] = {{"kind", "sentencepiece"}, {"vocab_size", options.vocab_size}};
    fmt::print("{}\n", j.dump(2));
  } else {
    fmt::print("[measured] ");
    print_stats(stats, tokenizer ? options.vocab_size : 0);
  }
}

struct ShowOptions {
  std::string task;
  std::string recipe;
  std::string model;  // its tokenizer counts the tokens (else the recipe's)
  std::string split = "train";
  size_t first = 0;
  size_t count = 3;
  size_t max_chars = 400;
};

// The tokenizer a recipe's model would see: --model's, the recipe's WordPiece vocab, or its
// SentencePiece model trained on the train split (cached, as training does).
std::unique_ptr<data::Tokenizer> show_tokenizer(const ShowOptions& options,
                                                const io::Recipe& recipe,
                                                const data::Dataset& dataset,
                                                const GlobalOptions& global, std::string& name) {
  if (!options.model.empty()) {
    name = "the tokenizer of " + options.model;
    return runtime::open_model_tokenizer(resolve_model_folder(options.model, global));
  }
  if (recipe.tokenizer.kind == "wordpiece") {
    name = "WordPiece " + recipe.tokenizer.vocab.string();
    return data::load_wordpiece(recipe.tokenizer.vocab);
  }
  std::vector<std::string> texts;
  for (const auto& e : dataset.train) texts.push_back(e.text);
  Progress training("tokenizer", 0, "", Progress::terminal_attached());
  name = fmt::format("SentencePiece, {} pieces, trained on train", recipe.tokenizer.vocab_size);
  return data::load_sentencepiece(data::train_sentencepiece(texts, recipe.tokenizer.vocab_size,
                                                            global.workspace.cache_dir, &training));
}

// Label counts and token lengths per split, for a user's data.
void print_data_summary(const ShowOptions& options, const io::Recipe& recipe,
                        const data::Dataset& dataset, const GlobalOptions& global) {
  const data::DatasetStats stats = data::compute_stats(dataset);
  fmt::print("[measured] ");
  print_stats(stats, 0);
  std::string name;
  const auto tokenizer = show_tokenizer(options, recipe, dataset, global, name);
  const bool classifier = dataset.kind == data::TaskKind::kClassification;
  // Training keeps seq_len - 2 tokens of a text, after [CLS] and before [SEP].
  const uint64_t kept = classifier ? static_cast<uint64_t>(recipe.train.seq_len - 2) : 0;
  fmt::print("  tokens per {} ({}; no special tokens):\n", classifier ? "text" : "document", name);
  fmt::print("    {:<6} {:>9} {:>7} {:>7} {:>7} {:>7} {}\n", "split", "examples", "min", "median",
             "p95", "max", classifier ? fmt::format("over {} (cut)", kept) : "");
  const std::pair<const char*, const std::vector<data::Example>*> splits[] = {
      {"train", &dataset.train}, {"valid", &dataset.valid}, {"test", &dataset.test}};
  for (const auto& [split, examples] : splits) {
    const data::TokenLengths t = data::token_lengths(*examples, *tokenizer, kept);
    fmt::print("    {:<6} {:>9} {:>7} {:>7} {:>7} {:>7} {}\n", split, t.examples, t.min, t.median,
               t.p95, t.max, classifier ? std::to_string(t.over_limit) : "");
  }
}

void run_show(const ShowOptions& options, const GlobalOptions& global) {
  if (options.task.empty() == options.recipe.empty()) {
    throw Error("", "--task", "a task name or --recipe FILE",
                options.task.empty() ? "neither" : "both");
  }
  io::Recipe recipe;
  data::Dataset dataset;
  if (options.recipe.empty()) {
    dataset = data::load_builtin_task(options.task, global.workspace.data_dir);
  } else {
    recipe = io::load_recipe(options.recipe, "");
    if (!options.model.empty()) require_directory(options.model, "--model folder");
    Progress reading("reading " + recipe.data.path.string(), 0, "docs",
                     Progress::terminal_attached());
    dataset = data::load_dataset(recipe.data, global.workspace.data_dir, &reading);
    reading.finish();
  }
  const auto& examples = options.split == "train"   ? dataset.train
                         : options.split == "valid" ? dataset.valid
                                                    : dataset.test;
  for (size_t i = options.first; i < std::min(examples.size(), options.first + options.count);
       ++i) {
    const data::Example& e = examples[i];
    const std::string label =
        e.label >= 0 ? dataset.label_names[static_cast<size_t>(e.label)] : "-";
    const bool cut = e.text.size() > options.max_chars;
    fmt::print("[{} #{}] {} ({})\n{}{}\n\n", options.split, i, label, e.source,
               e.text.substr(0, options.max_chars), cut ? " ..." : "");
  }
  if (!options.recipe.empty()) print_data_summary(options, recipe, dataset, global);
}

}  // namespace

void add_data_command(CLI::App& app, const GlobalOptions& global) {
  CLI::App* data = app.add_subcommand("data", "Inspect the datasets");
  data->require_subcommand(1);
  auto options = std::make_shared<StatsOptions>();
  CLI::App* stats = data->add_subcommand("stats", "Split sizes, labels and word counts of a task");
  auto* task =
      stats->add_option("--task", options->task, "A built-in task: sotu-lm, wordnet-cls, spam-cls");
  auto* recipe = stats->add_option("--recipe", options->recipe, "A recipe whose [data] to read");
  task->excludes(recipe);
  stats
      ->add_option("--vocab-size", options->vocab_size,
                   "Count SentencePiece tokens at this vocabulary size (trained on train, "
                   "cached); 0 counts words only")
      ->capture_default_str();
  stats->add_flag("--json", options->json, "Machine-readable output");
  stats->callback([options, &global] {
    if (options->task.empty() && options->recipe.empty()) {
      throw Error("", "--task", "a task name or --recipe FILE", "neither");
    }
    run_stats(*options, global);
  });

  auto show_options = std::make_shared<ShowOptions>();
  CLI::App* show = data->add_subcommand(
      "show", "Print examples of a task or of your data (--recipe) as the models see them");
  auto* show_task = show->add_option("--task", show_options->task, "A built-in task");
  auto* show_recipe = show->add_option(
      "--recipe", show_options->recipe,
      "A recipe whose [data] to read (your own rows or documents): then also its label counts "
      "and token lengths");
  show_task->excludes(show_recipe);
  show->add_option("--model", show_options->model,
                   "With --recipe: count tokens with this model folder's tokenizer")
      ->needs(show_recipe);
  show->add_option("--split", show_options->split, "train, valid or test")
      ->check(CLI::IsMember({"train", "valid", "test"}))
      ->capture_default_str();
  show->add_option("--first", show_options->first, "Index of the first example")
      ->capture_default_str();
  show->add_option("--count", show_options->count, "How many examples")->capture_default_str();
  show->add_option("--max-chars", show_options->max_chars, "Cut each text after this many bytes")
      ->capture_default_str();
  show->callback([show_options, &global] { run_show(*show_options, global); });
}

}  // namespace fitformer::cli
