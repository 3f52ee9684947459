// run_select in its steps: check the request, get the dense model, resolve AC, run the loop
// with the real steps, rank the devices, write the artifacts.
#include "explore/select_run.h"

#include <fmt/format.h>

#include <cstdio>

#include "core/error.h"
#include "data/tasks.h"
#include "io/catalog.h"
#include "io/model_config.h"
#include "io/recipe.h"
#include "jobs/prune_job.h"
#include "jobs/train_job.h"
#include "model/weights.h"
#include "runtime/score.h"

namespace fitformer::explore {
namespace {

namespace fs = std::filesystem;

std::string ms(double us) {
  return fmt::format("{:.4g} ms", us / 1e3);
}

// One line per step on stderr, for the person watching (library code never writes stdout).
void log_line(const SelectRequest& request, const std::string& line) {
  if (request.log) fmt::print(stderr, "select: {}\n", line);
}

// The request's names and numbers, parsed and checked before any work.
struct CheckedRequest {
  double lc_us = 0;
  Objective objective = Objective::kPrice;
  std::optional<AccuracyConstraint> ac;  // absent: from ac_drop once the dense model is scored
  std::optional<AccuracyDrop> drop;      // --ac-drop, read
  std::string drop_metric;               // what --ac-drop is relative to
  io::Recipe recipe;
  std::vector<io::DeviceSpec> catalog;
  std::vector<format::Precision> precisions;
  std::vector<int64_t> banks;  // --banks, else the recipe's select.banks
  DeviceScope scope;
};

// The dense model's job: trained when its folder is absent.
jobs::TrainJob train_job_of(const SelectRequest& r) {
  jobs::TrainJob train;
  train.recipe_file = r.recipe_file;
  train.profile = r.profile;
  train.out = r.model_dir;
  return train;
}

// Whether the dense model is a language model, and its longest sequence with where that
// limit comes from: the model folder's config.json when it exists (a given --model, or a
// finished run), else the recipe's [model], which the training will follow.
struct ModelShape {
  bool language_model = false;
  int64_t max_positions = 0;
  std::string source;
};

ModelShape model_shape(const SelectRequest& r, const io::Recipe& recipe) {
  const fs::path config =
      jobs::train_out(train_job_of(r), recipe, r.workspace) / model::kConfigFileName;
  ModelShape shape;
  if (fs::exists(config)) {
    const io::ModelConfig c = io::load_model_config(config);
    shape.language_model = c.family == io::ModelFamily::kCausalLm;
    shape.max_positions = c.max_position_embeddings;
    shape.source = "max_position_embeddings of " + config.string();
    return shape;
  }
  if (recipe.model.family != "causal-lm" && recipe.model.family != "bert-classifier")
    throw Error(recipe.file.string(), "model.family", "causal-lm or bert-classifier",
                "\"" + recipe.model.family + "\"");
  shape.language_model = recipe.model.family == "causal-lm";
  shape.max_positions = recipe.model.max_length;
  shape.source = "model.max_length of " + recipe.file.string();
  return shape;
}

CheckedRequest check_request(const SelectRequest& r) {
  if (r.ac.empty() == r.ac_drop.empty())
    throw Error("", "--ac", "--ac METRIC>=VALUE or --ac-drop PERCENT",
                r.ac.empty() ? "neither" : "both");
  CheckedRequest c;
  c.lc_us = parse_latency(r.lc);
  c.objective = parse_objective(r.objective);
  if (!r.ac.empty()) c.ac = parse_accuracy_constraint(r.ac);
  if (!r.ac_drop.empty()) c.drop = parse_drop(r.ac_drop);
  if (r.batch < 1) throw Error("", "--batch", "at least 1", std::to_string(r.batch));
  if (r.seq < 0)
    throw Error("", "--seq", "a positive length (0: the model's longest)", std::to_string(r.seq));
  if (r.threads < 1) throw Error("", "--threads", "at least 1", std::to_string(r.threads));
  c.catalog = io::load_catalog(r.catalog.empty() ? io::default_catalog_path() : r.catalog);
  c.scope = DeviceScope{r.devices, r.exclude_devices, r.include_host};
  check_scope(c.scope, c.catalog);
  c.recipe = io::load_recipe(r.recipe_file, r.profile);
  for (const std::string& p : c.recipe.select.precisions)
    c.precisions.push_back(format::parse_precision(p));
  if (r.banks.empty()) {
    check_banks(c.recipe.select.banks, "select.banks", c.recipe.file.string());
    c.banks = c.recipe.select.banks;
  } else {
    check_banks(r.banks, "--banks");
    c.banks = r.banks;
  }

  const ModelShape shape = model_shape(r, c.recipe);
  if (c.ac) check_task_metric(c.ac->metric, shape.language_model, "--ac");
  c.drop_metric = !c.recipe.select.metric.empty() ? c.recipe.select.metric
                  : shape.language_model          ? "ppl"
                                                  : "acc";
  if (!c.recipe.select.metric.empty())
    check_task_metric(c.recipe.select.metric, shape.language_model, "select.metric",
                      c.recipe.file.string());
  if (r.seq > shape.max_positions)
    throw Error("", "--seq",
                "at most " + std::to_string(shape.max_positions) + " (" + shape.source + ")",
                std::to_string(r.seq));
  // The data the dense model trains on and every candidate is scored on: a missing folder or
  // a malformed file is reported now, not after a training run.
  data::load_dataset(c.recipe.data, r.workspace.data_dir);
  return c;
}

// The loop's steps as `fitformer select` runs them: pruning as jobs (fitformer-train, cached),
// scoring cached by content, predicting on the catalog.
class SelectSteps : public LoopSteps {
 public:
  SelectSteps(const SelectRequest& request, const CheckedRequest& checked, fs::path dense_dir,
              DevicePredictor& predictor)
      : request_(request),
        checked_(checked),
        dense_dir_(std::move(dense_dir)),
        predictor_(predictor) {
    score_options_.split = "valid";
    score_options_.threads = 0;  // every core: scoring runs alone, between trainer runs
    score_options_.progress_bars = request.progress_bars;
    score_options_.baseline = false;
  }

  LoopModel dense_model() override { return LoopModel{dense_plan(), dense_dir_}; }

  LoopModel prune(const sparsity::HpPlan& plan) override {
    log(fmt::format("pruning {} and fine-tuning", sparsity::describe(plan)));
    jobs::PruneJob job;
    job.model = dense_dir_.string();
    job.recipe = request_.recipe_file.string();
    job.profile = request_.profile;
    job.pattern = "hp";
    job.plan = plan;
    // The trainer's default split is rho2 = 0.5; leaving it implicit shares the prune cache
    // with `fitformer prune` runs that did not name it.
    if (job.plan.rho2 == sparsity::kDefaultRho2) job.plan.rho2.reset();
    job.steps = checked_.recipe.select.prune_steps;
    const jobs::PruneJobResult pruned =
        jobs::run_prune_job(job, request_.workspace, jobs::TrainerOutput::kToStderr);
    if (!pruned.note.empty() && request_.log) fmt::print(stderr, "{}\n", pruned.note);
    return LoopModel{plan, pruned.dir};
  }

  MetricScore score(const devices::Candidate& c) override {
    return metric_of(c.model_dir, c.precision, ac_metric_);
  }

  std::vector<DeviceLatency> predict(const devices::Candidate& c, std::size_t index) override {
    return predictor_.predict(c, index);
  }

  void log(const std::string& line) override { log_line(request_, line); }

  // The metric `metric` of a model folder at a precision on the valid split (cached), with its
  // interval when it has one.
  MetricScore metric_of(const fs::path& dir, format::Precision precision,
                        const std::string& metric) {
    score_options_.precision = precision;
    const runtime::ModelScore s =
        cached_score(dir, checked_.recipe.data, request_.workspace.data_dir,
                     request_.workspace.cache_dir, score_options_);
    const auto it = s.metrics.find(metric);
    if (it == s.metrics.end())
      throw Error("", checked_.ac ? "--ac" : "select.metric",
                  predictor_.config.family == io::ModelFamily::kCausalLm
                      ? "ppl or acc (a language model's metrics)"
                      : "acc or f1 (a classifier's metrics)",
                  metric);
    MetricScore score{it->second, std::nullopt};
    if (const auto i = s.intervals.find(metric); i != s.intervals.end()) score.interval = i->second;
    return score;
  }

  void set_metric(std::string metric) { ac_metric_ = std::move(metric); }

 private:
  static sparsity::HpPlan dense_plan() {
    sparsity::HpPlan plan;
    plan.sparsity = 0;
    return plan;
  }

  const SelectRequest& request_;
  const CheckedRequest& checked_;
  const fs::path dense_dir_;
  DevicePredictor& predictor_;
  runtime::ScoreOptions score_options_;
  std::string ac_metric_;
};

// The dense model, trained when absent (a job: a finished run folder returns at once).
fs::path dense_model_dir(const SelectRequest& r) {
  return jobs::run_train_job(train_job_of(r), r.workspace, r.progress_bars,
                             jobs::TrainerOutput::kToStderr);
}

DevicePredictor make_predictor(const SelectRequest& r, const CheckedRequest& c,
                               const io::ModelConfig& config) {
  DevicePredictor predictor;
  predictor.devices = c.catalog;
  predictor.config = config;
  predictor.seq = r.seq > 0 ? r.seq : config.max_position_embeddings;
  predictor.batch = r.batch;
  predictor.options.cache_dir = r.workspace.cache_dir;
  predictor.options.host_threads = r.threads;
  return predictor;
}

LoopSettings loop_settings(const CheckedRequest& c) {
  LoopSettings settings;
  settings.sparsity_grid = c.recipe.select.sparsity_grid;
  settings.rho2 = c.recipe.select.rho2;
  settings.other_rho2 = c.recipe.select.other_rho2;
  settings.precisions = c.precisions;
  settings.banks = c.banks;
  return settings;
}

fs::path out_dir_of(const SelectRequest& r, const io::Recipe& recipe) {
  if (!r.out_dir.empty()) return r.out_dir;
  return r.workspace.runs_dir() /
         (recipe.name + (r.profile.empty() ? "" : "-" + r.profile) + "-select");
}

}  // namespace

SelectOutcome run_select(const SelectRequest& request) {
  const CheckedRequest checked = check_request(request);
  if (checked.drop && !checked.drop->percent)
    log_line(request, fmt::format("--ac-drop {} read as a fraction: {:g}% (write {:g}% to say so, "
                                  "or {}% for {} percent)",
                                  request.ac_drop, checked.drop->fraction * 100,
                                  checked.drop->fraction * 100, request.ac_drop, request.ac_drop));
  SelectOutcome outcome;
  SelectRun& run = outcome.run;
  run.command = request.command;
  run.recipe_file = request.recipe_file.string();
  run.profile = request.profile;
  run.task = checked.recipe.name;
  run.lc_us = checked.lc_us;
  run.objective = checked.objective;
  run.scope = checked.scope;

  log_line(request, "dense model (trained when absent)");
  const fs::path dense_dir = dense_model_dir(request);
  const io::ModelConfig config = io::load_model_config(dense_dir / model::kConfigFileName);
  run.predictor = make_predictor(request, checked, config);
  SelectSteps steps(request, checked, dense_dir, run.predictor);

  // AC: as given, or relative to the dense model at fp32 on the recipe's metric.
  const MetricScore dense = steps.metric_of(dense_dir, format::Precision::kFp32,
                                            checked.ac ? checked.ac->metric : checked.drop_metric);
  run.dense_fp32_metric = dense.value;
  run.dense_fp32_interval = dense.interval;
  run.ac = checked.ac ? *checked.ac
                      : accuracy_drop_constraint(*checked.drop, checked.drop_metric,
                                                 run.dense_fp32_metric);
  log_line(request, fmt::format("AC {} (dense fp32 {} = {:.4g}), LC {}", to_string(run.ac),
                                run.ac.metric, run.dense_fp32_metric, ms(run.lc_us)));
  steps.set_metric(run.ac.metric);

  run.loop = run_closed_loop(run.ac, loop_settings(checked), steps);
  run.selection = select_device(run.loop.candidates, run.loop.latencies, checked.catalog, run.lc_us,
                                run.ac, run.objective, run.scope);
  log_line(request, "the selection with each modeled assumption moved");
  run.sensitivity = check_sensitivity(run.loop.candidates, run.predictor, run.selection, run.lc_us,
                                      run.ac, run.objective, run.scope);
  outcome.out_dir = out_dir_of(request, checked.recipe);
  fs::create_directories(outcome.out_dir);
  if (run.selection.feasible) outcome.artifacts = write_artifacts(run, outcome.out_dir);
  return outcome;
}

}  // namespace fitformer::explore
