// Tokenized evaluation inputs, the metrics and trivial baselines, and the engine-driven
// evaluation loops behind `fitformer eval`.
#include "model/evaluate.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace fitformer::model {

std::vector<int32_t> build_token_stream(std::span<const data::Example> docs,
                                        const data::Tokenizer& tokenizer, Progress* progress) {
  const int32_t eos = tokenizer.special_tokens().eos;
  if (eos < 0) throw Error("", "tokenizer", "a tokenizer with an end-of-sequence token", "none");
  std::vector<int32_t> stream;
  for (const data::Example& doc : docs) {
    const std::vector<int32_t> ids = tokenizer.encode(doc.text);
    stream.insert(stream.end(), ids.begin(), ids.end());
    stream.push_back(eos);
    advance(progress);
  }
  return stream;
}

EncodedRows encode_classification(std::span<const data::Example> examples,
                                  const data::Tokenizer& tokenizer, int seq_len,
                                  Progress* progress) {
  const data::SpecialTokens special = tokenizer.special_tokens();
  if (special.cls < 0 || special.sep < 0 || special.pad < 0)
    throw Error("", "tokenizer", "a tokenizer with [CLS], [SEP] and padding tokens");
  if (seq_len < 3) throw Error("", "seq_len", "at least 3", std::to_string(seq_len));
  EncodedRows rows;
  rows.seq_len = seq_len;
  rows.ids.assign(examples.size() * static_cast<size_t>(seq_len), special.pad);
  rows.lengths.reserve(examples.size());
  rows.labels.reserve(examples.size());
  for (size_t r = 0; r < examples.size(); ++r) {
    const std::vector<int32_t> ids = tokenizer.encode(examples[r].text);
    const size_t body = std::min(ids.size(), static_cast<size_t>(seq_len - 2));
    int32_t* row = rows.ids.data() + r * static_cast<size_t>(seq_len);
    row[0] = special.cls;
    std::copy_n(ids.begin(), body, row + 1);
    row[body + 1] = special.sep;
    rows.lengths.push_back(static_cast<int32_t>(body + 2));
    rows.labels.push_back(examples[r].label);
    advance(progress);
  }
  return rows;
}

ClassificationMetrics classification_metrics(std::span<const int32_t> predicted,
                                             std::span<const int32_t> truth, int num_labels) {
  if (predicted.size() != truth.size())
    throw Error("", "predictions", std::to_string(truth.size()) + " predictions",
                std::to_string(predicted.size()));
  std::vector<int64_t> tp(num_labels, 0), fp(num_labels, 0), fn(num_labels, 0);
  int64_t correct = 0;
  for (size_t i = 0; i < truth.size(); ++i) {
    const int32_t t = truth[i], p = predicted[i];
    if (t < 0 || t >= num_labels || p < 0 || p >= num_labels)
      throw Error("", "label", "an id in [0, " + std::to_string(num_labels) + ")",
                  std::to_string(t < 0 || t >= num_labels ? t : p));
    if (t == p) {
      ++correct;
      ++tp[t];
    } else {
      ++fp[p];
      ++fn[t];
    }
  }
  auto f1 = [&](int c) {
    const double denom = 2.0 * tp[c] + fp[c] + fn[c];
    return denom == 0 ? 0.0 : 2.0 * tp[c] / denom;
  };
  ClassificationMetrics m;
  m.examples = static_cast<int64_t>(truth.size());
  m.accuracy = truth.empty() ? 0.0 : static_cast<double>(correct) / truth.size();
  // Macro F1 over the labels that occur in the truth or the predictions: a label absent from
  // both says nothing about the classifier (scikit-learn's default does the same).
  double sum = 0;
  int counted = 0;
  for (int c = 0; c < num_labels; ++c) {
    if (tp[c] + fp[c] + fn[c] == 0) continue;
    sum += f1(c);
    ++counted;
  }
  m.macro_f1 = counted == 0 ? 0.0 : sum / counted;
  if (num_labels == 2) m.positive_f1 = f1(1);
  return m;
}

ClassificationMetrics majority_baseline(std::span<const int32_t> train_labels,
                                        std::span<const int32_t> truth, int num_labels) {
  std::vector<int64_t> counts(num_labels, 0);
  for (int32_t label : train_labels)
    if (label >= 0 && label < num_labels) ++counts[label];
  const int32_t majority =
      static_cast<int32_t>(std::max_element(counts.begin(), counts.end()) - counts.begin());
  const std::vector<int32_t> predicted(truth.size(), majority);
  return classification_metrics(predicted, truth, num_labels);
}

LmMetrics unigram_baseline(std::span<const int32_t> train_stream,
                           std::span<const int32_t> eval_stream, int vocab_size) {
  std::vector<int64_t> counts(vocab_size, 0);
  for (int32_t id : train_stream) ++counts.at(id);
  const double total = static_cast<double>(train_stream.size()) + vocab_size;
  const int32_t best =
      static_cast<int32_t>(std::max_element(counts.begin(), counts.end()) - counts.begin());
  LmMetrics m;
  double nll = 0;
  int64_t correct = 0;
  for (size_t i = 1; i < eval_stream.size(); ++i) {
    nll -= std::log((counts.at(eval_stream[i]) + 1) / total);
    correct += eval_stream[i] == best;
  }
  m.tokens = eval_stream.size() > 1 ? static_cast<int64_t>(eval_stream.size()) - 1 : 0;
  if (m.tokens > 0) {
    m.mean_nll = nll / m.tokens;
    m.perplexity = std::exp(m.mean_nll);
    m.accuracy = static_cast<double>(correct) / m.tokens;
  }
  return m;
}

LmMetrics evaluate_language_model(const CausalLm& model, std::span<const int32_t> stream,
                                  int window, int batch_size, const RunConfig& run,
                                  Progress* progress) {
  if (window < 1 || window > model.config.max_position_embeddings)
    throw Error("", "window", "1.." + std::to_string(model.config.max_position_embeddings),
                std::to_string(window));
  const int64_t predicted = stream.size() > 1 ? static_cast<int64_t>(stream.size()) - 1 : 0;
  const int64_t windows = (predicted + window - 1) / window;
  const int64_t vocab = model.config.vocab_size;
  double nll = 0;
  int64_t correct = 0;
  for (int64_t first = 0; first < windows; first += batch_size) {
    TokenBatch batch;
    batch.batch_size = std::min<int64_t>(batch_size, windows - first);
    batch.seq_len = window;
    batch.token_ids.assign(static_cast<size_t>(batch.batch_size * window), 0);
    for (int64_t b = 0; b < batch.batch_size; ++b) {
      const int64_t start = (first + b) * window;
      const int64_t len = std::min<int64_t>(window, predicted - start);
      std::copy_n(stream.begin() + start, len, batch.token_ids.begin() + b * window);
      batch.lengths.push_back(len);
    }
    const Tensor logits = causal_lm_forward(model, batch, run);
    for (int64_t b = 0; b < batch.batch_size; ++b) {
      const int64_t start = (first + b) * window;
      for (int64_t t = 0; t < batch.lengths[b]; ++t) {
        const float* row = logits.data.data() + (b * window + t) * vocab;
        const int32_t target = stream[start + t + 1];
        // log-softmax in double: nll = logsumexp(row) - row[target].
        const float* top = std::max_element(row, row + vocab);
        double sum = 0;
        for (int64_t v = 0; v < vocab; ++v) sum += std::exp(static_cast<double>(row[v]) - *top);
        nll += std::log(sum) + *top - row[target];
        correct += (top - row) == target;
      }
    }
    advance(progress, static_cast<uint64_t>(batch.batch_size));
  }
  LmMetrics m;
  m.tokens = predicted;
  if (predicted > 0) {
    m.mean_nll = nll / predicted;
    m.perplexity = std::exp(m.mean_nll);
    m.accuracy = static_cast<double>(correct) / predicted;
  }
  return m;
}

std::vector<int32_t> predict_classes(const BertClassifier& model, const EncodedRows& rows,
                                     int batch_size, const RunConfig& run, Progress* progress) {
  const int64_t n = static_cast<int64_t>(rows.rows()), labels = model.config.num_labels;
  std::vector<int32_t> predicted;
  predicted.reserve(rows.rows());
  for (int64_t first = 0; first < n; first += batch_size) {
    TokenBatch batch;
    batch.batch_size = std::min<int64_t>(batch_size, n - first);
    // Cut the batch to its longest row: padding past it changes nothing but the cost.
    batch.seq_len = 1;
    for (int64_t b = 0; b < batch.batch_size; ++b)
      batch.seq_len = std::max<int64_t>(batch.seq_len, rows.lengths[first + b]);
    for (int64_t b = 0; b < batch.batch_size; ++b) {
      const int32_t* row = rows.ids.data() + (first + b) * rows.seq_len;
      batch.token_ids.insert(batch.token_ids.end(), row, row + batch.seq_len);
      batch.lengths.push_back(rows.lengths[first + b]);
    }
    const Tensor logits = bert_classifier_forward(model, batch, run);
    for (int64_t b = 0; b < batch.batch_size; ++b) {
      const float* row = logits.data.data() + b * labels;
      predicted.push_back(static_cast<int32_t>(std::max_element(row, row + labels) - row));
    }
    advance(progress, static_cast<uint64_t>(batch.batch_size));
  }
  return predicted;
}

}  // namespace fitformer::model
