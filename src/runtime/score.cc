// score_model: tokenize a split, run the sparse runtime (fp32 or fixed point) over it, and
// score it next to the trivial baseline.
#include "runtime/score.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>

#include "core/error.h"
#include "core/progress.h"
#include "data/folder_tokenizer.h"
#include "data/tasks.h"
#include "model/evaluate.h"
#include "model/weights.h"
#include "runtime/sparse_model.h"

namespace fitformer::runtime {
namespace {

// What one scoring run shares: the model, its folder, the options and the length used.
struct Scoring {
  std::filesystem::path dir;
  const SparseModel& model;
  const data::Tokenizer& tokenizer;
  const data::Dataset& dataset;
  std::span<const data::Example> split;
  const ScoreOptions& options;
  int length = 0;

  model::ForwardFn forward() const {
    const model::RunConfig run{options.threads};
    return [this, run](const model::TokenBatch& batch, std::span<float> output) {
      sparse_forward(model, batch, run, output);
    };
  }
};

void score_language_model(const Scoring& s, ModelScore& score) {
  const io::ModelConfig& config = model_config(s.model);
  const bool bars = s.options.progress_bars;
  const bool baseline = s.options.baseline;
  Progress tokenizing("tokenizing", (baseline ? s.dataset.train.size() : 0) + s.split.size(),
                      "docs", bars);
  const auto eval_stream = model::build_token_stream(s.split, s.tokenizer, &tokenizing);
  const auto train_stream =
      baseline ? model::build_token_stream(s.dataset.train, s.tokenizer, &tokenizing)
               : std::vector<int32_t>{};
  tokenizing.finish();
  Progress progress("eval", (eval_stream.size() + s.length - 1) / s.length, "windows", bars);
  const model::LmMetrics m = model::evaluate_language_model(
      s.forward(), config, eval_stream, s.length, s.options.batch_size, &progress);
  progress.finish();
  score.predictions = m.tokens;
  score.metrics = {{"ppl", m.perplexity}, {"acc", m.accuracy}};
  // The windows are the clusters: tokens of one window share their context, so their losses
  // are not independent draws, while windows are far less tied to each other.
  if (const auto nll = t_interval(ratio_mean(m.window_nll, m.window_tokens))) {
    score.intervals["ppl"] = {std::exp(nll->low), std::exp(nll->high), nll->method, nll->units};
  }
  const std::vector<double> correct(m.window_correct.begin(), m.window_correct.end());
  if (auto acc = t_interval(ratio_mean(correct, m.window_tokens))) {
    acc->low = std::max(0.0, acc->low);
    acc->high = std::min(1.0, acc->high);
    score.intervals["acc"] = *acc;
  }
  if (!baseline) return;
  const model::LmMetrics base =
      model::unigram_baseline(train_stream, eval_stream, config.vocab_size);
  score.baseline = {{"ppl", base.perplexity}, {"acc", base.accuracy}};
  score.baseline_kind = "unigram (add-one, train counts)";
}

void score_classifier(const Scoring& s, ModelScore& score) {
  const io::ModelConfig& config = model_config(s.model);
  const bool bars = s.options.progress_bars;
  const std::filesystem::path config_file = s.dir / "config.json";
  Progress tokenizing("tokenizing", s.split.size(), "docs", bars);
  model::EncodedRows rows =
      model::encode_classification(s.split, s.tokenizer, s.length, &tokenizing);
  tokenizing.finish();
  rows.labels = model_label_ids(config, s.dataset.label_names, rows.labels, config_file);
  std::vector<int32_t> train_labels;
  for (const auto& e : s.dataset.train) train_labels.push_back(e.label);
  train_labels = model_label_ids(config, s.dataset.label_names, train_labels, config_file);
  Progress progress("eval", rows.rows(), "examples", bars);
  const auto predicted =
      model::predict_classes(s.forward(), config.num_labels, rows, s.options.batch_size, &progress);
  progress.finish();
  const model::ClassificationMetrics m =
      model::classification_metrics(predicted, rows.labels, config.num_labels);
  const model::ClassificationMetrics base =
      model::majority_baseline(train_labels, rows.labels, config.num_labels);
  score.predictions = m.examples;
  if (m.examples > 0) score.intervals["acc"] = wilson_interval(m.correct, m.examples);
  score.metrics = {
      {"acc", m.accuracy}, {"f1", m.positive_f1.value_or(m.macro_f1)}, {"macro_f1", m.macro_f1}};
  if (!s.options.baseline) return;
  score.baseline = {{"acc", base.accuracy},
                    {"f1", base.positive_f1.value_or(base.macro_f1)},
                    {"macro_f1", base.macro_f1}};
  score.baseline_kind = "majority class of train";
}

}  // namespace

int score_length(const io::ModelConfig& config, int max_length) {
  return max_length > 0 ? max_length : std::min(config.max_position_embeddings, 512);
}

std::unique_ptr<data::Tokenizer> open_model_tokenizer(const std::filesystem::path& dir) {
  const io::ModelConfig config = io::load_model_config(dir / model::kConfigFileName);
  return data::open_folder_tokenizer(dir, config.do_lower_case);
}

std::vector<int32_t> model_label_ids(const io::ModelConfig& config,
                                     std::span<const std::string> dataset_labels,
                                     std::span<const int32_t> ids,
                                     const std::filesystem::path& config_file) {
  if (config.label_names.empty()) {
    if (config.num_labels != static_cast<int>(dataset_labels.size()))
      throw Error(config_file.string(), "num_labels",
                  std::to_string(dataset_labels.size()) + " (the task's labels)",
                  std::to_string(config.num_labels));
    return {ids.begin(), ids.end()};
  }
  std::vector<int32_t> map(dataset_labels.size(), -1);
  for (size_t d = 0; d < dataset_labels.size(); ++d) {
    for (size_t m = 0; m < config.label_names.size(); ++m)
      if (config.label_names[m] == dataset_labels[d]) map[d] = static_cast<int32_t>(m);
    if (map[d] < 0)
      throw Error(config_file.string(), "id2label", "the task's label " + dataset_labels[d],
                  "no such label");
  }
  std::vector<int32_t> out;
  out.reserve(ids.size());
  for (int32_t id : ids) out.push_back(map.at(static_cast<size_t>(id)));
  return out;
}

ModelScore score_model(const std::filesystem::path& model_dir, const io::DataSpec& data,
                       const std::filesystem::path& data_dir, const ScoreOptions& options) {
  if (options.split != "valid" && options.split != "test")
    throw Error("", "split", "valid or test", options.split);
  if (options.batch_size < 1)
    throw Error("", "batch_size", ">= 1", std::to_string(options.batch_size));
  SparseModel model = load_sparse_model(model_dir);
  if (options.precision == Precision::kInt8) convert_to_fixed_point(model, format::ValueType::kI8);
  if (options.precision == Precision::kInt16)
    convert_to_fixed_point(model, format::ValueType::kI16);
  const auto tokenizer = open_model_tokenizer(model_dir);
  Progress reading("reading " + (data.task.empty() ? data.path.string() : data.task), 0, "docs",
                   options.progress_bars);
  const data::Dataset dataset = data::load_dataset(data, data_dir, &reading);
  reading.finish();
  const auto& split = options.split == "valid" ? dataset.valid : dataset.test;

  ModelScore score;
  score.task = dataset.name;
  score.split = options.split;
  score.precision = options.precision;
  score.examples = static_cast<int64_t>(split.size());
  const Scoring s{model_dir,
                  model,
                  *tokenizer,
                  dataset,
                  split,
                  options,
                  score_length(model_config(model), options.max_length)};
  const auto start = std::chrono::steady_clock::now();
  const bool lm = model_config(model).family == io::ModelFamily::kCausalLm;
  if (dataset.kind != (lm ? data::TaskKind::kLanguageModel : data::TaskKind::kClassification)) {
    throw Error(model_dir.string(), "config.json",
                lm ? "a classifier for a classification task"
                   : "a causal language model for a language-model task",
                lm ? "a causal language model" : "a classifier");
  }
  if (lm) {
    score_language_model(s, score);
  } else {
    score_classifier(s, score);
  }
  score.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return score;
}

}  // namespace fitformer::runtime
