// Fixed-point emulation of the encoder linears (DESIGN.md §4: "a bit-accurate software
// emulation so that accuracy is measured at the deployed precision"): each prunable encoder
// linear computed with the HP accelerator's integer arithmetic (kernels/fixed_point.h), its
// output dequantized to fp32 for the rest of the model.
//
// Only the encoder linears are emulated. Embeddings, attention scores and softmax, LayerNorm,
// GELU/ReLU, the residual adds, the LM decoder and BERT's pooler and classifier stay fp32 (the
// dense engine's).
//
// Per linear and sequence: weights are int8 or int16 with per-row scales s_w[r] (an integer
// HPF keeps its stored integers and scales when its type is the one asked for; an fp32 HPF or
// a dense linear is quantized per row by format/value_type.h's rule, a dense linear as HP at
// full density with the accelerator's Bc = 64 column blocks); the activations of each
// sequence get one scale s_x = max|x| / qmax over its real (unpadded) tokens, which is what
// the accelerator sees at batch 1, so results do not depend on how sequences are batched;
// the bias enters the accumulator as sat(rnd(b[r] / (s_w[r] s_x))); per-segment exact sums
// join the accumulator with saturation (32-bit at int8, 48-bit at int16:
// kernels::accumulator_bits); y = float(acc) * (s_w[r] * s_x).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "format/value_type.h"
#include "kernels/fixed_point.h"
#include "runtime/linear.h"

namespace fitformer::runtime {

struct FixedLinear {
  kernels::FixedMatrix weight;  // M = out_features rows, K = in_features columns
  std::vector<float> bias;      // [M], or empty
};

// The linear at `type` (kI8 or kI16; Error field "value_type" otherwise) by the rules above.
FixedLinear make_fixed_linear(const Linear& linear, format::ValueType type);

// Dense model::Linear column blocks when quantized: the accelerator's default Bc.
inline constexpr int64_t kDenseBlockCols = 64;

// output[t * M + m] for the token-major input [sequences * seq_len, K]: sequence b holds rows
// [b * seq_len, (b + 1) * seq_len), of which the first lengths[b] are real; its scale comes
// from those. Only the real rows are computed; the padded rows' outputs are 0 (the model
// ignores them: the accelerator never sees them). input.size() >= rows * K, output.size() >= rows *
// M, rows = lengths.size() * seq_len. Rows of the weight are split over `threads` threads.
void apply_fixed_linear(const FixedLinear& linear, std::span<const float> input, int64_t seq_len,
                        std::span<const int64_t> lengths, std::span<float> output, int threads);

}  // namespace fitformer::runtime
