// Training a model from a recipe with libtorch: batches from the tokenized dataset, AdamW
// with warm-up and decay, clipping, dropout, a valid pass per epoch, atomic checkpoints that
// an interrupted run resumes from, and export of a model folder the dense engine loads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "io/model_config.h"
#include "io/recipe.h"
#include "model/evaluate.h"

namespace fitformer::train {

struct TrainOptions {
  // The run's folder: the model (config.json, model.safetensors, tokenizer), checkpoint.pt
  // and train_log.json.
  std::filesystem::path out_dir;
  // The tokenizer's file (a SentencePiece .model or a vocab.txt), copied into out_dir.
  std::filesystem::path tokenizer_file;
  int64_t checkpoint_every_steps = 500;  // besides every epoch end and the last step
  // By time too, so a kill loses at most a minute of training (issue 12).
  double checkpoint_every_minutes = 1;
  bool progress = true;  // draw a progress bar on stderr (when it is a terminal)
  // Without a terminal: one plain progress line (step, rate, ETA, loss) per minute on stderr.
  bool progress_log = false;
  bool restart = false;  // ignore an existing checkpoint and start over
  // Tests only: return right after this optimizer step without saving anything, as if the
  // process had been killed there.
  std::optional<int64_t> abort_after_steps;
  // Receives one line per event (resume, epoch summary); may be empty.
  std::function<void(const std::string&)> log;
};

struct EpochLog {
  int epoch = 0;            // 1-based
  int64_t step = 0;         // optimizer steps done at its end
  double train_loss = 0;    // mean over its steps
  double valid_loss = 0;    // mean cross-entropy (nats per token / per example)
  double valid_metric = 0;  // perplexity (LM) or accuracy (classification)
  double seconds = 0;       // training wall time so far
};

struct TrainResult {
  io::ModelConfig config;
  int64_t parameters = 0;
  int64_t steps = 0;        // optimizer steps done in total
  int64_t total_steps = 0;  // what the schedule planned
  double seconds = 0;       // training wall time, summed over resumed sessions
  bool completed = false;   // false when aborted (abort_after_steps)
  bool resumed = false;     // this call continued a checkpoint
  std::string stop_reason;  // "epochs", "max_steps", "max_minutes" or "aborted"
  std::vector<EpochLog> epochs;
};

// The model config a recipe asks for, given its tokenized task (vocabulary size, special ids,
// labels).
io::ModelConfig model_config_for(const io::Recipe& recipe, const model::TokenizedTask& task);

// Trains (or resumes) the recipe's model on the task's train split, scoring valid after every
// epoch. Deterministic for recipe.train.seed at a fixed thread count. Throws Error when a
// checkpoint in out_dir belongs to a different recipe or data (unless options.restart).
TrainResult train_model(const io::Recipe& recipe, const model::TokenizedTask& task,
                        const TrainOptions& options);

}  // namespace fitformer::train
