// Pruning a trained model with retraining (DESIGN.md §2): gradual magnitude pruning on the cubic
// schedule of Zhu & Gupta ("To prune, or not to prune", 2017) or ADMM, then masked fine-tuning,
// for any pattern of src/sparsity. The masks come from sparsity::make_mask, so what training
// keeps is exactly what the pattern's invariants (and HPF) allow.
#pragma once

#include <torch/optim/adamw.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "io/recipe.h"
#include "model/evaluate.h"
#include "sparsity/hp_plan.h"
#include "sparsity/patterns.h"
#include "train/modules.h"

namespace fitformer::train {

// s_t = s_f + (s_i - s_f) (1 - (t - t0) / (n dt))^3, evaluated only at the update steps
// t0 + k dt (k = 0..n), the steps where masks are recomputed; between them the last value
// holds. Before t0 it is s_i, from t0 + n dt on exactly s_f.
struct CubicSchedule {
  double initial_sparsity = 0;  // s_i
  double final_sparsity = 0.9;  // s_f
  int64_t start_step = 0;       // t0
  int64_t interval = 1;         // dt (>= 1)
  int64_t updates = 1;          // n (>= 1)

  double at(int64_t step) const;
  // Whether masks are recomputed before step `step` (t0 + k dt, 0 <= k <= n).
  bool is_update(int64_t step) const;
  int64_t end_step() const { return start_step + updates * interval; }
};

enum class PruneMethod { kGradual, kAdmm };
std::string_view prune_method_name(PruneMethod method);
// Throws Error (field "method") unless `name` is "gradual" or "admm".
PruneMethod parse_prune_method(std::string_view name);

// The plan's fields serve every pattern: `sparsity` is the target fraction of zeros in every
// pruned matrix, block_cols is Bc (block, block-balanced, bank-balanced, HP) and banks B
// (bank-balanced, HP); rho1 / rho2 fix HP's split (sparsity/hp_plan.h).
struct PruneSettings : sparsity::HpPlan {
  sparsity::Pattern pattern = sparsity::Pattern::kHp;
  int64_t block_rows = sparsity::kDefaultBlockCols;  // Br (block)
  int64_t nm_m = 4;  // N:M keeps n = round((1 - sparsity) * m) of every m
  PruneMethod method = PruneMethod::kGradual;
  // Optimizer steps in all (pruning phase then masked fine-tuning, half each); 0 means the
  // recipe's budget (train.max_steps, else its epochs over the train split).
  int64_t steps = 0;
  double admm_rho = 5e-3;     // rho of the augmented loss
  int64_t admm_interval = 0;  // steps between Z/U updates; 0: a tenth of the ADMM phase
  // Weight names to prune; empty means default_prunable_weights(config).
  std::vector<std::string> layers;
  // Per-layer target sparsity overriding `sparsity`, by weight name.
  std::map<std::string, double> layer_sparsity;
};

// Every Linear of attention and FFN: the engine's encoder linears (model::*_encoder_linears).
// Embeddings, LayerNorms, pooler, classifier and the LM decoder are not listed.
std::vector<std::string> default_prunable_weights(const io::ModelConfig& config);

// The pattern parameters that bring a rows x cols matrix to `sparsity` (0 keeps everything).
// HP splits by sparsity::split at the final sparsity (fixed rho1 or rho2);
// at an intermediate sparsity of a gradual schedule the fixed level's density is
// (1 - s)^a, with a chosen so that it equals the fixed value at the final sparsity.
sparsity::PatternParams pattern_params_for(const PruneSettings& settings, double sparsity,
                                           double final_sparsity, int64_t rows, int64_t cols);

// The 0/1 float mask of the pattern for scores (a 2-D tensor, >= 0) via sparsity::make_mask.
torch::Tensor pattern_mask(const torch::Tensor& scores, const sparsity::PatternParams& params);

// Masks of the pruned weights, and the three places pruned weights must be held at zero.
class WeightMasks {
 public:
  // Recomputes the mask of weight `name` from |W| for `params`, and zeroes what it drops.
  void update(Model& model, const std::string& name, const sparsity::PatternParams& params);
  void set(const std::string& name, torch::Tensor mask) { masks_[name] = std::move(mask); }
  const std::map<std::string, torch::Tensor>& masks() const { return masks_; }
  // W *= mask (after every optimizer step).
  void apply_to_weights(Model& model) const;
  // grad *= mask (before clipping and the step).
  void apply_to_gradients(Model& model) const;
  // AdamW's exp_avg and exp_avg_sq *= mask, so the moments of a pruned weight restart from
  // zero should it ever be kept again and cannot move it in the meantime.
  void apply_to_optimizer(Model& model, torch::optim::AdamW& optimizer) const;

 private:
  std::map<std::string, torch::Tensor> masks_;
};

// ADMM state of one weight: Z (projection of W + U onto the pattern) and the scaled dual U.
struct AdmmVariables {
  torch::Tensor z, u;
};
// Z = (W + U) masked by the pattern's mask of |W + U|; U += W - Z.
void admm_update(const torch::Tensor& weight, const sparsity::PatternParams& params,
                 AdmmVariables& vars);
// 0.5 rho ||W - Z + U||^2, differentiable in W.
torch::Tensor admm_penalty(const torch::Tensor& weight, const AdmmVariables& vars, double rho);

struct PrunedLayer {
  std::string name;
  int64_t rows = 0, cols = 0;
  double density = 0;  // achieved: nonzero mask entries / (rows * cols)
};

struct PruneOptions {
  std::filesystem::path dense_dir;  // the trained model folder (config.json, model.safetensors)
  std::filesystem::path out_dir;    // the pruned model folder; checkpoint.pt while it runs
  // A checkpoint (model, optimizer, masks, ADMM variables, RNG) every this many steps and
  // every this many minutes, so a kill loses at most a minute of pruning (issue 12).
  int64_t checkpoint_every_steps = 100;
  double checkpoint_every_minutes = 1;
  bool progress = false;
  // Tests only: return right after this optimizer step without writing the folder, as if the
  // process had been killed there.
  std::optional<int64_t> abort_after_steps;
  std::function<void(const std::string&)> log;
};

struct PruneResult {
  bool cached = false;    // out_dir already held this result (same inputs): nothing was trained
  bool resumed = false;   // continued from out_dir's checkpoint of the same inputs
  bool completed = true;  // false only when options.abort_after_steps stopped it
  std::string key;        // content hash of the inputs
  int64_t steps = 0;
  std::vector<PrunedLayer> layers;
  double density = 0;       // kept / total over the pruned matrices
  double valid_loss = 0;    // mean cross-entropy on the valid split after fine-tuning
  double valid_metric = 0;  // perplexity (LM) or accuracy (classification)
};

// Loads the dense model, prunes and fine-tunes it on the task's train split and writes
// out_dir: config.json, the tokenizer, model.safetensors (dense F32 with exact zeros; the plan
// and the mask description in __metadata__ under "prune.*"), for HP with one plan for every
// layer the HPF form in out_dir/hpf (each matrix packed under its final mask: the model's one
// mask, which nothing downstream derives again), and prune.json (the key and the summary,
// written last). A second call with the same inputs (dense files, recipe's training fields,
// settings, train tokens, seed) finds prune.json's key and returns at once with cached set.
// Deterministic for recipe.train.seed at a fixed thread count.
PruneResult prune_and_finetune(const io::Recipe& recipe, const model::TokenizedTask& task,
                               const PruneSettings& settings, const PruneOptions& options);

}  // namespace fitformer::train
