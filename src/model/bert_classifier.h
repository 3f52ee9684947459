// HuggingFace's BertForSequenceClassification: word + position + segment embeddings, post-LN
// encoder layers, tanh pooler over the first token, a linear classifier. Dense fp32
// reference forward, tensor names as HuggingFace writes them so their checkpoints load.
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "io/model_config.h"
#include "io/safetensors.h"
#include "model/layers.h"
#include "model/linear.h"
#include "model/run_config.h"
#include "model/tensor.h"
#include "model/token_batch.h"
#include "model/weights.h"

namespace fitformer::model {

// One BertLayer, fields named after the HuggingFace modules they come from.
struct BertLayer {
  Linear query, key, value;  // attention.self.*: [d, d]
  Linear attention_output;   // attention.output.dense: [d, d]
  LayerNorm attention_norm;  // attention.output.LayerNorm
  Linear intermediate;       // intermediate.dense: [ff, d]
  Linear output;             // output.dense: [d, ff]
  LayerNorm output_norm;     // output.LayerNorm
};

struct BertClassifier {
  io::ModelConfig config;
  std::vector<float> word_embeddings;        // [vocab, d]
  std::vector<float> position_embeddings;    // [max_position_embeddings, d]
  std::vector<float> token_type_embeddings;  // [type_vocab_size, d]
  LayerNorm embedding_norm;
  std::vector<BertLayer> layers;
  Linear pooler;      // [d, d]
  Linear classifier;  // [num_labels, d]
};

// Every tensor a checkpoint must hold, with its shape, named with the "bert." prefix.
std::vector<TensorSpec> bert_classifier_tensor_specs(const io::ModelConfig& config);

// "bert." or "": the prefix of the encoder's tensor names in `weights` (HuggingFace names the
// encoder "bert.*" inside the classifier, bare when a BertModel is saved alone).
std::string bert_encoder_root(const io::SafeTensorsFile& weights);

// The encoder layers' prunable linears (query, key, value, attention output, intermediate,
// output per layer, in that order) with their tensor names under `root`.
std::vector<EncoderLinear> bert_classifier_encoder_linears(const io::ModelConfig& config,
                                                           const std::string& root = "bert.");

// Loads dir/config.json (model_type "bert") and dir/model.safetensors. The encoder's names
// may lack the "bert." prefix (as a bare BertModel saves them); "classifier.*" is required.
// Tensors the model does not use (e.g. a stored position_ids buffer) are ignored. Throws
// Error naming the file and the tensor for a missing tensor or wrong shape. With kShapesOnly
// the tensors of bert_classifier_encoder_linears are not read (nor required).
BertClassifier load_bert_classifier(const std::filesystem::path& dir);
BertClassifier build_bert_classifier(const io::ModelConfig& config,
                                     const io::SafeTensorsFile& weights,
                                     EncoderLinears linears = EncoderLinears::kLoad);

// pooled = act(pooled) in place, act the config's pooler_hidden_act (tanh or relu); throws
// Error naming the field for another.
void apply_pooler_activation(const io::ModelConfig& config, std::span<float> pooled);

// logits [batch, num_labels] from each sequence's valid tokens (keys past a row's length
// are masked). token_type_ids empty means segment 0 everywhere. Throws Error for a bad batch.
void bert_classifier_forward(const BertClassifier& model, const TokenBatch& batch,
                             const RunConfig& run, std::span<float> logits);
Tensor bert_classifier_forward(const BertClassifier& model, const TokenBatch& batch,
                               const RunConfig& run);
// The same with every encoder-layer linear computed by `linears` (pooler and classifier stay
// dense).
void bert_classifier_forward(const BertClassifier& model, const TokenBatch& batch,
                             const RunConfig& run, std::span<float> logits,
                             const LinearHook& linears);

}  // namespace fitformer::model
