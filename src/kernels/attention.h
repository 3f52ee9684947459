// Scaled dot-product attention on the sparse runtime's feature-major activations, one fused
// kernel per (sequence, head, block of queries): Q K^T, the 1/sqrt(head_dim) scale, the
// padding and causal masks, the softmax and the product with V, with the scores of a block
// kept in a per-thread tile (seq x two vectors of queries, one when causal; in L1) instead of a
// score matrix in memory. The dense engine's model::multi_head_attention computes the same thing on
// token-major rows with two oneDNN GEMMs per head.
//
// Layout: feature-major, as the HPF kernels' X and Y (spmm.h): q, k, v and out hold feature f
// of token t at [f * stride + t], tokens t = b * seq + s for sequence b < batch and position
// s < seq, stride >= batch * seq; head h owns features [h * head_dim, (h + 1) * head_dim).
// Query s of sequence b sees keys s' < lengths[b] (and s' <= s when causal); out's columns of
// padded positions (s >= lengths[b]) are set to zero; columns past batch * seq are not touched.
// q, k and v may be views into one fused QKV block (three offsets into one array).
#pragma once

#include <cstdint>
#include <span>

namespace fitformer::kernels {

struct AttentionShape {
  int64_t batch = 0;
  int64_t seq = 0;
  int64_t heads = 0;
  int64_t head_dim = 0;
  int64_t stride = 0;  // floats from one feature row to the next (>= batch * seq)
};

// Preconditions, checked once per call (Error naming the argument): every size >= 1, stride >=
// batch * seq, lengths.size() == batch with each in 1..seq, q, k, v and out each hold at least
// heads * head_dim rows of stride floats, out does not overlap q, k or v.
void attention_f32(std::span<const float> q, std::span<const float> k, std::span<const float> v,
                   const AttentionShape& shape, std::span<const int64_t> lengths, bool causal,
                   std::span<float> out, int threads = 1);
void attention_f32_reference(std::span<const float> q, std::span<const float> k,
                             std::span<const float> v, const AttentionShape& shape,
                             std::span<const int64_t> lengths, bool causal, std::span<float> out,
                             int threads = 1);

// Thread `thread` of `threads`' share of attention_f32, for a caller that already runs a team
// (runtime's one parallel region per layer): the (sequence, head, query block) units are dealt
// round robin, so the causal mask's longer late blocks spread over the team. No barrier inside;
// the caller checks the shapes (attention_f32 does) and synchronizes before reading out. When
// max_abs is set, max_abs[thread] = max |out| over the thread's units (for the next int8
// linear's activation scale; spmm_fused.h's convention).
void attention_f32_part(const float* q, const float* k, const float* v, const AttentionShape& shape,
                        const int64_t* lengths, bool causal, float* out, int thread, int threads,
                        float* max_abs = nullptr);

}  // namespace fitformer::kernels
