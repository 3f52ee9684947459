// The sparse runtime's own forward pass of a SparseModel whose encoder linears run in fp32 or
// on int8 HPF weights: the dense engine's computation (model::causal_lm_forward,
// model::bert_classifier_forward; same results up to rounding, same padding rules and errors)
// re-planned around the kernels:
//  - activations stay feature-major (the kernels' X and Y) from the embedding to the head, so
//    no linear needs a transpose;
//  - each linear's bias, residual add, activation and |y| maximum are fused into its kernel
//    (kernels/spmm_fused.h); the layer norm after a residual is one column-wise pass
//    (kernels/layer_norm.h); attention is the fused per-head kernel (kernels/attention.h);
//  - an int8 linear's input is quantized once while it is copied into the kernel's input
//    layout, and one copy serves Q, K and V;
//  - the encoder runs in one OpenMP team of run.num_threads threads, with a barrier between
//    dependent steps, instead of a parallel region per op.
// Embeddings, the LM decoder and BERT's pooler and classifier are the engine's dense ops.
#pragma once

#include <span>

#include "model/run_config.h"
#include "model/token_batch.h"
#include "runtime/sparse_model.h"

namespace fitformer::runtime {

// output as sparse_forward's. model.fixed_layers must be empty (the fixed-point emulation runs
// through the engine's forward instead). run.profile, when set, gets the time per op.
void encoder_forward(const SparseModel& model, const model::TokenBatch& batch,
                     const model::RunConfig& run, std::span<float> output);

}  // namespace fitformer::runtime
