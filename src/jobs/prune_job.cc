// Pruning with retraining: the job's checks, key and trainer arguments, and the HPF form.
#include "jobs/prune_job.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.h"
#include "core/hash.h"
#include "core/progress.h"
#include "format/hpf_folder.h"
#include "format/hpf_safetensors.h"
#include "io/recipe.h"
#include "io/safetensors.h"
#include "jobs/folder_lock.h"
#include "jobs/job_key.h"
#include "jobs/trainer_input.h"
#include "sparsity/patterns.h"

namespace fitformer::jobs {
namespace {

// Bad names and ranges, before any work.
void check_job(const PruneJob& job) {
  sparsity::parse_pattern(job.pattern);
  if (job.method != "gradual" && job.method != "admm")
    throw Error("", "method", "gradual or admm", job.method);
  if (!(job.plan.sparsity >= 0 && job.plan.sparsity < 1))
    throw Error("", "sparsity", "a fraction in [0, 1)", fmt::format("{}", job.plan.sparsity));
}

// Whether the trainer writes the job's HPF form.
bool has_hpf_form(const PruneJob& job) {
  return format::has_hpf_form(sparsity::parse_pattern(job.pattern),
                              !job.layers.empty() || !job.layer_sparsity.empty());
}

std::string prune_job_key(const PruneJob& job, const Workspace& workspace) {
  std::vector<std::string> settings = {job.pattern,
                                       job.method,
                                       fmt::format("{}", job.plan.sparsity),
                                       std::to_string(job.steps),
                                       std::to_string(job.plan.block_cols),
                                       std::to_string(job.plan.banks),
                                       std::to_string(job.threads),
                                       fmt::format("{}", job.plan.rho1.value_or(-1)),
                                       fmt::format("{}", job.plan.rho2.value_or(-1))};
  settings.insert(settings.end(), job.layers.begin(), job.layers.end());
  settings.push_back("|");
  settings.insert(settings.end(), job.layer_sparsity.begin(), job.layer_sparsity.end());
  for (const char* f : {"config.json", "model.safetensors"})
    settings.push_back(
        ContentHash().add_file((std::filesystem::path(job.model) / f).string()).hex());
  return job_key("prune", job.recipe, job.profile, workspace, settings);
}

// Tokenizes for the trainer (with the model's own tokenizer) and lists its arguments.
std::vector<std::string> trainer_prune_args(const PruneJob& job, const Workspace& workspace,
                                            const std::filesystem::path& out) {
  const io::Recipe recipe = io::load_recipe(job.recipe, job.profile);
  const bool bars = Progress::terminal_attached() && !job.json;
  const TrainerInput input = tokenize_for_trainer(recipe, workspace, bars, out, job.model);
  std::vector<std::string> args = {"--recipe",      job.recipe,
                                   "--tokens",      input.tokens.string(),
                                   "--out",         out.string(),
                                   "--prune-model", job.model,
                                   "--pattern",     job.pattern,
                                   "--method",      job.method,
                                   "--sparsity",    fmt::format("{}", job.plan.sparsity),
                                   "--steps",       std::to_string(job.steps),
                                   "--block-cols",  std::to_string(job.plan.block_cols),
                                   "--banks",       std::to_string(job.plan.banks)};
  if (job.plan.rho1) args.insert(args.end(), {"--rho1", fmt::format("{}", *job.plan.rho1)});
  if (job.plan.rho2) args.insert(args.end(), {"--rho2", fmt::format("{}", *job.plan.rho2)});
  if (!job.profile.empty()) args.insert(args.end(), {"--profile", job.profile});
  if (job.threads > 0) args.insert(args.end(), {"--threads", std::to_string(job.threads)});
  if (job.checkpoint_every_steps > 0)
    args.insert(args.end(),
                {"--checkpoint-every-steps", std::to_string(job.checkpoint_every_steps)});
  for (const std::string& l : job.layers) args.insert(args.end(), {"--layers", l});
  for (const std::string& l : job.layer_sparsity) args.insert(args.end(), {"--layer-sparsity", l});
  if (job.json) args.push_back("--json");
  return args;
}

// The trainer writes the HPF form from its own final masks (train/prune_finetune.h); checked
// here as an invariant of the folder: decoded, every HPF matrix equals the trainer's
// fine-tuned weights bit for bit, and every other tensor is the same. Returns the line to show.
std::string check_hpf_form(const std::filesystem::path& out) {
  const std::filesystem::path hpf = out / "hpf";
  if (!std::filesystem::exists(hpf / "model.safetensors"))
    throw Error(hpf.string(), "model.safetensors", "the HPF form the trainer writes for HP",
                "none");
  const io::SafeTensorsFile dense = io::SafeTensorsFile::open(out / "model.safetensors");
  const io::SafeTensorsFile sparse = io::SafeTensorsFile::open(hpf / "model.safetensors");
  const std::vector<std::string> names = format::hpf_matrix_names(sparse);
  for (const io::TensorInfo& t : dense.tensors()) {
    const bool packed = std::find(names.begin(), names.end(), t.name) != names.end();
    const std::vector<float> got = packed ? format::hpf_to_dense(format::read_hpf(sparse, t.name))
                                          : sparse.read_f32(t.name, t.shape);
    if (got != dense.read_f32(t.name, t.shape))
      throw Error(hpf.string(), t.name, "the fine-tuned weights, decoded from HPF",
                  "different values");
  }
  return "HPF form for the sparse runtime: " + hpf.string();
}

}  // namespace

std::filesystem::path prune_out(const PruneJob& job, const Workspace& workspace) {
  if (!job.out.empty()) return job.out;
  std::string name =
      fmt::format("{}-{}-s{}", std::filesystem::absolute(job.model).filename().string(),
                  job.pattern, job.plan.sparsity);
  if (job.plan.rho1) name += fmt::format("-rho1_{}", *job.plan.rho1);
  if (job.plan.rho2) name += fmt::format("-rho2_{}", *job.plan.rho2);
  if (job.steps > 0) name += fmt::format("-{}steps", job.steps);
  return workspace.cache_dir / "prune" / (name + "-" + job.method);
}

PruneJobResult run_prune_job(const PruneJob& job, const Workspace& workspace,
                             TrainerOutput output) {
  check_job(job);
  PruneJobResult result;
  result.dir = prune_out(job, workspace);
  const std::filesystem::path& out = result.dir;
  const std::string key = prune_job_key(job, workspace);
  const bool hpf = has_hpf_form(job);
  if (!job.json && job_done(out, key) && (!hpf || std::filesystem::exists(out / "hpf"))) {
    result.cached = true;
    result.note = out.string() + ": cached";
    return result;
  }
  const FolderLock lock(out);  // before tokenizing: that writes the folder too
  clear_job_mark(out);
  run_trainer_or_throw(trainer_path(), trainer_prune_args(job, workspace, out), output);
  if (hpf) {
    result.note = check_hpf_form(out);
  } else if (sparsity::parse_pattern(job.pattern) == sparsity::Pattern::kHp) {
    result.note = "no HPF form: per-layer settings (it is written for one plan on every layer)";
  }
  mark_job_done(out, key);
  return result;
}

}  // namespace fitformer::jobs
