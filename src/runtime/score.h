// Scoring a model folder on a task split with the sparse runtime at a chosen precision: what
// `fitformer eval` prints and what `fitformer select` ranks candidates by. fp32 runs the
// runtime as loaded; int16 and int8 emulate the HP accelerator's integer arithmetic in the
// encoder linears (runtime/fixed_linear.h; everything else stays fp32).
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/intervals.h"
#include "data/dataset.h"
#include "data/tokenizer.h"
#include "format/precision.h"
#include "io/model_config.h"
#include "io/recipe.h"

namespace fitformer::runtime {

// The deployed precision is format/precision.h's (named here for the scorer's own code).
using format::Precision;

struct ScoreOptions {
  std::string split = "valid";  // "valid" or "test"
  Precision precision = Precision::kFp32;
  int max_length = 0;  // 0: the model's max_position_embeddings, capped at 512
  int batch_size = 32;
  int threads = 0;  // 0: OpenMP default
  bool progress_bars = false;
  // Also score the trivial baseline (the LM's unigram needs the whole train split
  // tokenized); `select` scores many models of one task and leaves it out.
  bool baseline = true;
};

struct ModelScore {
  std::string task, split;
  Precision precision = Precision::kFp32;
  int64_t examples = 0;     // documents (LM) or rows (classifier) of the split
  int64_t predictions = 0;  // tokens predicted (LM) or rows
  // LM: "ppl" (perplexity) and "acc" (next-token accuracy). Classifier: "acc", "f1" (F1 of
  // label 1 for two labels, else macro F1) and "macro_f1".
  std::map<std::string, double> metrics;
  // 95 % intervals of the metrics that have one (issue 17): a classifier's "acc" is Wilson's
  // over the examples; an LM's "ppl" is exp(mean NLL +- t(0.975, W-1) se) and its "acc" the
  // t interval of the token share, se from the spread of the W evaluation windows
  // (core/intervals.h's ratio_mean; none with fewer than 2 windows). "f1" has none.
  std::map<std::string, ConfidenceInterval> intervals;
  std::map<std::string, double> baseline;  // same keys, the trivial baseline's; empty
                                           // when options.baseline is false
  std::string baseline_kind;
  double seconds = 0;  // wall time of scoring, measured
};

// Scores a model folder (dense, or pruned with HPF matrices; config.json, model.safetensors,
// tokenizer.model or vocab.txt) on the data's split with the sparse runtime at `precision`.
// The window (LM) or truncation length (classifier) is options.max_length or its default.
// Throws Error naming the file and field for a bad folder, a model of the other family than
// the task's, labels the model does not know, or bad options.
ModelScore score_model(const std::filesystem::path& model_dir, const io::DataSpec& data,
                       const std::filesystem::path& data_dir, const ScoreOptions& options);

// The window or truncation length score_model uses for a model: max_length when > 0, else
// the model's max_position_embeddings capped at 512.
int score_length(const io::ModelConfig& config, int max_length);

// The model folder's tokenizer: tokenizer.model (SentencePiece), or WordPiece from vocab.txt or
// tokenizer.json, cased as config.json and the tokenizer files say (data/folder_tokenizer.h).
std::unique_ptr<data::Tokenizer> open_model_tokenizer(const std::filesystem::path& dir);

// Dataset label ids renamed to the model's ids by label name (a model folder may list its
// labels in another order); without names in the model, the counts must agree. config_file
// names the model's config in errors.
std::vector<int32_t> model_label_ids(const io::ModelConfig& config,
                                     std::span<const std::string> dataset_labels,
                                     std::span<const int32_t> ids,
                                     const std::filesystem::path& config_file);

}  // namespace fitformer::runtime
