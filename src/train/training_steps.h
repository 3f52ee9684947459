// The pieces of a training step that the trainer and pruning share: batches cut from a
// tokenized split, the loss, a pass over a split, and the optimizer.
#pragma once

#include <torch/optim/adamw.h>
#include <torch/torch.h>

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "io/recipe.h"
#include "model/evaluate.h"
#include "train/modules.h"

namespace fitformer::train {

// One split, tokenized: a token stream cut into seq_len windows (LM) or encoded rows.
struct Split {
  bool lm = true;
  int seq_len = 0;
  std::vector<int32_t> stream;  // LM
  model::EncodedRows rows;      // classification

  // Windows (LM) or rows (classification).
  int64_t size() const {
    if (!lm) return static_cast<int64_t>(rows.rows());
    return stream.size() > 1 ? static_cast<int64_t>((stream.size() - 1) / seq_len) : 0;
  }
};

struct Batch {
  torch::Tensor ids, mask, targets;  // mask undefined for the LM (nothing is padded)
  int64_t tokens = 0;
};

Split lm_split(const std::vector<int32_t>& stream, int seq_len);
Split rows_split(const model::EncodedRows& rows);

// Items `index` of the split as one batch. Classification rows are cut to the longest row
// of the batch: padding past it changes nothing but the cost.
Batch make_batch(const Split& split, std::span<const int64_t> index);

// Mean cross-entropy of the model on the batch (over tokens for the LM, rows otherwise).
torch::Tensor batch_loss(Model& model, const Batch& batch);

// Mean loss over the split in order and its metric: perplexity (LM) or accuracy
// (classification). Leaves the model in training mode.
std::pair<double, double> evaluate_split(Model& model, const Split& split, int batch_size);

// AdamW with weight decay on the matrices only: biases and LayerNorm gains are left
// undecayed, as in BERT and most Transformer recipes.
torch::optim::AdamW make_optimizer(Model& model, const io::TrainSpec& spec);

}  // namespace fitformer::train
