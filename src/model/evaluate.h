// Evaluation of a model folder on a task with the dense engine (no libtorch): perplexity and
// next-token accuracy for the causal LM, accuracy and F1 for the classifier, and the trivial
// baselines every trained model must beat. Also the tokenized inputs that training shares.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/progress.h"
#include "data/dataset.h"
#include "data/tokenizer.h"
#include "model/bert_classifier.h"
#include "model/causal_lm.h"
#include "model/run_config.h"
#include "model/token_batch.h"

namespace fitformer::model {

// --- inputs -----------------------------------------------------------------------------

// Language modeling: every document's ids followed by eos (the tokenizer's eos; it must
// have one), concatenated in order.
std::vector<int32_t> build_token_stream(std::span<const data::Example> docs,
                                        const data::Tokenizer& tokenizer,
                                        Progress* progress = nullptr);

// Classification rows: [CLS] ids [SEP], truncated to seq_len (the [SEP] kept), right-padded
// with the pad id. ids is rows x seq_len row-major; lengths counts the real tokens.
struct EncodedRows {
  int seq_len = 0;
  std::vector<int32_t> ids;
  std::vector<int32_t> lengths;
  std::vector<int32_t> labels;  // Example::label per row
  size_t rows() const { return lengths.size(); }
};
EncodedRows encode_classification(std::span<const data::Example> examples,
                                  const data::Tokenizer& tokenizer, int seq_len,
                                  Progress* progress = nullptr);

// A task's train and valid splits as token ids: what the trainer consumes. Training runs in
// its own process (libtorch's protobuf and SentencePiece's bundled one cannot share a process),
// so `fitformer train` tokenizes and hands this over as a safetensors file.
struct TokenizedTask {
  data::TaskKind kind = data::TaskKind::kLanguageModel;
  int32_t vocab_size = 0;
  data::SpecialTokens special;
  std::vector<std::string> label_names;             // classification
  std::vector<int32_t> train_stream, valid_stream;  // language model
  EncodedRows train_rows, valid_rows;               // classification (seq_len rows)
};

// Tokenizes dataset.train and dataset.valid: token streams for a language model, rows of
// seq_len for classification.
TokenizedTask tokenize_task(const data::Dataset& dataset, const data::Tokenizer& tokenizer,
                            int seq_len, Progress* progress = nullptr);

// I32 tensors ("train.stream", or "train.ids" [rows, seq_len], "train.lengths", "train.labels";
// the same for valid) with kind, vocabulary size, special ids and labels in the metadata.
void save_tokenized_task(const TokenizedTask& task, const std::filesystem::path& file);
// Throws Error naming the file and field for anything missing or inconsistent.
TokenizedTask load_tokenized_task(const std::filesystem::path& file);

// --- metrics ----------------------------------------------------------------------------

struct LmMetrics {
  double perplexity = 0;  // exp(mean negative log-likelihood, nats)
  double accuracy = 0;    // top-1 next-token accuracy
  double mean_nll = 0;
  int64_t tokens = 0;  // predicted tokens
  // Per evaluation window, in stream order: the summed NLL (nats), the correct top-1
  // predictions and the predicted tokens; the clusters of the metrics' intervals
  // (core/intervals.h's ratio_mean). Empty for the unigram baseline.
  std::vector<double> window_nll;
  std::vector<int64_t> window_correct, window_tokens;
};

struct ClassificationMetrics {
  double accuracy = 0;
  double macro_f1 = 0;  // unweighted mean F1 over the labels present in truth or predictions
  std::optional<double> positive_f1;  // two labels: F1 of label 1 (e.g. "spam")
  int64_t examples = 0;
  int64_t correct = 0;  // examples predicted right (accuracy's numerator)
};

// predicted and truth hold label ids in [0, num_labels).
ClassificationMetrics classification_metrics(std::span<const int32_t> predicted,
                                             std::span<const int32_t> truth, int num_labels);

// Majority class of train_labels, scored on truth.
ClassificationMetrics majority_baseline(std::span<const int32_t> train_labels,
                                        std::span<const int32_t> truth, int num_labels);

// Unigram model from train token counts with add-one (Laplace) smoothing over the whole
// vocabulary, scored on every token of eval_stream but the first (the LM's targets).
LmMetrics unigram_baseline(std::span<const int32_t> train_stream,
                           std::span<const int32_t> eval_stream, int vocab_size);

// --- the engine -------------------------------------------------------------------------

// Next-token metrics of the causal LM over `stream`, cut into non-overlapping windows of
// `window` inputs (the last one shorter), each predicting its inputs shifted by one; so every
// token but the first is predicted once, from at most `window` tokens of context.
LmMetrics evaluate_language_model(const CausalLm& model, std::span<const int32_t> stream,
                                  int window, int batch_size, const RunConfig& run,
                                  Progress* progress = nullptr);

// A forward pass of either family: fills output with the logits of `batch` ([batch, seq,
// vocab] for a causal LM, [batch, num_labels] for a classifier). Lets the metrics below run
// on another engine than the dense one (the sparse runtime, its fixed-point emulation).
using ForwardFn = std::function<void(const TokenBatch& batch, std::span<float> output)>;

// evaluate_language_model with `forward` for a causal LM of this config.
LmMetrics evaluate_language_model(const ForwardFn& forward, const io::ModelConfig& config,
                                  std::span<const int32_t> stream, int window, int batch_size,
                                  Progress* progress = nullptr);

// Argmax label of the classifier for every row.
std::vector<int32_t> predict_classes(const BertClassifier& model, const EncodedRows& rows,
                                     int batch_size, const RunConfig& run,
                                     Progress* progress = nullptr);
// predict_classes with `forward` for a classifier of num_labels labels.
std::vector<int32_t> predict_classes(const ForwardFn& forward, int num_labels,
                                     const EncodedRows& rows, int batch_size,
                                     Progress* progress = nullptr);

}  // namespace fitformer::model
