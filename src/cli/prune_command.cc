// `fitformer prune`: prunes a trained model folder to a sparsity pattern with retraining
// (jobs/prune_job.h: fitformer-train's gradual or ADMM pruning and masked fine-tuning, cached
// by a hash of its inputs, plus the HPF form for HP).
#include <fmt/format.h>

#include <filesystem>

#include "cli/commands.h"
#include "cli/model_folder.h"
#include "jobs/prune_job.h"

namespace fitformer::cli {

void add_prune_command(CLI::App& app, const GlobalOptions& global) {
  auto options = std::make_shared<jobs::PruneJob>();
  CLI::App* cmd = app.add_subcommand(
      "prune", "Prune a trained model to a sparsity pattern with retraining (libtorch)");
  cmd->add_option("--model", options->model, "Dense model folder (from fitformer train)")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--recipe", options->recipe, "Recipe the model was trained with")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--profile", options->profile, "Profile of the recipe: quick or full");
  cmd->add_option("--pattern", options->pattern,
                  "hp, unstructured, block, block-balanced, bank-balanced or nm")
      ->required();
  cmd->add_option("--sparsity", options->plan.sparsity, "Target sparsity of every pruned matrix")
      ->capture_default_str();
  auto* rho1 = cmd->add_option("--rho1", options->plan.rho1, "HP: fixed level-1 density");
  cmd->add_option("--rho2", options->plan.rho2, "HP: fixed level-2 density (default 0.5)")
      ->excludes(rho1);
  cmd->add_option("--method", options->method, "gradual (cubic schedule) or admm")
      ->capture_default_str();
  cmd->add_option("--steps", options->steps,
                  "Optimizer steps, half pruning, half masked fine-tuning (default: the recipe's)");
  cmd->add_option("--block-cols", options->plan.block_cols, "Bc")->capture_default_str();
  cmd->add_option("--banks", options->plan.banks, "B")->capture_default_str();
  cmd->add_option("--layers", options->layers,
                  "Weights to prune, by tensor name (default: every attention and FFN linear)");
  cmd->add_option("--layer-sparsity", options->layer_sparsity,
                  "NAME=SPARSITY: a per-layer target overriding --sparsity (repeatable)");
  cmd->add_option("--out", options->out,
                  "Pruned model folder (default <cache>/prune/<model>-<pattern>-...)");
  cmd->add_option("--threads", options->threads, "Torch threads (default: the recipe's)");
  cmd->add_option("--checkpoint-every-steps", options->checkpoint_every_steps,
                  "Checkpoint every N steps as well as every minute (default 100); a killed "
                  "prune resumes from its last checkpoint")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--json", options->json, "Print the result as JSON");
  cmd->callback([options, &global]() {
    options->model = resolve_model_folder(options->model, global).string();
    const jobs::PruneJobResult r =
        jobs::run_prune_job(*options, workspace_of(global), jobs::TrainerOutput::kStdout);
    if (!options->json && !r.note.empty()) fmt::print("{}\n", r.note);
  });
}

}  // namespace fitformer::cli
