// `fitformer prune`: prunes a trained model folder to a sparsity pattern with retraining. As
// `fitformer train` does, this side tokenizes the recipe's data (with the model's own
// tokenizer) and runs `fitformer-train`, whose prune mode does the gradual or ADMM pruning and
// masked fine-tuning and writes the dense masked folder; for HP this side then adds the HPF
// form the sparse runtime loads (runtime::prune_model_folder, which links the kernels that
// fitformer-train must not). The trainer's folder is cached by a hash of its inputs.
#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <optional>

#include "cli/commands.h"
#include "cli/trainer_process.h"
#include "core/error.h"
#include "core/progress.h"
#include "io/recipe.h"
#include "io/safetensors.h"
#include "runtime/prune.h"
#include "sparsity/patterns.h"

namespace fitformer::cli {
namespace {

struct PruneCommandOptions {
  std::string model, recipe, profile, out, pattern, method = "gradual";
  double sparsity = 0.9;
  std::optional<double> rho1, rho2;
  int64_t steps = 0, block_cols = 64, banks = 8;
  std::vector<std::string> layers, layer_sparsity;
  int threads = 0;
  bool json = false;
};

// <cache>/prune/<model folder>-<pattern>-s<sparsity>[-rho1/2]-<method>: one folder per
// setting, so the cache key in its prune.json finds the last result of that setting.
std::filesystem::path default_out(const PruneCommandOptions& o, const GlobalOptions& global) {
  std::string name = fmt::format(
      "{}-{}-s{}", std::filesystem::absolute(o.model).filename().string(), o.pattern, o.sparsity);
  if (o.rho1) name += fmt::format("-rho1_{}", *o.rho1);
  if (o.rho2) name += fmt::format("-rho2_{}", *o.rho2);
  if (o.steps > 0) name += fmt::format("-{}steps", o.steps);
  return std::filesystem::path(global.cache_dir) / "prune" / (name + "-" + o.method);
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

void run_prune(const PruneCommandOptions& options, const GlobalOptions& global) {
  const sparsity::Pattern pattern = sparsity::parse_pattern(options.pattern);
  if (options.method != "gradual" && options.method != "admm")
    throw Error("", "method", "gradual or admm", options.method);
  if (!(options.sparsity >= 0 && options.sparsity < 1))
    throw Error("", "sparsity", "a fraction in [0, 1)", fmt::format("{}", options.sparsity));
  const std::filesystem::path tool = trainer_path();
  const io::Recipe recipe = io::load_recipe(options.recipe, options.profile);
  const bool bars = Progress::terminal_attached() && !options.json;
  const std::filesystem::path out =
      options.out.empty() ? default_out(options, global) : std::filesystem::path(options.out);

  const TrainerInput input = tokenize_for_trainer(recipe, global, bars, out, options.model);
  std::vector<std::string> args = {"--recipe",      options.recipe,
                                   "--tokens",      input.tokens.string(),
                                   "--out",         out.string(),
                                   "--prune-model", options.model,
                                   "--pattern",     options.pattern,
                                   "--method",      options.method,
                                   "--sparsity",    fmt::format("{}", options.sparsity),
                                   "--steps",       std::to_string(options.steps),
                                   "--block-cols",  std::to_string(options.block_cols),
                                   "--banks",       std::to_string(options.banks)};
  if (options.rho1) args.insert(args.end(), {"--rho1", fmt::format("{}", *options.rho1)});
  if (options.rho2) args.insert(args.end(), {"--rho2", fmt::format("{}", *options.rho2)});
  if (!options.profile.empty()) args.insert(args.end(), {"--profile", options.profile});
  if (options.threads > 0) args.insert(args.end(), {"--threads", std::to_string(options.threads)});
  for (const std::string& l : options.layers) args.insert(args.end(), {"--layers", l});
  for (const std::string& l : options.layer_sparsity)
    args.insert(args.end(), {"--layer-sparsity", l});
  if (options.json) args.push_back("--json");
  // The trainer has printed its own error; its status passes through unchanged.
  if (const int status = run_trainer(tool, std::move(args)); status != 0) std::exit(status);

  if (pattern != sparsity::Pattern::kHp) return;
  if (!options.layers.empty() || !options.layer_sparsity.empty()) {
    // prune_model_folder applies one split to every encoder linear; with other choices per
    // layer it would re-mask them differently, so the HPF form is left out, not mis-made.
    if (!options.json)
      fmt::print("no HPF form: per-layer settings (the runtime's writer takes one sparsity)\n");
    return;
  }
  // The HPF form, redone whenever the trainer wrote a newer folder. HP of |W| on the masked
  // weights with the same split finds the same mask: kept weights are nonzero, pruned zero.
  const std::filesystem::path hpf = out / "hpf";
  const auto stamp = out / "prune.json";
  if (std::filesystem::exists(hpf / "model.safetensors") &&
      std::filesystem::last_write_time(hpf / "model.safetensors") >=
          std::filesystem::last_write_time(stamp))
    return;
  runtime::HpPruneSpec spec;
  spec.sparsity = options.sparsity;
  spec.rho1 = options.rho1;
  spec.rho2 = options.rho2;
  spec.block_cols = options.block_cols;
  spec.banks = options.banks;
  runtime::prune_model_folder(out, hpf, spec);
  check_hpf_matches(out, hpf);
  if (!options.json) fmt::print("HPF form for the sparse runtime: {}\n", hpf.string());
}

}  // namespace

void add_prune_command(CLI::App& app, const GlobalOptions& global) {
  auto options = std::make_shared<PruneCommandOptions>();
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
  cmd->add_option("--sparsity", options->sparsity, "Target sparsity of every pruned matrix")
      ->capture_default_str();
  auto* rho1 = cmd->add_option("--rho1", options->rho1, "HP: fixed level-1 density");
  cmd->add_option("--rho2", options->rho2, "HP: fixed level-2 density (default 0.5)")
      ->excludes(rho1);
  cmd->add_option("--method", options->method, "gradual (cubic schedule) or admm")
      ->capture_default_str();
  cmd->add_option("--steps", options->steps,
                  "Optimizer steps, half pruning, half masked fine-tuning (default: the recipe's)");
  cmd->add_option("--block-cols", options->block_cols, "Bc")->capture_default_str();
  cmd->add_option("--banks", options->banks, "B")->capture_default_str();
  cmd->add_option("--layers", options->layers,
                  "Weights to prune, by tensor name (default: every attention and FFN linear)");
  cmd->add_option("--layer-sparsity", options->layer_sparsity,
                  "NAME=SPARSITY: a per-layer target overriding --sparsity (repeatable)");
  cmd->add_option("--out", options->out,
                  "Pruned model folder (default <cache>/prune/<model>-<pattern>-...)");
  cmd->add_option("--threads", options->threads, "Torch threads (default: the recipe's)");
  cmd->add_flag("--json", options->json, "Print the result as JSON");
  cmd->callback([options, &global]() { run_prune(*options, global); });
}

}  // namespace fitformer::cli
