// Tokenized evaluation inputs, the metrics and trivial baselines, and the engine-driven
// evaluation loops behind `fitformer eval`.
#include "model/evaluate.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/json_reader.h"
#include "io/safetensors.h"

namespace fitformer::model {

std::vector<int32_t> build_token_stream(std::span<const data::Example> docs,
                                        const data::Tokenizer& tokenizer, Progress* progress) {
  const int32_t eos = tokenizer.special_tokens().eos;
  if (eos < 0)
    throw Error(tokenizer.source(), "", "a vocabulary with an end-of-sequence token", "none");
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
    throw Error(tokenizer.source(), "", "a vocabulary with [CLS], [SEP] and [PAD] tokens", "none");
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

TokenizedTask tokenize_task(const data::Dataset& dataset, const data::Tokenizer& tokenizer,
                            int seq_len, Progress* progress) {
  TokenizedTask task;
  task.kind = dataset.kind;
  task.vocab_size = tokenizer.vocab_size();
  task.special = tokenizer.special_tokens();
  task.label_names = dataset.label_names;
  if (dataset.kind == data::TaskKind::kLanguageModel) {
    task.train_stream = build_token_stream(dataset.train, tokenizer, progress);
    task.valid_stream = build_token_stream(dataset.valid, tokenizer, progress);
  } else {
    task.train_rows = encode_classification(dataset.train, tokenizer, seq_len, progress);
    task.valid_rows = encode_classification(dataset.valid, tokenizer, seq_len, progress);
  }
  return task;
}

namespace {

io::TensorInfo i32_tensor(std::string name, std::vector<int64_t> shape,
                          const std::vector<int32_t>& values) {
  io::TensorInfo t;
  t.name = std::move(name);
  t.dtype = io::DType::kI32;
  t.shape = std::move(shape);
  t.bytes = std::as_bytes(std::span(values));
  return t;
}

std::vector<int32_t> read_i32(const io::SafeTensorsFile& file, const std::string& name) {
  const io::TensorInfo& t = file.tensor(name);
  if (t.dtype != io::DType::kI32)
    throw Error(file.path().string(), name, "dtype I32", std::string(io::dtype_name(t.dtype)));
  std::vector<int32_t> values(t.bytes.size() / sizeof(int32_t));
  std::memcpy(values.data(), t.bytes.data(), values.size() * sizeof(int32_t));
  return values;
}

// The metadata value `key` as parsed JSON; throws Error naming the file if absent or invalid.
nlohmann::json read_meta(const io::SafeTensorsFile& file, const std::string& key) {
  const auto it = file.metadata().find(key);
  if (it == file.metadata().end())
    throw Error(file.path().string(), "__metadata__." + key, "a value", "none");
  return io::parse_json(it->second, file.path().string(), "__metadata__." + key);
}

}  // namespace

void save_tokenized_task(const TokenizedTask& task, const std::filesystem::path& file) {
  const bool lm = task.kind == data::TaskKind::kLanguageModel;
  std::vector<io::TensorInfo> tensors;
  if (lm) {
    tensors.push_back(i32_tensor("train.stream", {static_cast<int64_t>(task.train_stream.size())},
                                 task.train_stream));
    tensors.push_back(i32_tensor("valid.stream", {static_cast<int64_t>(task.valid_stream.size())},
                                 task.valid_stream));
  } else {
    for (const auto& [split, rows] :
         {std::pair{"train", &task.train_rows}, std::pair{"valid", &task.valid_rows}}) {
      const int64_t n = static_cast<int64_t>(rows->rows());
      tensors.push_back(i32_tensor(std::string(split) + ".ids", {n, rows->seq_len}, rows->ids));
      tensors.push_back(i32_tensor(std::string(split) + ".lengths", {n}, rows->lengths));
      tensors.push_back(i32_tensor(std::string(split) + ".labels", {n}, rows->labels));
    }
  }
  const data::SpecialTokens& s = task.special;
  const nlohmann::json special = {{"pad", s.pad}, {"unk", s.unk}, {"bos", s.bos},  {"eos", s.eos},
                                  {"cls", s.cls}, {"sep", s.sep}, {"mask", s.mask}};
  io::write_safetensors(file, tensors,
                        {{"kind", nlohmann::json(lm ? "language-model" : "classification").dump()},
                         {"vocab_size", std::to_string(task.vocab_size)},
                         {"special_tokens", special.dump()},
                         {"label_names", nlohmann::json(task.label_names).dump()}});
}

TokenizedTask load_tokenized_task(const std::filesystem::path& path) {
  const io::SafeTensorsFile file = io::SafeTensorsFile::open(path);
  TokenizedTask task;
  try {
    const std::string kind = read_meta(file, "kind").get<std::string>();
    task.kind =
        kind == "classification" ? data::TaskKind::kClassification : data::TaskKind::kLanguageModel;
    task.vocab_size = read_meta(file, "vocab_size").get<int32_t>();
    const nlohmann::json s = read_meta(file, "special_tokens");
    task.special = {s.at("pad"), s.at("unk"), s.at("bos"), s.at("eos"),
                    s.at("cls"), s.at("sep"), s.at("mask")};
    task.label_names = read_meta(file, "label_names").get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(path.string(), "__metadata__", "fitformer tokenized-task metadata", e.what());
  }
  if (task.kind == data::TaskKind::kLanguageModel) {
    task.train_stream = read_i32(file, "train.stream");
    task.valid_stream = read_i32(file, "valid.stream");
    return task;
  }
  for (const auto& [split, rows] :
       {std::pair{"train", &task.train_rows}, std::pair{"valid", &task.valid_rows}}) {
    const io::TensorInfo& ids = file.tensor(std::string(split) + ".ids");
    if (ids.shape.size() != 2)
      throw Error(path.string(), ids.name, "shape [rows, seq_len]", "another rank");
    rows->seq_len = static_cast<int>(ids.shape[1]);
    rows->ids = read_i32(file, ids.name);
    rows->lengths = read_i32(file, std::string(split) + ".lengths");
    rows->labels = read_i32(file, std::string(split) + ".labels");
    if (rows->lengths.size() != static_cast<size_t>(ids.shape[0]) ||
        rows->labels.size() != rows->lengths.size())
      throw Error(path.string(), std::string(split) + ".lengths",
                  std::to_string(ids.shape[0]) + " rows", std::to_string(rows->lengths.size()));
  }
  return task;
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
  m.correct = correct;
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
  const ForwardFn forward = [&](const TokenBatch& batch, std::span<float> logits) {
    causal_lm_forward(model, batch, run, logits);
  };
  return evaluate_language_model(forward, model.config, stream, window, batch_size, progress);
}

LmMetrics evaluate_language_model(const ForwardFn& forward, const io::ModelConfig& config,
                                  std::span<const int32_t> stream, int window, int batch_size,
                                  Progress* progress) {
  if (window < 1 || window > config.max_position_embeddings)
    throw Error("", "window", "1.." + std::to_string(config.max_position_embeddings),
                std::to_string(window));
  if (batch_size < 1) throw Error("", "batch_size", ">= 1", std::to_string(batch_size));
  const int64_t predicted = stream.size() > 1 ? static_cast<int64_t>(stream.size()) - 1 : 0;
  const int64_t windows = (predicted + window - 1) / window;
  const int64_t vocab = config.vocab_size;
  std::vector<float> logits;
  double nll = 0;
  int64_t correct = 0;
  LmMetrics m;
  m.window_nll.reserve(static_cast<size_t>(windows));
  m.window_correct.reserve(static_cast<size_t>(windows));
  m.window_tokens.reserve(static_cast<size_t>(windows));
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
    logits.resize(static_cast<size_t>(batch.batch_size * window * vocab));
    forward(batch, logits);
    for (int64_t b = 0; b < batch.batch_size; ++b) {
      const int64_t start = (first + b) * window;
      double window_nll = 0;
      int64_t window_correct = 0;
      for (int64_t t = 0; t < batch.lengths[b]; ++t) {
        const float* row = logits.data() + (b * window + t) * vocab;
        const int32_t target = stream[start + t + 1];
        // log-softmax in double: nll = logsumexp(row) - row[target].
        const float* top = std::max_element(row, row + vocab);
        double sum = 0;
        for (int64_t v = 0; v < vocab; ++v) sum += std::exp(static_cast<double>(row[v]) - *top);
        window_nll += std::log(sum) + *top - row[target];
        window_correct += (top - row) == target;
      }
      nll += window_nll;
      correct += window_correct;
      m.window_nll.push_back(window_nll);
      m.window_correct.push_back(window_correct);
      m.window_tokens.push_back(batch.lengths[b]);
    }
    advance(progress, static_cast<uint64_t>(batch.batch_size));
  }
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
  const ForwardFn forward = [&](const TokenBatch& batch, std::span<float> logits) {
    bert_classifier_forward(model, batch, run, logits);
  };
  return predict_classes(forward, model.config.num_labels, rows, batch_size, progress);
}

std::vector<int32_t> predict_classes(const ForwardFn& forward, int num_labels,
                                     const EncodedRows& rows, int batch_size, Progress* progress) {
  if (batch_size < 1) throw Error("", "batch_size", ">= 1", std::to_string(batch_size));
  const int64_t n = static_cast<int64_t>(rows.rows()), labels = num_labels;
  std::vector<float> logits;
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
    logits.resize(static_cast<size_t>(batch.batch_size * labels));
    forward(batch, logits);
    for (int64_t b = 0; b < batch.batch_size; ++b) {
      const float* row = logits.data() + b * labels;
      predicted.push_back(static_cast<int32_t>(std::max_element(row, row + labels) - row));
    }
    advance(progress, static_cast<uint64_t>(batch.batch_size));
  }
  return predicted;
}

}  // namespace fitformer::model
