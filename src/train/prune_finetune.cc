// Gradual (cubic) and ADMM pruning with masked fine-tuning, on libtorch.
#include "train/prune_finetune.h"

#include <fmt/format.h>
#include <torch/nn/functional/loss.h>
#include <torch/nn/utils/clip_grad.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <numeric>

#include "core/error.h"
#include "core/files.h"
#include "core/hash.h"
#include "core/progress.h"
#include "core/random.h"
#include "format/hpf.h"
#include "format/hpf_folder.h"
#include "io/json_reader.h"
#include "io/safetensors.h"
#include "model/bert_classifier.h"
#include "model/causal_lm.h"
#include "train/checkpoint.h"
#include "train/threads.h"
#include "train/training_steps.h"

namespace fitformer::train {

double CubicSchedule::at(int64_t step) const {
  if (step < start_step) return initial_sparsity;
  const int64_t k = std::min(updates, (step - start_step) / interval);
  // s_f + (s_i - s_f) is not s_i in floating point; the schedule starts from s_i exactly.
  if (k == 0) return initial_sparsity;
  // k == n makes the factor exactly 0, so the end value is s_f bit for bit.
  const double left = 1.0 - static_cast<double>(k) / static_cast<double>(updates);
  return final_sparsity + (initial_sparsity - final_sparsity) * left * left * left;
}

bool CubicSchedule::is_update(int64_t step) const {
  return step >= start_step && step <= end_step() && (step - start_step) % interval == 0;
}

std::string_view prune_method_name(PruneMethod method) {
  return method == PruneMethod::kGradual ? "gradual" : "admm";
}

PruneMethod parse_prune_method(std::string_view name) {
  if (name == "gradual") return PruneMethod::kGradual;
  if (name == "admm") return PruneMethod::kAdmm;
  throw Error("", "method", "gradual or admm", std::string(name));
}

std::vector<std::string> default_prunable_weights(const io::ModelConfig& config) {
  const std::vector<model::EncoderLinear> linears =
      config.family == io::ModelFamily::kCausalLm ? model::causal_lm_encoder_linears(config)
                                                  : model::bert_classifier_encoder_linears(config);
  std::vector<std::string> names;
  for (const model::EncoderLinear& l : linears) names.push_back(l.weight_name);
  return names;
}

sparsity::PatternParams pattern_params_for(const PruneSettings& s, double sp, double final_sp,
                                           int64_t rows, int64_t cols) {
  const double density = 1.0 - sp;
  switch (s.pattern) {
    case sparsity::Pattern::kUnstructured:
      return sparsity::UnstructuredParams{density};
    case sparsity::Pattern::kBlock:
      return sparsity::BlockWiseParams{density, s.block_rows, s.block_cols};
    case sparsity::Pattern::kBlockBalanced:
      return sparsity::BlockBalancedParams{density, s.block_cols};
    case sparsity::Pattern::kBankBalanced:
      return sparsity::BankBalancedParams{density, s.block_cols, s.banks};
    case sparsity::Pattern::kNm: {
      const int64_t n = std::clamp<int64_t>(std::llround(density * s.nm_m), 1, s.nm_m);
      return sparsity::NmParams{n, s.nm_m};
    }
    case sparsity::Pattern::kHp:
      break;
  }
  if (sp <= 0) return sparsity::HpParams{1.0, 1.0, s.block_cols, s.banks};
  sparsity::HpPlan plan = s;  // the plan at this step: sparsity sp, the fixed level scaled
  plan.sparsity = sp;
  if (sp != final_sp) {
    // The fixed level takes the same share of log-density all along the schedule, so early
    // steps prune both levels a little instead of one level completely.
    const double fixed_final = sparsity::fixed_density(s);
    const double a = std::clamp(std::log(fixed_final) / std::log(1.0 - final_sp), 0.0, 1.0);
    (s.rho1 ? plan.rho1 : plan.rho2) = std::pow(density, a);
  }
  return sparsity::split(plan, rows, cols).params;
}

torch::Tensor pattern_mask(const torch::Tensor& scores, const sparsity::PatternParams& params) {
  const torch::Tensor s = scores.detach().to(torch::kFloat).contiguous();
  const int64_t rows = s.size(0), cols = s.size(1);
  const sparsity::Mask mask = sparsity::make_mask(
      std::span<const float>(s.data_ptr<float>(), static_cast<size_t>(s.numel())), rows, cols,
      params);
  return torch::from_blob(const_cast<uint8_t*>(mask.keep.data()), {rows, cols}, torch::kUInt8)
      .to(torch::kFloat);
}

namespace {

// The named parameter, or Error naming it.
torch::Tensor parameter(Model& model, const std::string& name) {
  // named_parameters() returns a fresh dictionary: keep it alive while reading from it.
  const torch::OrderedDict<std::string, torch::Tensor> params = model.named_parameters();
  if (const torch::Tensor* p = params.find(name)) return *p;
  throw Error("", name, "a parameter of the model", "no such parameter");
}

}  // namespace

void WeightMasks::update(Model& model, const std::string& name,
                         const sparsity::PatternParams& params) {
  torch::Tensor w = parameter(model, name);
  masks_[name] = pattern_mask(w.detach().abs(), params);
  torch::NoGradGuard no_grad;
  w.mul_(masks_[name]);
}

void WeightMasks::apply_to_weights(Model& model) const {
  torch::NoGradGuard no_grad;
  for (const auto& [name, mask] : masks_) parameter(model, name).mul_(mask);
}

void WeightMasks::apply_to_gradients(Model& model) const {
  for (const auto& [name, mask] : masks_) {
    torch::Tensor grad = parameter(model, name).mutable_grad();
    if (grad.defined()) grad.mul_(mask);
  }
}

void WeightMasks::apply_to_optimizer(Model& model, torch::optim::AdamW& optimizer) const {
  auto& state = optimizer.state();
  for (const auto& [name, mask] : masks_) {
    auto it = state.find(c10::guts::to_string(parameter(model, name).unsafeGetTensorImpl()));
    if (it == state.end()) continue;  // no step taken yet: no moments
    auto& s = static_cast<torch::optim::AdamWParamState&>(*it->second);
    s.exp_avg().mul_(mask);
    s.exp_avg_sq().mul_(mask);
  }
}

void admm_update(const torch::Tensor& weight, const sparsity::PatternParams& params,
                 AdmmVariables& vars) {
  torch::NoGradGuard no_grad;
  const torch::Tensor w = weight.detach();
  if (!vars.u.defined()) vars.u = torch::zeros_like(w);
  const torch::Tensor v = w + vars.u;
  vars.z = v * pattern_mask(v.abs(), params);
  vars.u.add_(w - vars.z);
}

torch::Tensor admm_penalty(const torch::Tensor& weight, const AdmmVariables& vars, double rho) {
  return 0.5 * rho * (weight - vars.z + vars.u).pow(2).sum();
}

namespace {

// In the pruned folder while the run is under way; removed once prune.json is written.
constexpr const char* kCheckpointFile = "checkpoint.pt";

// The task's train split in batches, shuffled per pass with a seed of its own, so a run
// depends on recipe.train.seed alone; and the valid split for the final pass.
class Batches {
 public:
  Batches(const model::TokenizedTask& task, int seq_len, int batch_size, uint64_t seed)
      : batch_size_(batch_size), seed_(seed) {
    const bool lm = task.kind == data::TaskKind::kLanguageModel;
    train_ = lm ? lm_split(task.train_stream, seq_len) : rows_split(task.train_rows);
    valid_ = lm ? lm_split(task.valid_stream, seq_len) : rows_split(task.valid_rows);
    if (train_.size() == 0) throw Error("", "data", "a train split long enough for one batch");
  }

  // The batch of optimizer step `step`.
  Batch at(int64_t step) {
    const int64_t pass = step / per_pass(), first = (step % per_pass()) * batch_size_;
    if (pass != pass_) {
      order_.resize(static_cast<size_t>(train_.size()));
      std::iota(order_.begin(), order_.end(), 0);
      Rng rng(seed_ * 0x2545f4914f6cdd1dULL + static_cast<uint64_t>(pass));
      rng.shuffle(std::span<int64_t>(order_));
      pass_ = pass;
    }
    const int64_t b = std::min<int64_t>(batch_size_, train_.size() - first);
    return make_batch(train_, std::span(order_).subspan(first, b));
  }

  const Split& valid() const { return valid_; }
  int64_t per_pass() const { return (train_.size() + batch_size_ - 1) / batch_size_; }

 private:
  Split train_, valid_;
  int64_t batch_size_;
  uint64_t seed_;
  int64_t pass_ = -1;
  std::vector<int64_t> order_;
};

std::string input_key(const io::Recipe& recipe, const model::TokenizedTask& task,
                      const PruneSettings& s, const PruneOptions& options, int64_t steps) {
  ContentHash h;
  h.add(std::string_view("fitformer-prune-1"));
  h.add_file((options.dense_dir / "config.json").string());
  h.add_file((options.dense_dir / "model.safetensors").string());
  const io::TrainSpec& t = recipe.train;
  h.add(int64_t{t.batch_size}).add(int64_t{t.seq_len}).add(t.learning_rate).add(t.weight_decay);
  h.add(t.warmup_fraction).add(t.clip_norm).add(static_cast<int64_t>(t.seed));
  h.add(int64_t{t.threads});  // results are bitwise reproducible at a fixed thread count only
  h.add(sparsity::pattern_name(s.pattern)).add(s.sparsity);
  h.add(s.rho1.value_or(-1)).add(s.rho2.value_or(-1));
  h.add(s.block_cols).add(s.block_rows).add(s.banks).add(s.nm_m);
  h.add(prune_method_name(s.method)).add(steps).add(s.admm_rho).add(s.admm_interval);
  for (const std::string& l : s.layers) h.add(l);
  for (const auto& [name, sp] : s.layer_sparsity) h.add(name).add(sp);
  const auto bytes = [](const std::vector<int32_t>& v) {
    return std::string_view(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(int32_t));
  };
  h.add(bytes(task.train_stream)).add(bytes(task.train_rows.ids));
  h.add(bytes(task.train_rows.lengths)).add(bytes(task.train_rows.labels));
  h.add(bytes(task.valid_stream)).add(bytes(task.valid_rows.ids));
  return h.hex();
}

nlohmann::json summary_json(const PruneResult& r) {
  nlohmann::json layers = nlohmann::json::array();
  for (const PrunedLayer& l : r.layers)
    layers.push_back(
        {{"name", l.name}, {"rows", l.rows}, {"cols", l.cols}, {"density", l.density}});
  return {{"key", r.key},
          {"steps", r.steps},
          {"density", r.density},
          {"valid_loss", r.valid_loss},
          {"valid_metric", r.valid_metric},
          {"layers", layers}};
}

// The HPF form, <out>/hpf (format::has_hpf_form says when): each pruned matrix packed under
// this run's final mask, the one mask the model has, so nothing downstream derives it again
// from |W|.
bool writes_hpf_form(const PruneSettings& s) {
  return format::has_hpf_form(s.pattern, !s.layers.empty() || !s.layer_sparsity.empty());
}

// The result prune.json records when its key is `key` and the folder holds what the run
// writes (the HPF form included when hpf is set).
std::optional<PruneResult> cached_result(const std::filesystem::path& dir, const std::string& key,
                                         bool hpf) {
  const std::filesystem::path file = dir / "prune.json";
  if (!std::filesystem::exists(file) || !std::filesystem::exists(dir / "model.safetensors") ||
      (hpf && !std::filesystem::exists(dir / "hpf" / "model.safetensors")))
    return std::nullopt;
  // A prune.json that is not what this run writes (another JSON type, a field missing, a
  // file that is not regular) is no result: the folder is pruned again, never an error.
  try {
    const nlohmann::json j = io::parse_json(read_file(file), file.string());
    if (!j.is_object() || j.value("key", "") != key) return std::nullopt;
    PruneResult r;
    r.cached = true;
    r.key = key;
    r.steps = j.at("steps").get<int64_t>();
    r.density = j.at("density").get<double>();
    r.valid_loss = j.at("valid_loss").get<double>();
    r.valid_metric = j.at("valid_metric").get<double>();
    for (const auto& l : j.at("layers"))
      r.layers.push_back({l.at("name"), l.at("rows"), l.at("cols"), l.at("density")});
    return r;
  } catch (const Error&) {
    return std::nullopt;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

std::string format_double(double v) {
  return fmt::format("{}", v);
}

// model.safetensors again, now with the mask description in its metadata.
void write_pruned_weights(const Model& model, const std::filesystem::path& file,
                          const PruneSettings& s, const io::Recipe& recipe, const PruneResult& r) {
  std::vector<torch::Tensor> keep;
  std::vector<io::TensorInfo> infos;
  for (const auto& item : model.named_parameters()) {
    torch::Tensor t = item.value().detach().to(torch::kFloat).contiguous();
    keep.push_back(t);
    infos.push_back(io::f32_tensor(
        item.key(), t.sizes().vec(),
        std::span<const float>(t.data_ptr<float>(), static_cast<size_t>(t.numel()))));
  }
  std::map<std::string, std::string> meta = {
      {"format", "pt"},
      {"prune.pattern", std::string(sparsity::pattern_name(s.pattern))},
      {"prune.sparsity", format_double(s.sparsity)},
      {"prune.rho1", s.rho1 ? format_double(*s.rho1) : ""},
      {"prune.rho2", s.rho2 ? format_double(*s.rho2) : ""},
      {"prune.block_cols", std::to_string(s.block_cols)},
      {"prune.block_rows", std::to_string(s.block_rows)},
      {"prune.banks", std::to_string(s.banks)},
      {"prune.nm_m", std::to_string(s.nm_m)},
      {"prune.method", std::string(prune_method_name(s.method))},
      {"prune.steps", std::to_string(r.steps)},
      {"prune.seed", std::to_string(recipe.train.seed)},
      {"prune.density", format_double(r.density)},
  };
  nlohmann::json layers = nlohmann::json::object();
  for (const PrunedLayer& l : r.layers) layers[l.name] = l.density;
  meta["prune.layer_density"] = layers.dump();
  io::write_safetensors(file, infos, meta);
}

// Per weight to prune: its target sparsity, the per-layer override or the plan's. Throws Error
// for a weight that is not a matrix or an override for a weight that is not pruned.
std::map<std::string, double> prune_targets(Model& model, const PruneSettings& settings,
                                            const std::vector<std::string>& names) {
  std::map<std::string, double> target;
  for (const std::string& name : names) {
    const torch::Tensor w = parameter(model, name);
    if (w.dim() != 2) throw Error("", name, "a matrix to prune", "a tensor of another rank");
    auto it = settings.layer_sparsity.find(name);
    target[name] = it != settings.layer_sparsity.end() ? it->second : settings.sparsity;
  }
  for (const auto& [name, sp] : settings.layer_sparsity)
    if (!target.contains(name))
      throw Error("", name, "a weight that is pruned (in --layers or the default set)",
                  "a per-layer sparsity for a weight that is not");
  return target;
}

// One pruning run in steps: the masks (gradual) or the ADMM variables, the learning rate and
// one optimizer step. The first half of the steps prunes, the second fine-tunes under fixed
// masks.
class PruneLoop {
 public:
  PruneLoop(Model& model, const PruneSettings& settings, const io::TrainSpec& spec,
            std::vector<std::string> names, int64_t steps)
      : model_(model),
        settings_(settings),
        spec_(spec),
        names_(std::move(names)),
        target_(prune_targets(model, settings, names_)),
        steps_(steps),
        prune_steps_(steps / 2),
        warmup_(std::max<int64_t>(1, std::llround(spec.warmup_fraction * steps))),
        optimizer_(make_optimizer(model, spec)) {
    // The schedule is run once with s_f = 1 and scaled per layer, so per-layer targets share
    // the same shape of schedule.
    schedule_.final_sparsity = 1.0;
    schedule_.interval = std::max<int64_t>(1, prune_steps_ / 10);
    schedule_.updates = std::max<int64_t>(1, prune_steps_ / schedule_.interval);
    admm_interval_ = settings.admm_interval > 0 ? settings.admm_interval
                                                : std::max<int64_t>(1, prune_steps_ / 10);
    if (!gradual())
      for (const std::string& name : names_)
        admm_update(parameter(model_, name), params_at(name, 1.0), admm_[name]);
  }

  // Continues from `file` when it is a checkpoint of the run with key `key`: model, optimizer,
  // masks, ADMM variables and RNG as they were after its last step. Returns the step to
  // continue from (0 without a checkpoint). A checkpoint of other inputs or one that cannot be
  // read is no checkpoint: the run starts over and overwrites it.
  int64_t resume(const std::filesystem::path& file, const std::string& key) {
    if (checkpoint_fingerprint(file) != key) return 0;
    const CheckpointState state = *load_checkpoint(file, model_, optimizer_);
    for (const auto& [name, tensor] : state.tensors) {
      const std::string_view kind = std::string_view(name).substr(0, name.find('/'));
      const std::string weight = name.substr(name.find('/') + 1);
      if (kind == "mask") masks_.set(weight, tensor);
      if (kind == "admm_z") admm_[weight].z = tensor;
      if (kind == "admm_u") admm_[weight].u = tensor;
    }
    if (state.step > prune_steps_) admm_.clear();  // the switch to fixed masks happened
    return state.step;
  }

  // Runs the steps from `first` on, with a checkpoint when due, then the final hard prune when
  // ADMM never reached its switch. False when options.abort_after_steps stopped it.
  bool run(Batches& batches, Progress& progress, int64_t first, const PruneOptions& options,
           const std::string& key) {
    model_.train();
    progress.resume_from(static_cast<uint64_t>(first));
    auto last_save = std::chrono::steady_clock::now();
    for (int64_t step = first; step < steps_; ++step) {
      const double loss = train_step(step, batches.at(step));
      progress.set_note(fmt::format("loss {:.3f}", loss));
      progress.advance();
      if (options.abort_after_steps && step + 1 == *options.abort_after_steps) return false;
      const auto now = std::chrono::steady_clock::now();
      const bool due = (step + 1) % options.checkpoint_every_steps == 0 ||
                       std::chrono::duration<double>(now - last_save).count() >=
                           options.checkpoint_every_minutes * 60;
      if (due && step + 1 < steps_) {
        save(options.out_dir / kCheckpointFile, key, step + 1);
        last_save = now;
      }
    }
    progress.finish();
    if (!gradual() && prune_steps_ >= steps_) hard_prune();
    return true;
  }

  const WeightMasks& masks() const { return masks_; }

 private:
  bool gradual() const { return settings_.method == PruneMethod::kGradual; }

  sparsity::PatternParams params_at(const std::string& name, double fraction_of_final) {
    const torch::Tensor w = parameter(model_, name);
    const double final_sp = target_.at(name);
    return pattern_params_for(settings_, final_sp * fraction_of_final, final_sp, w.size(0),
                              w.size(1));
  }

  void update_masks(double fraction_of_final) {
    for (const std::string& name : names_)
      masks_.update(model_, name, params_at(name, fraction_of_final));
    masks_.apply_to_optimizer(model_, optimizer_);
  }

  void hard_prune() { update_masks(1.0); }

  // Warm-up, constant while pruning, then linear decay to zero over the fine-tuning.
  double learning_rate(int64_t step) const {
    double lr = spec_.learning_rate * std::min(1.0, static_cast<double>(step + 1) / warmup_);
    if (step >= prune_steps_)
      lr *= static_cast<double>(steps_ - step) / static_cast<double>(steps_ - prune_steps_);
    return lr;
  }

  double train_step(int64_t step, const Batch& batch) {
    if (gradual() && schedule_.is_update(step)) update_masks(schedule_.at(step));
    if (!gradual() && step == prune_steps_) {
      hard_prune();
      admm_.clear();
    }
    for (auto& group : optimizer_.param_groups())
      static_cast<torch::optim::AdamWOptions&>(group.options()).lr(learning_rate(step));
    optimizer_.zero_grad();
    torch::Tensor loss = batch_loss(model_, batch);
    for (const auto& [name, vars] : admm_)
      loss = loss + admm_penalty(parameter(model_, name), vars, settings_.admm_rho);
    loss.backward();
    masks_.apply_to_gradients(model_);
    if (spec_.clip_norm > 0)
      torch::nn::utils::clip_grad_norm_(model_.parameters(), spec_.clip_norm);
    optimizer_.step();
    masks_.apply_to_weights(model_);
    masks_.apply_to_optimizer(model_, optimizer_);
    if (!admm_.empty() && (step + 1) % admm_interval_ == 0)
      for (auto& [name, vars] : admm_)
        admm_update(parameter(model_, name), params_at(name, 1.0), vars);
    return loss.item<double>();
  }

  void save(const std::filesystem::path& file, const std::string& key, int64_t steps_done) {
    CheckpointState state;
    state.fingerprint = key;
    state.step = steps_done;
    for (const auto& [name, mask] : masks_.masks()) state.tensors["mask/" + name] = mask;
    for (const auto& [name, vars] : admm_) {
      state.tensors["admm_z/" + name] = vars.z;
      state.tensors["admm_u/" + name] = vars.u;
    }
    save_checkpoint(file, model_, optimizer_, state);
  }

  Model& model_;
  const PruneSettings& settings_;
  const io::TrainSpec& spec_;
  const std::vector<std::string> names_;
  const std::map<std::string, double> target_;
  const int64_t steps_, prune_steps_, warmup_;
  int64_t admm_interval_ = 1;
  CubicSchedule schedule_;
  torch::optim::AdamW optimizer_;
  WeightMasks masks_;
  std::map<std::string, AdmmVariables> admm_;
};

// The achieved density per pruned matrix and over all of them.
void summarize_masks(const WeightMasks& masks, const std::vector<std::string>& names,
                     PruneResult& result) {
  double kept = 0, total = 0;
  for (const std::string& name : names) {
    const torch::Tensor& m = masks.masks().at(name);
    const double k = m.sum().item<double>();
    result.layers.push_back({name, m.size(0), m.size(1), k / static_cast<double>(m.numel())});
    kept += k;
    total += static_cast<double>(m.numel());
  }
  result.density = total > 0 ? kept / total : 1;
}

// Packs each masked weight as HPF under its mask and writes <out>/hpf beside the dense files.
void write_hpf_form(Model& model, const WeightMasks& masks, const PruneSettings& s,
                    const std::filesystem::path& out) {
  std::map<std::string, format::hpf::Matrix> matrices;
  for (const auto& [name, mask_tensor] : masks.masks()) {
    const torch::Tensor w = parameter(model, name).detach().to(torch::kFloat).contiguous();
    const int64_t rows = w.size(0), cols = w.size(1);
    const torch::Tensor keep = mask_tensor.to(torch::kUInt8).contiguous();
    sparsity::Mask mask{rows, cols, {}};
    mask.keep.assign(keep.data_ptr<uint8_t>(), keep.data_ptr<uint8_t>() + keep.numel());
    const std::span<const float> values(w.data_ptr<float>(), static_cast<size_t>(w.numel()));
    matrices.emplace(
        name, format::pack_hpf(values, rows, cols, mask, sparsity::split(s, rows, cols).params));
  }
  format::write_hpf_folder(out, out / "hpf", matrices);
}

// The run folder: config.json, the tokenizer, model.safetensors with the plan in its metadata,
// the HPF form when it applies, and prune.json last (until it is there, a folder is not a
// cached result).
void write_pruned_folder(Model& model, const WeightMasks& masks, const io::Recipe& recipe,
                         const PruneSettings& settings, const PruneOptions& options,
                         const PruneResult& result) {
  std::filesystem::path tokenizer;
  for (const char* f : {"tokenizer.model", "vocab.txt"})
    if (std::filesystem::exists(options.dense_dir / f)) tokenizer = options.dense_dir / f;
  std::filesystem::remove(options.out_dir / "prune.json");
  export_model(model, options.out_dir, tokenizer);
  write_pruned_weights(model, options.out_dir / "model.safetensors", settings, recipe, result);
  if (writes_hpf_form(settings)) write_hpf_form(model, masks, settings, options.out_dir);
  write_file_atomic(options.out_dir / "prune.json", summary_json(result).dump(2) + "\n");
}

}  // namespace

PruneResult prune_and_finetune(const io::Recipe& recipe, const model::TokenizedTask& task,
                               const PruneSettings& settings, const PruneOptions& options) {
  const io::TrainSpec& spec = recipe.train;
  set_torch_threads(spec.threads);
  Batches batches(task, spec.seq_len, spec.batch_size, spec.seed);
  int64_t steps = settings.steps;
  if (steps <= 0) steps = spec.max_steps.value_or(batches.per_pass() * std::max(1, spec.epochs));
  steps = std::max<int64_t>(steps, 2);

  PruneResult result;
  result.key = input_key(recipe, task, settings, options, steps);
  if (auto cached = cached_result(options.out_dir, result.key, writes_hpf_form(settings)))
    return *cached;

  torch::manual_seed(spec.seed);
  std::shared_ptr<Model> model = import_model(options.dense_dir);
  const std::vector<std::string> names =
      settings.layers.empty() ? default_prunable_weights(model->config()) : settings.layers;
  PruneLoop loop(*model, settings, spec, names, steps);
  const std::filesystem::path checkpoint = options.out_dir / kCheckpointFile;
  const int64_t first = loop.resume(checkpoint, result.key);
  result.resumed = first > 0;
  if (result.resumed && options.log)
    options.log(fmt::format("resuming {} at step {} of {}", checkpoint.string(), first, steps));
  Progress progress("prune", static_cast<uint64_t>(steps), "step", options.progress);
  result.completed = loop.run(batches, progress, first, options, result.key);
  if (!result.completed) return result;

  result.steps = steps;
  summarize_masks(loop.masks(), names, result);
  std::tie(result.valid_loss, result.valid_metric) =
      evaluate_split(*model, batches.valid(), spec.batch_size);
  write_pruned_folder(*model, loop.masks(), recipe, settings, options, result);
  std::filesystem::remove(checkpoint);  // the folder is the result now
  if (options.log)
    options.log(fmt::format("pruned {} matrices to density {:.4f} in {} steps ({})", names.size(),
                            result.density, steps, prune_method_name(settings.method)));
  return result;
}

}  // namespace fitformer::train
