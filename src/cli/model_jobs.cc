#include "cli/model_jobs.h"

#include <fmt/format.h>

#include "cli/trainer_process.h"
#include "core/error.h"
#include "core/files.h"
#include "core/hash.h"
#include "core/progress.h"
#include "io/safetensors.h"
#include "runtime/prune.h"
#include "sparsity/patterns.h"

namespace fitformer::cli {
namespace {

void run_or_throw(const std::filesystem::path& tool, std::vector<std::string> args,
                  TrainerOutput output) {
  const int status = run_trainer(tool, std::move(args), output == TrainerOutput::kToStderr);
  if (status != 0)
    throw Error(tool.string(), "exit status", "0 (its own message is above)",
                std::to_string(status));
}

// The HPF form must hold exactly the fine-tuned weights: decoded back to dense, every tensor
// equals the trainer's bit for bit. It would differ only if a kept weight were exactly zero
// and the re-derived mask chose another slot, which changes no value but is checked anyway.
void check_hpf_matches(const std::filesystem::path& dense, const std::filesystem::path& hpf) {
  const std::filesystem::path decoded = hpf.string() + ".check";
  runtime::densify_model_folder(hpf, decoded);
  const io::SafeTensorsFile a = io::SafeTensorsFile::open(dense / "model.safetensors");
  const io::SafeTensorsFile b = io::SafeTensorsFile::open(decoded / "model.safetensors");
  for (const io::TensorInfo& t : a.tensors())
    if (a.read_f32(t.name, t.shape) != b.read_f32(t.name, t.shape))
      throw Error(hpf.string(), t.name, "the fine-tuned weights, decoded from HPF",
                  "different values");
  std::filesystem::remove_all(decoded);
}

// The HPF form, redone whenever the trainer wrote a newer folder. HP of |W| on the masked
// weights with the same split finds the same mask: kept weights are nonzero, pruned zero.
void write_hpf_form(const PruneJob& job, const std::filesystem::path& out, TrainerOutput output) {
  const std::filesystem::path hpf = out / "hpf";
  const auto stamp = out / "prune.json";
  if (std::filesystem::exists(hpf / "model.safetensors") &&
      std::filesystem::last_write_time(hpf / "model.safetensors") >=
          std::filesystem::last_write_time(stamp))
    return;
  runtime::HpPruneSpec spec;
  spec.sparsity = job.sparsity;
  spec.rho1 = job.rho1;
  spec.rho2 = job.rho2;
  spec.block_cols = job.block_cols;
  spec.banks = job.banks;
  runtime::prune_model_folder(out, hpf, spec);
  check_hpf_matches(out, hpf);
  if (job.json) return;
  fmt::print(output == TrainerOutput::kToStderr ? stderr : stdout,
             "HPF form for the sparse runtime: {}\n", hpf.string());
}

// What a job's result depends on, read without tokenizing: the recipe's text and profile,
// the data (a built-in task is pinned by checksum at setup; a user's file or folder is
// hashed), and `extra` (the job's own settings). The trainer keeps its own, stricter key over
// the tokens; this one lets a repeated job return before tokenizing (seconds on sotu-lm).
std::string request_key(const std::string& kind, const std::string& recipe_file,
                        const std::string& profile, const GlobalOptions& global,
                        const std::vector<std::string>& extra) {
  const io::Recipe recipe = io::load_recipe(recipe_file, profile);
  ContentHash h;
  h.add(std::string_view("fitformer model job v1")).add(std::string_view(kind));
  h.add(std::string_view(read_file(recipe_file))).add(std::string_view(profile));
  h.add(std::string_view(recipe.data.task));
  if (!recipe.data.task.empty()) {
    h.add(std::string_view(std::filesystem::absolute(global.data_dir).string()));
  } else if (std::filesystem::is_directory(recipe.data.path)) {
    for (const std::filesystem::path& f : list_files(recipe.data.path))
      h.add(std::string_view(f.filename().string())).add_file(f.string());
  } else {
    h.add_file(recipe.data.path.string());
  }
  for (const std::string& e : extra) h.add(std::string_view(e));
  return h.hex();
}

// <out>/job.key names the request that last completed there.
bool job_done(const std::filesystem::path& out, const std::string& key) {
  const std::filesystem::path file = out / "job.key";
  return std::filesystem::exists(file) && std::filesystem::exists(out / "model.safetensors") &&
         read_file(file) == key + "\n";
}

void mark_job_done(const std::filesystem::path& out, const std::string& key) {
  write_file_atomic(out / "job.key", key + "\n");
}

}  // namespace

std::filesystem::path train_out(const TrainJob& job, const io::Recipe& recipe) {
  if (!job.out.empty()) return job.out;
  return std::filesystem::path("runs") /
         (recipe.name + (recipe.profile.empty() ? "" : "-" + recipe.profile));
}

std::vector<std::string> prepare_training(const TrainJob& job, const GlobalOptions& global,
                                          bool bars) {
  const io::Recipe recipe = io::load_recipe(job.recipe_file, job.profile);
  const std::filesystem::path out = train_out(job, recipe);
  const TrainerInput input = tokenize_for_trainer(recipe, global, bars, out);
  std::vector<std::string> args = {"--recipe",
                                   job.recipe_file,
                                   "--tokens",
                                   input.tokens.string(),
                                   "--tokenizer-file",
                                   input.tokenizer_file.string(),
                                   "--out",
                                   out.string(),
                                   "--task",
                                   recipe.data.task};
  if (!job.profile.empty()) args.insert(args.end(), {"--profile", job.profile});
  if (job.threads > 0) args.insert(args.end(), {"--threads", std::to_string(job.threads)});
  if (job.restart) args.push_back("--restart");
  if (job.json) args.push_back("--json");
  return args;
}

std::filesystem::path train_model(const TrainJob& job, const GlobalOptions& global, bool bars,
                                  TrainerOutput output) {
  const std::filesystem::path tool = trainer_path();
  const std::filesystem::path out = train_out(job, io::load_recipe(job.recipe_file, job.profile));
  const std::string key =
      request_key("train", job.recipe_file, job.profile, global, {std::to_string(job.threads)});
  if (!job.restart && job_done(out, key)) return out;
  std::filesystem::remove(out / "job.key");
  run_or_throw(tool, prepare_training(job, global, bars), output);
  mark_job_done(out, key);
  return out;
}

std::filesystem::path prune_out(const PruneJob& job, const GlobalOptions& global) {
  if (!job.out.empty()) return job.out;
  std::string name =
      fmt::format("{}-{}-s{}", std::filesystem::absolute(job.model).filename().string(),
                  job.pattern, job.sparsity);
  if (job.rho1) name += fmt::format("-rho1_{}", *job.rho1);
  if (job.rho2) name += fmt::format("-rho2_{}", *job.rho2);
  if (job.steps > 0) name += fmt::format("-{}steps", job.steps);
  return std::filesystem::path(global.cache_dir) / "prune" / (name + "-" + job.method);
}

std::filesystem::path prune_model(const PruneJob& job, const GlobalOptions& global,
                                  TrainerOutput output) {
  const sparsity::Pattern pattern = sparsity::parse_pattern(job.pattern);
  if (job.method != "gradual" && job.method != "admm")
    throw Error("", "method", "gradual or admm", job.method);
  if (!(job.sparsity >= 0 && job.sparsity < 1))
    throw Error("", "sparsity", "a fraction in [0, 1)", fmt::format("{}", job.sparsity));
  const std::filesystem::path tool = trainer_path();
  const io::Recipe recipe = io::load_recipe(job.recipe, job.profile);
  const bool bars = Progress::terminal_attached() && !job.json;
  const std::filesystem::path out = prune_out(job, global);

  std::vector<std::string> settings = {job.pattern,
                                       job.method,
                                       fmt::format("{}", job.sparsity),
                                       std::to_string(job.steps),
                                       std::to_string(job.block_cols),
                                       std::to_string(job.banks),
                                       std::to_string(job.threads),
                                       fmt::format("{}", job.rho1.value_or(-1)),
                                       fmt::format("{}", job.rho2.value_or(-1))};
  settings.insert(settings.end(), job.layers.begin(), job.layers.end());
  settings.push_back("|");
  settings.insert(settings.end(), job.layer_sparsity.begin(), job.layer_sparsity.end());
  for (const char* f : {"config.json", "model.safetensors"})
    settings.push_back(
        ContentHash().add_file((std::filesystem::path(job.model) / f).string()).hex());
  const std::string key = request_key("prune", job.recipe, job.profile, global, settings);
  const bool hpf_wanted =
      pattern == sparsity::Pattern::kHp && job.layers.empty() && job.layer_sparsity.empty();
  if (!job.json && job_done(out, key) && (!hpf_wanted || std::filesystem::exists(out / "hpf"))) {
    if (!job.json)
      fmt::print(output == TrainerOutput::kToStderr ? stderr : stdout, "{}: cached\n",
                 out.string());
    return out;
  }
  std::filesystem::remove(out / "job.key");
  const TrainerInput input = tokenize_for_trainer(recipe, global, bars, out, job.model);
  std::vector<std::string> args = {"--recipe",      job.recipe,
                                   "--tokens",      input.tokens.string(),
                                   "--out",         out.string(),
                                   "--prune-model", job.model,
                                   "--pattern",     job.pattern,
                                   "--method",      job.method,
                                   "--sparsity",    fmt::format("{}", job.sparsity),
                                   "--steps",       std::to_string(job.steps),
                                   "--block-cols",  std::to_string(job.block_cols),
                                   "--banks",       std::to_string(job.banks)};
  if (job.rho1) args.insert(args.end(), {"--rho1", fmt::format("{}", *job.rho1)});
  if (job.rho2) args.insert(args.end(), {"--rho2", fmt::format("{}", *job.rho2)});
  if (!job.profile.empty()) args.insert(args.end(), {"--profile", job.profile});
  if (job.threads > 0) args.insert(args.end(), {"--threads", std::to_string(job.threads)});
  for (const std::string& l : job.layers) args.insert(args.end(), {"--layers", l});
  for (const std::string& l : job.layer_sparsity) args.insert(args.end(), {"--layer-sparsity", l});
  if (job.json) args.push_back("--json");
  run_or_throw(tool, std::move(args), output);

  if (pattern != sparsity::Pattern::kHp) {
    mark_job_done(out, key);
    return out;
  }
  if (!job.layers.empty() || !job.layer_sparsity.empty()) {
    mark_job_done(out, key);
    // prune_model_folder applies one split to every encoder linear; with other choices per
    // layer it would re-mask them differently, so the HPF form is left out, not mis-made.
    if (!job.json)
      fmt::print(output == TrainerOutput::kToStderr ? stderr : stdout,
                 "no HPF form: per-layer settings (the runtime's writer takes one sparsity)\n");
    return out;
  }
  write_hpf_form(job, out, output);
  mark_job_done(out, key);
  return out;
}

}  // namespace fitformer::cli
