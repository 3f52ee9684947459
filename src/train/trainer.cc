// The training loop behind `fitformer train`: tokenized batches, AdamW with a linear warm-up
// and linear decay, gradient clipping, a valid pass per epoch, checkpoints and resumption.
#include "train/trainer.h"

#include <fmt/format.h>
#include <torch/nn/functional/loss.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adamw.h>
#include <torch/utils.h>

#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>

#include "core/error.h"
#include "core/files.h"
#include "core/hash.h"
#include "core/progress.h"
#include "core/random.h"
#include "model/evaluate.h"
#include "model/recipe_config.h"
#include "train/checkpoint.h"
#include "train/modules.h"
#include "train/threads.h"
#include "train/training_steps.h"

namespace fitformer::train {
namespace {

using Clock = std::chrono::steady_clock;

// Linear warm-up to the peak over `warmup` steps, then linear decay to zero at `total`
// (the schedule of BERT, Devlin et al. 2019, §A.2).
double learning_rate(double peak, int64_t step, int64_t warmup, int64_t total) {
  if (step < warmup) return peak * static_cast<double>(step + 1) / warmup;
  if (total <= warmup) return peak;
  return peak * std::max(0.0, static_cast<double>(total - step) / (total - warmup));
}

// What a checkpoint must match to be resumed: the model, the optimization settings that
// shape the trajectory and the training data. Threads and max_minutes may change.
std::string fingerprint(const io::ModelConfig& config, const io::TrainSpec& t, const Split& train) {
  ContentHash h;
  h.add(io::model_config_json(config));
  h.add(int64_t{t.epochs}).add(int64_t{t.batch_size}).add(int64_t{t.seq_len});
  h.add(t.learning_rate).add(t.weight_decay).add(t.warmup_fraction).add(t.clip_norm);
  h.add(static_cast<int64_t>(t.seed)).add(t.max_steps.value_or(-1));
  const auto bytes = [](const std::vector<int32_t>& v) {
    return std::string_view(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(int32_t));
  };
  h.add(bytes(train.stream)).add(bytes(train.rows.ids)).add(bytes(train.rows.labels));
  return h.hex();
}

// Epoch `epoch`'s order of the train items: a shuffle seeded by (seed, epoch) alone, so a
// resumed run sees the same order without storing it.
std::vector<int64_t> epoch_order(int64_t items, uint64_t seed, int64_t epoch) {
  std::vector<int64_t> order(items);
  std::iota(order.begin(), order.end(), 0);
  Rng rng(seed * 0x9e3779b97f4a7c15ULL + static_cast<uint64_t>(epoch) + 1);
  rng.shuffle(std::span<int64_t>(order));
  return order;
}

void write_train_log(const std::filesystem::path& file, const io::Recipe& recipe,
                     const TrainResult& r) {
  nlohmann::json j;
  j["recipe"] = recipe.name;
  j["profile"] = recipe.profile;
  j["parameters"] = r.parameters;
  j["steps"] = r.steps;
  j["total_steps"] = r.total_steps;
  j["train_seconds"] = r.seconds;
  j["stop_reason"] = r.stop_reason;
  j["epochs"] = nlohmann::json::array();
  for (const EpochLog& e : r.epochs)
    j["epochs"].push_back(
        {{"epoch", e.epoch},
         {"step", e.step},
         {"train_loss", e.train_loss},
         {"valid_loss", e.valid_loss},
         {r.config.family == io::ModelFamily::kCausalLm ? "valid_perplexity" : "valid_accuracy",
          e.valid_metric},
         {"seconds", e.seconds}});
  write_file_atomic(file, j.dump(2) + "\n");
}

}  // namespace

io::ModelConfig model_config_for(const io::Recipe& recipe, const model::TokenizedTask& task) {
  io::ModelConfig c = model::recipe_model_config(recipe, task.vocab_size,
                                                 static_cast<int>(task.label_names.size()));
  const bool lm = c.family == io::ModelFamily::kCausalLm;
  if (lm != (task.kind == data::TaskKind::kLanguageModel))
    throw Error(
        recipe.file.string(), "model.family",
        lm ? "bert-classifier for a classification task" : "causal-lm for a language-model task",
        recipe.model.family);
  c.pad_token_id = std::max(0, task.special.pad);
  if (!lm) c.label_names = task.label_names;
  const int seq_len = lm ? recipe.train.seq_len : task.train_rows.seq_len;
  if (seq_len > c.max_position_embeddings)
    throw Error(recipe.file.string(), "train.seq_len",
                "at most model.max_length " + std::to_string(c.max_position_embeddings),
                std::to_string(seq_len));
  return c;
}

namespace {

// One training run in its steps: resume from the checkpoint, one optimizer step at a time with
// its bookkeeping (loss, rate, progress), the end of an epoch, the stop rules, checkpoints, and
// the model folder at the end.
class TrainRun {
 public:
  TrainRun(const io::Recipe& recipe, const model::TokenizedTask& task, const TrainOptions& options)
      : recipe_(recipe), spec_(recipe.train), options_(options) {
    set_torch_threads(spec_.threads);
    result_.config = model_config_for(recipe, task);
    lm_ = result_.config.family == io::ModelFamily::kCausalLm;
    train_ = lm_ ? lm_split(task.train_stream, spec_.seq_len) : rows_split(task.train_rows);
    valid_ = lm_ ? lm_split(task.valid_stream, spec_.seq_len) : rows_split(task.valid_rows);
    if (train_.size() == 0)
      throw Error(recipe.file.string(), "data", "a train split long enough for one sequence");
    per_epoch_ = (train_.size() + spec_.batch_size - 1) / spec_.batch_size;
    result_.total_steps = per_epoch_ * spec_.epochs;
    if (spec_.max_steps) result_.total_steps = std::min(result_.total_steps, *spec_.max_steps);
    warmup_ = std::max<int64_t>(
        1, std::llround(spec_.warmup_fraction * static_cast<double>(result_.total_steps)));
    torch::manual_seed(spec_.seed);
    model_ = make_model(result_.config);
    result_.parameters = count_parameters(*model_);
    optimizer_.emplace(make_optimizer(*model_, spec_));
    checkpoint_file_ = options.out_dir / "checkpoint.pt";
    state_.fingerprint = fingerprint(result_.config, spec_, train_);
  }

  TrainResult run() {
    if (!options_.restart) resume();
    if (state_.finished) return finish();
    Progress progress("train " + recipe_.name, static_cast<uint64_t>(result_.total_steps), "step",
                      options_.progress);
    progress.resume_from(static_cast<uint64_t>(state_.step));
    if (options_.progress_log) progress.log_every(std::chrono::minutes(1));
    prior_seconds_ = state_.seconds;
    session_start_ = last_save_ = rate_start_ = Clock::now();
    model_->train();
    while (state_.step < result_.total_steps) {
      const Batch batch = next_batch();
      const double lr =
          learning_rate(spec_.learning_rate, state_.step, warmup_, result_.total_steps);
      const double loss = optimizer_step(batch, lr);
      const Clock::time_point now = Clock::now();
      account(loss, lr, batch.tokens, now, progress);
      if (options_.abort_after_steps && state_.step >= *options_.abort_after_steps) {
        result_.steps = state_.step;
        result_.stop_reason = "aborted";
        return result_;
      }
      const bool stop = stop_now();
      const bool epoch_end = state_.step % per_epoch_ == 0 || stop;
      if (epoch_end) end_epoch();
      state_.finished = stop;
      checkpoint_if_due(epoch_end, now);
      if (stop) break;
    }
    progress.finish();
    return finish();
  }

 private:
  void log(const std::string& line) const {
    if (options_.log) options_.log(line);
  }

  void resume() {
    auto loaded = load_checkpoint(checkpoint_file_, *model_, *optimizer_);
    if (!loaded) return;
    if (loaded->fingerprint != state_.fingerprint)
      throw Error(checkpoint_file_.string(), "fingerprint",
                  "a checkpoint of this recipe and data (pass --restart to start over)",
                  "one from a different recipe, profile or dataset");
    state_ = *loaded;
    result_.resumed = true;
    log(fmt::format("resuming {} at step {} of {}", checkpoint_file_.string(), state_.step,
                    result_.total_steps));
  }

  // The batch of the current step, from its epoch's order.
  Batch next_batch() {
    const int64_t epoch = state_.step / per_epoch_, in_epoch = state_.step % per_epoch_;
    if (epoch != order_epoch_) {
      order_ = epoch_order(train_.size(), spec_.seed, epoch);
      order_epoch_ = epoch;
    }
    const int64_t first = in_epoch * spec_.batch_size;
    const int64_t count = std::min<int64_t>(spec_.batch_size, train_.size() - first);
    return make_batch(train_, std::span(order_).subspan(first, count));
  }

  // One AdamW step at `lr`; returns the batch's loss.
  double optimizer_step(const Batch& batch, double lr) {
    for (auto& group : optimizer_->param_groups())
      static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
    optimizer_->zero_grad();
    torch::Tensor loss = batch_loss(*model_, batch);
    loss.backward();
    if (spec_.clip_norm > 0)
      torch::nn::utils::clip_grad_norm_(model_->parameters(), spec_.clip_norm);
    optimizer_->step();
    ++state_.step;
    return loss.item<double>();
  }

  // The step's loss, time and token rate into the state and the progress bar.
  void account(double loss, double lr, int64_t tokens, Clock::time_point now, Progress& progress) {
    state_.epoch_loss_sum += loss;
    ++state_.epoch_loss_steps;
    state_.seconds = prior_seconds_ + std::chrono::duration<double>(now - session_start_).count();
    rate_tokens_ += tokens;
    const double rate_s = std::chrono::duration<double>(now - rate_start_).count();
    progress.set_note(fmt::format("loss {:.3f} lr {:.1e} {:.0f} tok/s", loss, lr,
                                  rate_s > 0 ? rate_tokens_ / rate_s : 0.0));
    progress.advance();
    if (rate_s > 10) {  // a rate over the last ~10 s, not since the start
      rate_start_ = now;
      rate_tokens_ = 0;
    }
  }

  // Whether the run ends after this step, with its reason recorded.
  bool stop_now() {
    if (state_.step == result_.total_steps) {
      state_.stop_reason = spec_.max_steps && state_.step == *spec_.max_steps &&
                                   state_.step < per_epoch_ * spec_.epochs
                               ? "max_steps"
                               : "epochs";
      return true;
    }
    if (spec_.max_minutes && state_.seconds >= *spec_.max_minutes * 60) {
      state_.stop_reason = "max_minutes";
      return true;
    }
    return false;
  }

  void end_epoch() {
    const auto [valid_loss, metric] = evaluate_split(*model_, valid_, spec_.batch_size);
    EpochLog e;
    e.epoch = static_cast<int>((state_.step + per_epoch_ - 1) / per_epoch_);
    e.step = state_.step;
    e.train_loss =
        state_.epoch_loss_steps > 0 ? state_.epoch_loss_sum / state_.epoch_loss_steps : 0;
    e.valid_loss = valid_loss;
    e.valid_metric = metric;
    e.seconds = state_.seconds;
    state_.epochs.push_back(e);
    state_.epoch_loss_sum = 0;
    state_.epoch_loss_steps = 0;
    log(fmt::format(
        "epoch {} step {}: train loss {:.4f}, valid loss {:.4f}, valid {} {:.4f} ({:.0f} s)",
        e.epoch, e.step, e.train_loss, e.valid_loss, lm_ ? "perplexity" : "accuracy",
        e.valid_metric, e.seconds));
  }

  // At every epoch end, every checkpoint_every_steps steps and every checkpoint_every_minutes.
  void checkpoint_if_due(bool epoch_end, Clock::time_point now) {
    const bool periodic = state_.step % options_.checkpoint_every_steps == 0 ||
                          std::chrono::duration<double>(now - last_save_).count() >=
                              options_.checkpoint_every_minutes * 60;
    if (!epoch_end && !periodic) return;
    save_checkpoint(checkpoint_file_, *model_, *optimizer_, state_);
    last_save_ = Clock::now();
  }

  TrainResult finish() {
    result_.steps = state_.step;
    result_.seconds = state_.seconds;
    result_.stop_reason = state_.stop_reason;
    result_.epochs = state_.epochs;
    result_.completed = true;
    export_model(*model_, options_.out_dir, options_.tokenizer_file);
    write_train_log(options_.out_dir / "train_log.json", recipe_, result_);
    return result_;
  }

  const io::Recipe& recipe_;
  const io::TrainSpec& spec_;
  const TrainOptions& options_;
  TrainResult result_;
  bool lm_ = true;
  Split train_, valid_;
  int64_t per_epoch_ = 1, warmup_ = 1;
  std::shared_ptr<Model> model_;
  std::optional<torch::optim::AdamW> optimizer_;
  std::filesystem::path checkpoint_file_;
  CheckpointState state_;
  double prior_seconds_ = 0;
  Clock::time_point session_start_, last_save_, rate_start_;
  int64_t rate_tokens_ = 0;
  std::vector<int64_t> order_;
  int64_t order_epoch_ = -1;
};

}  // namespace

TrainResult train_model(const io::Recipe& recipe, const model::TokenizedTask& task,
                        const TrainOptions& options) {
  return TrainRun(recipe, task, options).run();
}

}  // namespace fitformer::train
