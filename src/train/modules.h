// The libtorch twins of the two model families of io/model_config.h. Parameter names are
// exactly the safetensors tensor names the dense engine reads, so export and import are a
// walk over named_parameters().
#pragma once

#include <torch/nn/module.h>

#include <filesystem>
#include <memory>

#include "io/model_config.h"

namespace fitformer::train {

// A trainable model of either family. ids [B, T] int64; mask [B, T] bool, true for real
// tokens (right padding), or an undefined tensor when nothing is padded.
// Returns logits: [B, T, vocab] for the causal LM, [B, num_labels] for the classifier.
class Model : public torch::nn::Module {
 public:
  explicit Model(io::ModelConfig config) : config_(std::move(config)) {}
  const io::ModelConfig& config() const { return config_; }
  virtual torch::Tensor forward(const torch::Tensor& ids, const torch::Tensor& mask) = 0;

 private:
  io::ModelConfig config_;
};

// A fresh model with the family's usual initialization, drawn from torch's default
// generator (seed it with torch::manual_seed first for a reproducible start).
std::shared_ptr<Model> make_model(const io::ModelConfig& config);

// Number of scalar parameters.
int64_t count_parameters(const Model& model);

// Writes a model folder the engine loads: config.json, model.safetensors (F32, in
// named_parameters() order) and the tokenizer: a SentencePiece .model is copied as
// tokenizer.model, a vocab.txt as vocab.txt. Each file is written atomically.
void export_model(const Model& model, const std::filesystem::path& dir,
                  const std::filesystem::path& tokenizer_file);

// Reads a model folder back (config.json + model.safetensors); throws Error naming the file
// and tensor when one is missing or has the wrong shape.
std::shared_ptr<Model> import_model(const std::filesystem::path& dir);

}  // namespace fitformer::train
