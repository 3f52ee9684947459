// The causal language model of PyTorch's word_language_model example (TransformerModel):
// embedding * sqrt(d) + sinusoidal positions, post-LN nn.TransformerEncoderLayer blocks
// under a causal mask, a linear decoder to vocabulary logits. Dense fp32 reference forward.
#pragma once

#include <filesystem>
#include <span>
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

// One nn.TransformerEncoderLayer (norm_first = False), named as its state_dict.
struct CausalLmLayer {
  Linear in_proj;   // self_attn.in_proj_*: [3d, d], rows q, then k, then v
  Linear out_proj;  // self_attn.out_proj: [d, d]
  LayerNorm norm1;
  Linear linear1;  // [ff, d]
  Linear linear2;  // [d, ff]
  LayerNorm norm2;
};

struct CausalLm {
  io::ModelConfig config;
  std::vector<float> embedding;  // "encoder.weight" [vocab, d]
  std::vector<CausalLmLayer> layers;
  Linear decoder;  // [vocab, d]
  // sinusoidal_positions(max_position_embeddings, d), built once: a forward reads its first
  // seq rows (the table's sin, cos and pow calls cost more than a small model's encoder).
  std::vector<float> positions;
};

// Every tensor a checkpoint must hold, in state_dict order, with its shape.
std::vector<TensorSpec> causal_lm_tensor_specs(const io::ModelConfig& config);

// The encoder layers' prunable linears (in_proj, out_proj, linear1, linear2 per layer, in
// that order) with their tensor names.
std::vector<EncoderLinear> causal_lm_encoder_linears(const io::ModelConfig& config);

// Loads dir/config.json (model_type "fitformer-causal-lm") and dir/model.safetensors.
// Throws Error naming the file and the tensor for a missing tensor or wrong shape. With
// kShapesOnly the tensors of causal_lm_encoder_linears are not read (nor required).
CausalLm load_causal_lm(const std::filesystem::path& dir);
CausalLm build_causal_lm(const io::ModelConfig& config, const io::SafeTensorsFile& weights,
                         EncoderLinears linears = EncoderLinears::kLoad);

// pe[pos, 2i] = sin(pos / 10000^(2i/d)), pe[pos, 2i+1] = cos(same), as [seq, d] (d even).
std::vector<float> sinusoidal_positions(int64_t seq, int64_t d);

// logits [batch, seq, vocab] row-major. Valid positions see only earlier valid positions;
// padded positions' logits are finite but meaningless. Throws Error for a bad batch.
void causal_lm_forward(const CausalLm& model, const TokenBatch& batch, const RunConfig& run,
                       std::span<float> logits);
Tensor causal_lm_forward(const CausalLm& model, const TokenBatch& batch, const RunConfig& run);
// The same with every encoder-layer linear computed by `linears` (the decoder stays dense).
void causal_lm_forward(const CausalLm& model, const TokenBatch& batch, const RunConfig& run,
                       std::span<float> logits, const LinearHook& linears);

}  // namespace fitformer::model
