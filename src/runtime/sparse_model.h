// A pruned model as the sparse runtime runs it (DESIGN.md §1, "CPU: measured on this host with
// fitformer's own sparse runtime"): the dense engine's frame (embeddings, norms, heads) with
// every prunable encoder linear (Q/K/V or the fused in_proj, attention output, FFN up and down)
// held as a runtime::Linear, so HPF layers run on the sparse kernels. A model with HPF layers
// runs the runtime's own forward (runtime/encoder_forward.h: feature-major activations, fused
// kernels, one OpenMP team); an all-dense folder runs the engine's forward bit for bit; the
// fixed-point emulation runs the engine's forward with the integer linears.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <variant>
#include <vector>

#include "io/model_config.h"
#include "model/bert_classifier.h"
#include "model/causal_lm.h"
#include "model/run_config.h"
#include "model/tensor.h"
#include "model/token_batch.h"
#include "runtime/fixed_linear.h"
#include "runtime/linear.h"

namespace fitformer::runtime {

// The linears that stand in for one encoder layer's prunable ones, by site (the sites of
// model::causal_lm_encoder_linears or model::bert_classifier_encoder_linears).
using LayerLinears = std::map<model::LinearSite, Linear>;

struct SparseModel {
  // Everything but the encoder linears, built with model::EncoderLinears::kShapesOnly: its
  // encoder Linears hold shapes only and are never applied.
  std::variant<model::CausalLm, model::BertClassifier> frame;
  std::vector<LayerLinears> layers;  // [num_hidden_layers]
  // Empty: the encoder linears run in fp32 from `layers`. Else (convert_to_fixed_point) they
  // run these, the accelerator's integer arithmetic (runtime/fixed_linear.h).
  std::vector<std::map<model::LinearSite, FixedLinear>> fixed_layers;
};

const io::ModelConfig& model_config(const SparseModel& model);

// Loads a model folder (config.json + model.safetensors, either family). Each encoder linear
// is read as HPF when the file holds an HPF matrix under its weight name
// (format/hpf_safetensors.h; value type f32 or i8, shape [out, in]), else as a dense tensor;
// its bias is always dense. A dense folder therefore loads too (every linear dense). Throws
// Error naming the file and the tensor for a missing or malformed tensor, HPF tensors without
// their metadata, an HPF matrix of the wrong shape or value type, or an HPF matrix anywhere
// but at an encoder linear.
SparseModel load_sparse_model(const std::filesystem::path& dir);

// Makes sparse_forward run every encoder linear in fixed point at `type` (kI8 or kI16; Error
// field "value_type" otherwise), built from `layers` by make_fixed_linear. Everything else
// stays fp32 (runtime/fixed_linear.h).
void convert_to_fixed_point(SparseModel& model, format::ValueType type);

// The output shape of the family's dense forward: [batch, seq, vocab] logits for the causal
// LM, [batch, num_labels] for the classifier.
std::vector<int64_t> output_shape(const SparseModel& model, const model::TokenBatch& batch);

// The family's forward pass (model::causal_lm_forward or model::bert_classifier_forward, same
// results up to rounding, same padding rules and errors) on run.num_threads threads; see the
// top of this file for which forward runs. output has shape_numel(output_shape(model, batch))
// floats.
void sparse_forward(const SparseModel& model, const model::TokenBatch& batch,
                    const model::RunConfig& run, std::span<float> output);
model::Tensor sparse_forward(const SparseModel& model, const model::TokenBatch& batch,
                             const model::RunConfig& run);

// What the encoder linears hold, for reports: their weights as dense M x K counts, the
// weights HPF keeps (dense linears count all), and HPF's bytes (format::hpf::Matrix::bytes)
// next to the fp32 dense bytes of the same linears.
struct SparseModelStats {
  int64_t hpf_linears = 0;
  int64_t dense_linears = 0;
  int64_t weights = 0;
  int64_t kept_weights = 0;
  int64_t hpf_bytes = 0;
  int64_t hpf_dense_bytes = 0;  // 4 * M * K over the HPF linears
};
SparseModelStats sparse_model_stats(const SparseModel& model);

}  // namespace fitformer::runtime
