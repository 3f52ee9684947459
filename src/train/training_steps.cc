// Batches, loss, split evaluation and the optimizer shared by training and pruning.
#include "train/training_steps.h"

#include <torch/nn/functional/loss.h>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace fitformer::train {

Split lm_split(const std::vector<int32_t>& stream, int seq_len) {
  Split split;
  split.lm = true;
  split.seq_len = seq_len;
  split.stream = stream;
  return split;
}

Split rows_split(const model::EncodedRows& rows) {
  Split split;
  split.lm = false;
  split.seq_len = rows.seq_len;
  split.rows = rows;
  return split;
}

Batch make_batch(const Split& split, std::span<const int64_t> index) {
  const int64_t b = static_cast<int64_t>(index.size());
  Batch batch;
  if (split.lm) {
    const int64_t len = split.seq_len;
    batch.ids = torch::empty({b, len}, torch::kLong);
    batch.targets = torch::empty({b, len}, torch::kLong);
    auto ids = batch.ids.accessor<int64_t, 2>();
    auto targets = batch.targets.accessor<int64_t, 2>();
    for (int64_t i = 0; i < b; ++i) {
      const int32_t* seq = split.stream.data() + index[i] * len;
      for (int64_t j = 0; j < len; ++j) {
        ids[i][j] = seq[j];
        targets[i][j] = seq[j + 1];
      }
    }
    batch.tokens = b * len;
    return batch;
  }
  int64_t len = 1;
  for (int64_t r : index) len = std::max<int64_t>(len, split.rows.lengths[r]);
  batch.ids = torch::empty({b, len}, torch::kLong);
  batch.mask = torch::zeros({b, len}, torch::kBool);
  batch.targets = torch::empty({b}, torch::kLong);
  auto ids = batch.ids.accessor<int64_t, 2>();
  auto mask = batch.mask.accessor<bool, 2>();
  auto targets = batch.targets.accessor<int64_t, 1>();
  for (int64_t i = 0; i < b; ++i) {
    const int64_t r = index[i];
    const int32_t* row = split.rows.ids.data() + r * split.rows.seq_len;
    for (int64_t j = 0; j < len; ++j) {
      ids[i][j] = row[j];
      mask[i][j] = j < split.rows.lengths[r];
    }
    targets[i] = split.rows.labels[r];
    batch.tokens += split.rows.lengths[r];
  }
  return batch;
}

torch::Tensor batch_loss(Model& model, const Batch& batch) {
  torch::Tensor logits = model.forward(batch.ids, batch.mask);
  if (batch.mask.defined()) return torch::nn::functional::cross_entropy(logits, batch.targets);
  return torch::nn::functional::cross_entropy(logits.reshape({-1, logits.size(-1)}),
                                              batch.targets.reshape({-1}));
}

std::pair<double, double> evaluate_split(Model& model, const Split& split, int batch_size) {
  torch::NoGradGuard no_grad;
  model.eval();
  double loss_sum = 0, correct = 0, count = 0;
  for (int64_t start = 0; start < split.size(); start += batch_size) {
    std::vector<int64_t> index(std::min<int64_t>(batch_size, split.size() - start));
    std::iota(index.begin(), index.end(), start);
    const Batch batch = make_batch(split, index);
    torch::Tensor logits = model.forward(batch.ids, batch.mask);
    if (!split.lm) {
      loss_sum += torch::nn::functional::cross_entropy(
                      logits, batch.targets,
                      torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                      .item<double>();
      correct += logits.argmax(-1).eq(batch.targets).sum().item<double>();
      count += static_cast<double>(index.size());
    } else {
      logits = logits.reshape({-1, logits.size(-1)});
      torch::Tensor targets = batch.targets.reshape({-1});
      loss_sum += torch::nn::functional::cross_entropy(
                      logits, targets,
                      torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                      .item<double>();
      correct += logits.argmax(-1).eq(targets).sum().item<double>();
      count += static_cast<double>(targets.numel());
    }
  }
  model.train();
  const double loss = count > 0 ? loss_sum / count : 0;
  return {loss, split.lm ? std::exp(loss) : (count > 0 ? correct / count : 0)};
}

torch::optim::AdamW make_optimizer(Model& model, const io::TrainSpec& spec) {
  std::vector<torch::Tensor> decay, no_decay;
  for (const auto& p : model.parameters()) (p.dim() >= 2 ? decay : no_decay).push_back(p);
  auto options = [&](double wd) {
    return std::make_unique<torch::optim::AdamWOptions>(
        torch::optim::AdamWOptions(spec.learning_rate).weight_decay(wd));
  };
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decay, options(spec.weight_decay));
  groups.emplace_back(no_decay, options(0.0));
  return torch::optim::AdamW(groups, torch::optim::AdamWOptions(spec.learning_rate));
}

}  // namespace fitformer::train
