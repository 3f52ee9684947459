// What a model says about one text (issue 14, `fitformer predict`): the labels of a
// classifier with their probabilities, or the greedy continuation of a language model, run
// through the same sparse runtime `fitformer select` scores with (dense or HPF linears, fp32,
// or the accelerator's fixed point at int16 or int8), so it checks a deployed artifact too.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "data/tokenizer.h"
#include "format/precision.h"
#include "runtime/sparse_model.h"

namespace fitformer::runtime {

// A model folder loaded for prediction: the runtime model (converted to fixed point for int16
// and int8, as score_model does) and its tokenizer.
struct PredictionModel {
  std::filesystem::path dir;
  format::Precision precision = format::Precision::kFp32;
  SparseModel model;
  std::unique_ptr<data::Tokenizer> tokenizer;
};

// Loads dir (config.json, model.safetensors, tokenizer.model or vocab.txt) at `precision`.
// Throws Error naming the file for a bad folder.
PredictionModel load_prediction_model(const std::filesystem::path& dir,
                                      format::Precision precision);

struct PredictOptions {
  int max_new_tokens = 20;  // language model: tokens to continue with (stops early at eos)
  int threads = 1;
};

struct LabelProbability {
  int32_t id = 0;
  std::string label;  // config.json's id2label, else "LABEL_<id>"
  double probability = 0;
};

struct NextToken {
  int32_t id = 0;
  std::string piece;       // the tokenizer's piece
  double probability = 0;  // of this token given everything before it
};

struct TextPrediction {
  int64_t input_tokens = 0;  // tokens the model read (after truncation, special tokens included)
  bool truncated = false;    // the text was longer than the model's window
  // Classifier: every label, most probable first (ties: lower id first).
  std::vector<LabelProbability> labels;
  // Language model: the greedy continuation, token by token, and as text.
  std::vector<NextToken> continuation;
  std::string continuation_text;
};

// Classifier: [CLS] text [SEP], truncated to the model's window (max_position_embeddings
// capped at 512, as score_model), softmax over the logits. Language model: the text's tokens
// (the last window's worth), then max_new_tokens greedy steps, each the argmax of the last
// position's logits (ties: lower id), stopping after eos. Throws Error (field "text") for a
// text with no tokens for a language model.
TextPrediction predict_text(const PredictionModel& model, std::string_view text,
                            const PredictOptions& options);

}  // namespace fitformer::runtime
