// What the accelerator runs (DESIGN.md §4): a whole-model schedule, in execution order, of
// the sparse Linear layers (HP geometry per layer) and the dense operations between them
// (attention matmuls, softmax, LayerNorm, GELU, residual adds), at the model's sequence
// length and batch. Shapes only; the simulator takes the weights and activations separately.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "accel/accel_spec.h"
#include "format/hpf.h"
#include "io/model_config.h"
#include "sparsity/hp_plan.h"

namespace fitformer::accel {

// y = W x for `tokens` tokens, W M x K in HPF geometry (Bc, B of the workload): k1 kept row
// segments per column block, n kept weights per bank. A dense layer is k1 = M, n = Bc / B.
struct LinearOp {
  std::string name;  // "layer0.ffn.up"
  int64_t rows = 0;  // M, output features
  int64_t cols = 0;  // K, input features
  int64_t tokens = 0;
  int64_t k1 = 0;
  int64_t n = 0;
  bool pruned = true;  // false: a layer kept dense (LM decoder, pooler, classifier)
};

// `count` independent products of an on-chip M x K operand with K-vectors of `tokens` tokens,
// run on the array in dense mode (k1 = M, n = Bc / B): Q·Kᵀ has M = seq keys, K = head dim,
// tokens = seq queries; P·V has M = head dim (Vᵀ), K = seq, tokens = seq; count = heads x
// batch. Operands come from the output buffer, so nothing streams from off-chip.
struct MatMulOp {
  std::string name;
  int64_t rows = 0;
  int64_t cols = 0;
  int64_t tokens = 0;
  int64_t count = 1;
};

enum class VectorKind { kSoftmax, kLayerNorm, kActivation, kResidual };
inline constexpr std::array<std::string_view, 4> kVectorKindNames = {"softmax", "layernorm",
                                                                     "activation", "residual"};
// Elementwise work on the dedicated vector unit over `elements` values.
struct VectorOp {
  std::string name;
  VectorKind kind = VectorKind::kResidual;
  int64_t elements = 0;
};

using Op = std::variant<LinearOp, MatMulOp, VectorOp>;

struct Workload {
  std::string model;  // e.g. "causal-lm d256 L2"
  int64_t seq = 0;
  int64_t batch = 0;
  int64_t block_cols = sparsity::kDefaultBlockCols;  // Bc of every LinearOp
  int64_t banks = sparsity::kDefaultBanks;           // B of every LinearOp
  std::vector<Op> ops;                               // execution order
};

// How the encoder linears are pruned: sparsity/hp_plan.h's plan, split per matrix.
using sparsity::HpPlan;

// The schedule of one forward pass over batch x seq tokens. Causal LM: per layer the fused
// in_proj (3d x d), Q·Kᵀ, softmax, ·V, out_proj, residual, LayerNorm, FFN up, activation,
// FFN down, residual, LayerNorm (post-LN), then the dense decoder (vocab x d). BERT: the
// embedding LayerNorm, per layer query/key/value (d x d each), the same attention and FFN
// ops, then the dense pooler and classifier on one token per sequence. Throws Error for
// bad plan fields (via sparsity::split) or non-positive seq/batch.
Workload build_workload(const io::ModelConfig& config, int64_t seq, int64_t batch,
                        const HpPlan& plan);

// A LinearOp standing for an HPF matrix (its M, K, k1, n).
LinearOp linear_op_from_hpf(std::string name, const format::hpf::Matrix& w, int64_t tokens);

// Multiply-accumulates the array issues for a LinearOp: blocks * k1 * B * n * tokens (the
// slots of a ragged last block count, as the hardware spends them).
int64_t linear_macs(const LinearOp& op, int64_t block_cols, int64_t banks);

}  // namespace fitformer::accel
