// The train step: tokenize, run the trainer, mark the run folder done.
#include "jobs/train_job.h"

#include "jobs/folder_lock.h"
#include "jobs/job_key.h"
#include "jobs/trainer_input.h"

namespace fitformer::jobs {

std::filesystem::path train_out(const TrainJob& job, const io::Recipe& recipe,
                                const Workspace& workspace) {
  if (!job.out.empty()) return job.out;
  return workspace.runs_dir() /
         (recipe.name + (recipe.profile.empty() ? "" : "-" + recipe.profile));
}

std::vector<std::string> trainer_train_args(const TrainJob& job, const Workspace& workspace,
                                            bool bars) {
  const io::Recipe recipe = io::load_recipe(job.recipe_file, job.profile);
  const std::filesystem::path out = train_out(job, recipe, workspace);
  const TrainerInput input = tokenize_for_trainer(recipe, workspace, bars, out);
  std::vector<std::string> args = {"--recipe",
                                   job.recipe_file.string(),
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
  if (job.checkpoint_every_steps > 0)
    args.insert(args.end(),
                {"--checkpoint-every-steps", std::to_string(job.checkpoint_every_steps)});
  if (job.restart) args.push_back("--restart");
  if (job.json) args.push_back("--json");
  return args;
}

std::filesystem::path run_train_job(const TrainJob& job, const Workspace& workspace, bool bars,
                                    TrainerOutput output) {
  const std::filesystem::path tool = trainer_path();
  const std::filesystem::path out =
      train_out(job, io::load_recipe(job.recipe_file, job.profile), workspace);
  const std::string key =
      job_key("train", job.recipe_file, job.profile, workspace, {std::to_string(job.threads)});
  if (!job.restart && job_done(out, key)) return out;
  const FolderLock lock(out);  // before tokenizing: that writes the folder too
  clear_job_mark(out);
  run_trainer_or_throw(tool, trainer_train_args(job, workspace, bars), output);
  mark_job_done(out, key);
  return out;
}

void exec_train_job(const TrainJob& job, const Workspace& workspace, bool bars) {
  const std::filesystem::path tool = trainer_path();
  // Never released here: the exec'd trainer inherits it and holds it until it exits.
  const FolderLock lock(train_out(job, io::load_recipe(job.recipe_file, job.profile), workspace));
  exec_trainer(tool, trainer_train_args(job, workspace, bars));
}

}  // namespace fitformer::jobs
