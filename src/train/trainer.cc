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

#include "core/error.h"
#include "core/files.h"
#include "core/hash.h"
#include "core/progress.h"
#include "core/random.h"
#include "model/evaluate.h"
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
  const io::ModelSpec& m = recipe.model;
  io::ModelFamily family;
  if (m.family == "causal-lm")
    family = io::ModelFamily::kCausalLm;
  else if (m.family == "bert-classifier")
    family = io::ModelFamily::kBertClassifier;
  else
    throw Error(recipe.file.string(), "model.family", "causal-lm or bert-classifier", m.family);
  const bool lm = family == io::ModelFamily::kCausalLm;
  if (lm != (task.kind == data::TaskKind::kLanguageModel))
    throw Error(
        recipe.file.string(), "model.family",
        lm ? "bert-classifier for a classification task" : "causal-lm for a language-model task",
        m.family);
  io::ModelConfig c = io::default_model_config(family);
  c.vocab_size = task.vocab_size;
  c.hidden_size = m.hidden_size;
  c.num_hidden_layers = m.num_layers;
  c.num_attention_heads = m.num_heads;
  c.intermediate_size = m.intermediate_size;
  c.max_position_embeddings = m.max_length;
  if (!m.activation.empty()) c.hidden_act = m.activation;
  c.hidden_dropout_prob = m.dropout;
  c.attention_probs_dropout_prob = m.dropout;
  c.pad_token_id = std::max(0, task.special.pad);
  if (!lm) {
    c.num_labels = static_cast<int>(task.label_names.size());
    c.label_names = task.label_names;
  }
  if (c.hidden_size % c.num_attention_heads != 0)
    throw Error(recipe.file.string(), "model.num_heads",
                "a divisor of hidden_size " + std::to_string(c.hidden_size),
                std::to_string(c.num_attention_heads));
  const int seq_len = lm ? recipe.train.seq_len : task.train_rows.seq_len;
  if (seq_len > c.max_position_embeddings)
    throw Error(recipe.file.string(), "train.seq_len",
                "at most model.max_length " + std::to_string(c.max_position_embeddings),
                std::to_string(seq_len));
  return c;
}

TrainResult train_model(const io::Recipe& recipe, const model::TokenizedTask& task,
                        const TrainOptions& options) {
  const io::TrainSpec& spec = recipe.train;
  const auto log = [&](const std::string& line) {
    if (options.log) options.log(line);
  };
  set_torch_threads(spec.threads);
  TrainResult result;
  result.config = model_config_for(recipe, task);
  const bool lm = result.config.family == io::ModelFamily::kCausalLm;

  const Split train = lm ? lm_split(task.train_stream, spec.seq_len) : rows_split(task.train_rows);
  const Split valid = lm ? lm_split(task.valid_stream, spec.seq_len) : rows_split(task.valid_rows);
  if (train.size() == 0)
    throw Error(recipe.file.string(), "data", "a train split long enough for one sequence");
  const int64_t per_epoch = (train.size() + spec.batch_size - 1) / spec.batch_size;
  result.total_steps = per_epoch * spec.epochs;
  if (spec.max_steps) result.total_steps = std::min(result.total_steps, *spec.max_steps);
  const int64_t warmup = std::max<int64_t>(
      1, std::llround(spec.warmup_fraction * static_cast<double>(result.total_steps)));

  torch::manual_seed(spec.seed);
  std::shared_ptr<Model> model = make_model(result.config);
  result.parameters = count_parameters(*model);
  torch::optim::AdamW optimizer = make_optimizer(*model, spec);

  const std::filesystem::path checkpoint_file = options.out_dir / "checkpoint.pt";
  CheckpointState state;
  state.fingerprint = fingerprint(result.config, spec, train);
  if (!options.restart) {
    if (auto loaded = load_checkpoint(checkpoint_file, *model, optimizer)) {
      if (loaded->fingerprint != state.fingerprint)
        throw Error(checkpoint_file.string(), "fingerprint",
                    "a checkpoint of this recipe and data (pass --restart to start over)",
                    "one from a different recipe, profile or dataset");
      state = *loaded;
      result.resumed = true;
      log(fmt::format("resuming {} at step {} of {}", checkpoint_file.string(), state.step,
                      result.total_steps));
    }
  }

  const auto finish = [&]() {
    result.steps = state.step;
    result.seconds = state.seconds;
    result.stop_reason = state.stop_reason;
    result.epochs = state.epochs;
    result.completed = true;
    export_model(*model, options.out_dir, options.tokenizer_file);
    write_train_log(options.out_dir / "train_log.json", recipe, result);
    return result;
  };
  if (state.finished) return finish();

  Progress progress("train " + recipe.name, static_cast<uint64_t>(result.total_steps), "step",
                    options.progress);
  progress.resume_from(static_cast<uint64_t>(state.step));
  if (options.progress_log) progress.log_every(std::chrono::minutes(1));
  const double prior_seconds = state.seconds;
  const Clock::time_point session_start = Clock::now();
  Clock::time_point last_save = session_start;
  Clock::time_point rate_start = session_start;
  int64_t rate_tokens = 0;
  model->train();

  const auto end_epoch = [&]() {
    const auto [valid_loss, metric] = evaluate_split(*model, valid, spec.batch_size);
    EpochLog e;
    e.epoch = static_cast<int>((state.step + per_epoch - 1) / per_epoch);
    e.step = state.step;
    e.train_loss = state.epoch_loss_steps > 0 ? state.epoch_loss_sum / state.epoch_loss_steps : 0;
    e.valid_loss = valid_loss;
    e.valid_metric = metric;
    e.seconds = state.seconds;
    state.epochs.push_back(e);
    state.epoch_loss_sum = 0;
    state.epoch_loss_steps = 0;
    log(
        fmt::format("epoch {} step {}: train loss {:.4f}, valid loss {:.4f}, valid {} {:.4f} "
                    "({:.0f} s)",
                    e.epoch, e.step, e.train_loss, e.valid_loss, lm ? "perplexity" : "accuracy",
                    e.valid_metric, e.seconds));
  };

  std::vector<int64_t> order;
  int64_t order_epoch = -1;
  while (state.step < result.total_steps) {
    const int64_t epoch = state.step / per_epoch, in_epoch = state.step % per_epoch;
    if (epoch != order_epoch) {
      order = epoch_order(train.size(), spec.seed, epoch);
      order_epoch = epoch;
    }
    const int64_t first = in_epoch * spec.batch_size;
    const int64_t count = std::min<int64_t>(spec.batch_size, train.size() - first);
    const Batch batch = make_batch(train, std::span(order).subspan(first, count));

    const double lr = learning_rate(spec.learning_rate, state.step, warmup, result.total_steps);
    for (auto& group : optimizer.param_groups())
      static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
    optimizer.zero_grad();
    torch::Tensor loss = batch_loss(*model, batch);
    loss.backward();
    if (spec.clip_norm > 0) torch::nn::utils::clip_grad_norm_(model->parameters(), spec.clip_norm);
    optimizer.step();
    ++state.step;

    const double loss_value = loss.item<double>();
    state.epoch_loss_sum += loss_value;
    ++state.epoch_loss_steps;
    const Clock::time_point now = Clock::now();
    state.seconds = prior_seconds + std::chrono::duration<double>(now - session_start).count();
    rate_tokens += batch.tokens;
    const double rate_s = std::chrono::duration<double>(now - rate_start).count();
    progress.set_note(fmt::format("loss {:.3f} lr {:.1e} {:.0f} tok/s", loss_value, lr,
                                  rate_s > 0 ? rate_tokens / rate_s : 0.0));
    progress.advance();
    if (rate_s > 10) {  // a rate over the last ~10 s, not since the start
      rate_start = now;
      rate_tokens = 0;
    }
    if (options.abort_after_steps && state.step >= *options.abort_after_steps) {
      result.steps = state.step;
      result.stop_reason = "aborted";
      return result;
    }

    bool stop = false;
    if (state.step == result.total_steps) {
      state.stop_reason =
          spec.max_steps && state.step == *spec.max_steps && state.step < per_epoch * spec.epochs
              ? "max_steps"
              : "epochs";
      stop = true;
    } else if (spec.max_minutes && state.seconds >= *spec.max_minutes * 60) {
      state.stop_reason = "max_minutes";
      stop = true;
    }
    const bool epoch_end = state.step % per_epoch == 0 || stop;
    if (epoch_end) end_epoch();
    state.finished = stop;
    const bool periodic = state.step % options.checkpoint_every_steps == 0 ||
                          std::chrono::duration<double>(now - last_save).count() >=
                              options.checkpoint_every_minutes * 60;
    if (epoch_end || periodic) {
      save_checkpoint(checkpoint_file, *model, optimizer, state);
      last_save = Clock::now();
    }
    if (stop) break;
  }
  progress.finish();
  return finish();
}

}  // namespace fitformer::train
