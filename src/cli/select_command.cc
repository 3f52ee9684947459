// `fitformer select`: the product (DESIGN.md §1, §9). Gets the dense model (training it when
// absent), runs the closed loop (explore/closed_loop.h) with training and pruning done by
// fitformer-train and scoring and prediction by explore/loop_steps.h, ranks the devices
// (explore/select.h), and writes the result JSON, the HTML report and the deployable
// artifacts. Exit 2 when no device meets both constraints, with the nearest feasible points.
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>

#include "cli/commands.h"
#include "cli/model_jobs.h"
#include "core/error.h"
#include "core/files.h"
#include "core/progress.h"
#include "explore/closed_loop.h"
#include "explore/loop_steps.h"
#include "explore/report.h"
#include "explore/select.h"
#include "explore/select_output.h"
#include "io/catalog.h"
#include "io/model_config.h"
#include "io/recipe.h"
#include "model/weights.h"

namespace fitformer::cli {
namespace {

namespace fs = std::filesystem;

struct SelectOptions {
  std::string recipe, profile, model, lc, ac, ac_drop, objective = "price", devices, out, catalog;
  int64_t batch = 1;
  int64_t seq = 0;  // 0: the model's max_position_embeddings
  int threads = 1;  // the runtime's threads when the host's latency is measured
  bool json = false;
  std::string command;  // as typed, for the report
};

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find(',', start);
    const std::string item =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string ms(double us) {
  return fmt::format("{:.4g} ms", us / 1e3);
}

std::string describe(const explore::CandidatePoint& c) {
  const std::string precision(runtime::precision_name(c.precision));
  if (c.sparsity == 0) return "dense, " + precision;
  return fmt::format("HP {:.0f}% (rho2 {}), {}", c.sparsity * 100, c.rho2.value_or(0.5), precision);
}

std::string provenance(const explore::SelectRun& run, const std::string& device, size_t c) {
  const auto it = run.predictor->estimates.find({device, c});
  return it == run.predictor->estimates.end()
             ? "modeled"
             : std::string(accel::provenance_name(it->second.provenance));
}

void print_point(const explore::SelectRun& run, const char* label,
                 const std::optional<explore::PointOnDevice>& p) {
  if (!p) {
    fmt::print("  {}: none\n", label);
    return;
  }
  const explore::CandidatePoint& c = run.loop.candidates[p->candidate];
  fmt::print("  {}: {} {} ({}) on {}, {} = {:.4g} (measured)\n", label, ms(p->latency_us),
             provenance(run, p->device_id, p->candidate), describe(c), p->device_id, run.ac.metric,
             p->metric_value);
}

void print_text(const explore::SelectRun& run, const explore::Artifacts* artifacts,
                const fs::path& report, const fs::path& result_file) {
  const explore::Selection& sel = run.selection;
  fmt::print("\nmodels, {} on the valid split (measured):\n", run.ac.metric);
  for (size_t i = 0; i < run.loop.candidates.size(); ++i) {
    const explore::CandidatePoint& c = run.loop.candidates[i];
    fmt::print("  [{:2}] {:32} {} = {:9.4g}{}\n", i, describe(c), c.metric, c.metric_value,
               explore::meets(run.ac, c.metric_value) ? "" : "  fails AC");
  }
  fmt::print("\ndevices (LC {}, AC {}, objective {}):\n", ms(run.lc_us), to_string(run.ac),
             explore::objective_name(run.objective));
  for (const explore::DeviceOutcome& d : sel.devices) {
    std::string best = "-";
    if (d.best)
      best = fmt::format("{} {} [{}]", ms(d.best->latency_us),
                         provenance(run, d.device_id, d.best->candidate), d.best->candidate);
    fmt::print("  {:13} {:30} {}\n", d.device_id, best, d.chosen ? "CHOSEN" : d.reason);
  }
  if (sel.feasible) {
    const explore::CandidatePoint& c = run.loop.candidates[sel.candidate];
    const io::DeviceSpec* device = nullptr;
    for (const io::DeviceSpec& d : run.predictor->devices)
      if (d.id == sel.device_id) device = &d;
    fmt::print(
        "\nchosen: {} ({}, {} USD, {} W): {}, {} = {:.4g} (measured) meets {}; {} {} "
        "<= LC {}\n",
        sel.device_id, device->name, device->price_usd, device->power_w, describe(c), c.metric,
        c.metric_value, to_string(run.ac), ms(sel.latency_us),
        provenance(run, sel.device_id, sel.candidate), ms(run.lc_us));
  } else {
    fmt::print("\nno device meets both constraints (LC {}, AC {}). Nearest feasible points:\n",
               ms(run.lc_us), to_string(run.ac));
    print_point(run, "best latency at AC", sel.best_latency_at_ac);
    print_point(run, fmt::format("best {} within LC", run.ac.metric).c_str(),
                sel.best_accuracy_at_lc);
  }
  if (artifacts) {
    fmt::print("model: {}\ndeployment: {}\n", artifacts->model.string(),
               artifacts->deployment.string());
    if (!artifacts->accelerator.empty())
      fmt::print("accelerator configuration: {}\n", artifacts->accelerator.string());
  }
  fmt::print("result: {}\nreport: {}\n", result_file.string(), report.string());
}

void log_line(const std::string& line) {
  fmt::print(stderr, "select: {}\n", line);
}

int run_select(const SelectOptions& o, const GlobalOptions& global) {
  const double lc_us = explore::parse_latency(o.lc);
  const explore::Objective objective = explore::parse_objective(o.objective);
  std::optional<explore::AccuracyConstraint> ac;
  if (!o.ac.empty()) ac = explore::parse_accuracy_constraint(o.ac);
  const io::Recipe recipe = io::load_recipe(o.recipe, o.profile);
  const std::vector<io::DeviceSpec> catalog =
      io::load_catalog(o.catalog.empty() ? io::default_catalog_path() : fs::path(o.catalog));
  const std::vector<std::string> subset = split_list(o.devices);
  if (o.batch < 1) throw Error("", "--batch", "at least 1", std::to_string(o.batch));
  std::vector<runtime::Precision> precisions;
  for (const std::string& p : recipe.select.precisions)
    precisions.push_back(runtime::parse_precision(p));
  const bool bars = Progress::terminal_attached() && !o.json;

  log_line("dense model (trained when absent)");
  TrainJob train;
  train.recipe_file = o.recipe;
  train.profile = o.profile;
  train.out = o.model;
  const fs::path dense_dir = train_model(train, global, bars, TrainerOutput::kToStderr);
  const io::ModelConfig config = io::load_model_config(dense_dir / model::kConfigFileName);
  const bool lm = config.family == io::ModelFamily::kCausalLm;

  runtime::ScoreOptions score_options;
  score_options.split = "valid";
  score_options.threads = 0;  // every core: scoring runs alone, between trainer runs
  score_options.progress_bars = bars;
  score_options.baseline = false;
  auto metric_of = [&](const fs::path& dir, runtime::Precision p, const std::string& metric) {
    score_options.precision = p;
    const runtime::ModelScore s =
        explore::cached_score(dir, recipe.data, global.data_dir, global.cache_dir, score_options);
    const auto it = s.metrics.find(metric);
    if (it == s.metrics.end())
      throw Error(
          "", ac ? "--ac" : "select.metric",
          lm ? "ppl or acc (a language model's metrics)" : "acc or f1 (a classifier's metrics)",
          metric);
    return it->second;
  };
  const std::string drop_metric =
      !recipe.select.metric.empty() ? recipe.select.metric : (lm ? "ppl" : "acc");
  const double dense_fp32 =
      metric_of(dense_dir, runtime::Precision::kFp32, ac ? ac->metric : drop_metric);
  if (!ac) ac = explore::parse_accuracy_drop(o.ac_drop, drop_metric, dense_fp32);
  log_line(fmt::format("AC {} (dense fp32 {} = {:.4g}), LC {}", to_string(*ac), ac->metric,
                       dense_fp32, ms(lc_us)));

  explore::DevicePredictor predictor;
  predictor.devices = catalog;
  predictor.config = config;
  predictor.seq = o.seq > 0 ? o.seq : config.max_position_embeddings;
  predictor.batch = o.batch;
  predictor.options.cache_dir = fs::path(global.cache_dir);
  predictor.options.host_threads = o.threads;

  explore::LoopSettings settings;
  settings.sparsity_grid = recipe.select.sparsity_grid;
  settings.rho2 = recipe.select.rho2;
  settings.other_rho2 = recipe.select.other_rho2;
  settings.precisions = precisions;

  explore::LoopActions actions;
  actions.dense_model = [&] { return explore::LoopModel{0, std::nullopt, dense_dir}; };
  actions.prune = [&](const explore::PruneRequest& r) {
    log_line(fmt::format("pruning HP {:.0f}% (rho2 {}) and fine-tuning", r.sparsity * 100, r.rho2));
    PruneJob job;
    job.model = dense_dir.string();
    job.recipe = o.recipe;
    job.profile = o.profile;
    job.pattern = "hp";
    job.sparsity = r.sparsity;
    // The trainer's default split is rho2 = 0.5; leaving it implicit shares the prune cache
    // with `fitformer prune` runs that did not name it.
    if (r.rho2 != 0.5) job.rho2 = r.rho2;
    job.steps = recipe.select.prune_steps;
    return explore::LoopModel{r.sparsity, r.rho2,
                              prune_model(job, global, TrainerOutput::kToStderr)};
  };
  actions.score = [&](const explore::LoopModel& m, runtime::Precision p) {
    return metric_of(m.dir, p, ac->metric);
  };
  actions.predict = [&](const explore::LoopModel& m, runtime::Precision p, size_t candidate) {
    return predictor.predict(m, p, candidate);
  };
  actions.log = log_line;

  explore::SelectRun run;
  run.command = o.command;
  run.recipe_file = o.recipe;
  run.profile = o.profile;
  run.task = recipe.name;
  run.lc_us = lc_us;
  run.ac = *ac;
  run.objective = objective;
  run.subset = subset;
  run.dense_fp32_metric = dense_fp32;
  run.loop = explore::run_closed_loop(*ac, settings, actions);
  run.selection = explore::select_device(run.loop.candidates, run.loop.latencies, catalog, lc_us,
                                         *ac, objective, subset);
  run.predictor = &predictor;

  const fs::path out_dir =
      !o.out.empty() ? fs::path(o.out)
                     : fs::path("runs") /
                           (recipe.name + (o.profile.empty() ? "" : "-" + o.profile) + "-select");
  fs::create_directories(out_dir);
  std::optional<explore::Artifacts> artifacts;
  if (run.selection.feasible) artifacts = explore::write_artifacts(run, out_dir);
  nlohmann::json result = explore::result_json(run);
  if (artifacts) {
    result["artifacts"] = {{"model", artifacts->model.string()},
                           {"deployment", artifacts->deployment.string()}};
    if (!artifacts->accelerator.empty())
      result["artifacts"]["accelerator"] = artifacts->accelerator.string();
  }
  const fs::path result_file = out_dir / "result.json";
  write_file_atomic(result_file, result.dump(2) + "\n");
  const fs::path report = explore::write_report(result, out_dir);
  result["report"] = report.string();
  write_file_atomic(result_file, result.dump(2) + "\n");

  if (o.json)
    fmt::print("{}\n", result.dump(2));
  else
    print_text(run, artifacts ? &*artifacts : nullptr, report, result_file);
  return run.selection.feasible ? 0 : 2;
}

}  // namespace

void add_select_command(CLI::App& app, const GlobalOptions& global, const std::string& command) {
  auto o = std::make_shared<SelectOptions>();
  o->command = command;
  CLI::App* cmd = app.add_subcommand(
      "select",
      "Find the cheapest device meeting a latency and an accuracy constraint, with the pruned "
      "model and accelerator configuration to run there");
  cmd->add_option("--recipe", o->recipe, "Recipe (recipes/TASK.toml)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--profile", o->profile, "Profile of the recipe: quick or full");
  cmd->add_option(
      "--model", o->model,
      "Dense model folder (default runs/<recipe>-<profile>; trained there when absent)");
  cmd->add_option("--lc", o->lc, "Latency constraint per forward: 5ms, 250us, 0.5s")->required();
  auto* ac = cmd->add_option("--ac", o->ac, "Accuracy constraint: acc>=0.80, f1>=0.9, ppl<=180");
  auto* drop = cmd->add_option("--ac-drop", o->ac_drop,
                               "Accuracy constraint relative to the dense model: 1% (its "
                               "select.metric, default ppl for a language model, acc otherwise)");
  ac->excludes(drop);
  cmd->add_option("--objective", o->objective, "What cheapest means: price, power or latency")
      ->capture_default_str();
  cmd->add_option("--devices", o->devices, "Only these catalog ids (comma-separated)");
  cmd->add_option("--batch", o->batch, "Sequences per forward")->capture_default_str();
  cmd->add_option("--seq", o->seq, "Sequence length (default: the model's maximum)");
  cmd->add_option("--threads", o->threads, "Threads of the host's latency measurement")
      ->capture_default_str();
  cmd->add_option("--catalog", o->catalog, "Device catalog (default catalog/devices.toml)");
  cmd->add_option("--out", o->out, "Output folder (default runs/<recipe>-<profile>-select)");
  cmd->add_flag("--json", o->json, "Print the result JSON");
  cmd->callback([o, &global]() {
    if (o->ac.empty() && o->ac_drop.empty())
      throw Error("", "--ac", "--ac METRIC>=VALUE or --ac-drop PERCENT", "neither");
    if (const int status = run_select(*o, global); status != 0) {
      std::fflush(stdout);
      std::exit(status);
    }
  });
}

}  // namespace fitformer::cli
