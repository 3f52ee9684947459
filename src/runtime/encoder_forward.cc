// encoder_forward: embedding, the encoder layers in one OpenMP team on feature-major blocks,
// then the dense head. Step by step it is the engine's forward (model/bert_classifier.cc,
// model/causal_lm.cc), with the kernels of spmm_fused.h, attention.h and layer_norm.h.
#include "runtime/encoder_forward.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <new>
#include <stdexcept>
#include <string>

#include "core/cache_aligned.h"
#include "core/error.h"
#include "core/indexing.h"
#include "kernels/attention.h"
#include "kernels/layer_norm.h"
#include "kernels/spmm_fused.h"
#include "model/layers.h"
#include "model/sgemm.h"
#include "runtime/team_linear.h"
#include "runtime/transpose.h"

namespace fitformer::runtime {
namespace {

using model::LinearSite;
using model::Op;

// Buffers of one forward, kept by the calling thread between forwards so that a run of
// forwards (scoring, benchmarks) does not fault its pages in every time.
// The linears' inputs are cache-line aligned, so that when N is one token tile (128 on
// AVX-512) the fp32 SpMM reads them in place instead of copying a tile per column block.
struct Workspace {
  std::vector<float> tokens;                     // token-major embedding [N][d]
  CacheAlignedVector<float> x, a, q, k, v, ctx;  // feature-major [d][N] (q: [3d][N] for the LM)
  CacheAlignedVector<float> hidden;              // [ff][N]
  // With 2 or more threads, each thread's own copy of the normalized x and a ([d][N] at
  // thread * norm_stride(dims)): every thread normalizes all tokens itself, so that no barrier
  // is needed between a layer norm and the linear that reads it.
  CacheAlignedVector<float> x_norm, a_norm;
  kernels::ActivationQuads quads, quads_hidden;
  // max |.| per thread of the last block written into ctx and hidden.
  std::vector<float> max_ctx, max_hidden;
};

Workspace& workspace() {
  thread_local Workspace ws;
  return ws;
}

float max_of(const std::vector<float>& per_thread) {
  return *std::max_element(per_thread.begin(), per_thread.end());
}

// When `linear` runs on int8 activations, quantizes x (k x n, max |x| = max_abs) into q, by
// every thread of the team, and waits for all of them; otherwise does nothing. Called by every
// thread with the same arguments.
void quantize_for(const Linear& linear, const float* x, int64_t k, int64_t n, float max_abs,
                  kernels::ActivationQuads& q, int thread, int threads) {
  if (!takes_quads(linear)) return;
  const int64_t bc = quads_block_cols(linear);
  if (q.cols != k || q.n != n || q.block_cols != bc) {
#pragma omp barrier
    if (thread == 0) kernels::size_quads(k, n, bc, q);
#pragma omp barrier
  }
  kernels::quantize_quads_part(std::span<const float>(x, static_cast<size_t>(k * n)), max_abs, q,
                               thread, threads);
#pragma omp barrier
}

// This thread's share of y = epilogue(linear(x)) for x (k x n, max |x| = max_abs), x first
// quantized into q when the linear takes int8 activations; returns after the whole team has
// written y. Called by every thread with the same arguments.
void linear_step(const Linear& linear, const float* x, int64_t k, int64_t n, float max_abs,
                 kernels::ActivationQuads& q, float* y, const kernels::SpmmEpilogue& epilogue,
                 int thread, int threads) {
  quantize_for(linear, x, k, n, max_abs, q, thread, threads);
  linear_part(linear, x, &q, n, y, epilogue, thread, threads);
#pragma omp barrier
}

// Whether the quads quantize_for built for `built` (may be null) also serve `next`.
bool shares_quads(const Linear* built, const Linear& next) {
  return built != nullptr && takes_quads(*built) && takes_quads(next) &&
         quads_block_cols(*built) == quads_block_cols(next);
}

struct Dims {
  int64_t n = 0, d = 0, ff = 0, seq = 0;
};

// Floats from one thread's normalized copy to the next: d x N rounded up to whole cache lines,
// so that in the line-aligned buffer every thread's copy starts on a line of its own.
int64_t norm_stride(const Dims& dims) {
  constexpr int64_t kLine = kCacheLineBytes / sizeof(float);
  return ceil_div(dims.d * dims.n, kLine) * kLine;
}

// Asks for the cache lines of the `floats` floats at p: the rows of an embedding table a
// forward reads are scattered over megabytes (8000 x 312 floats for TinyBERT) and mostly come
// from memory, so the next token's row is requested while the current one is summed.
void prefetch_row(const float* p, int64_t floats) {
  constexpr int64_t kLineFloats = 64 / sizeof(float);
  for (int64_t i = 0; i < floats; i += kLineFloats) __builtin_prefetch(p + i);
}

// The BERT embedding sum, token-major (padded rows zero), into ws.tokens.
void embed_bert(const model::BertClassifier& m, const model::TokenBatch& batch,
                std::span<const int64_t> lengths, const Dims& dims, float* out) {
  const int64_t d = dims.d;
  const auto word_row = [&](int64_t row) {
    return m.word_embeddings.data() + int64_t{batch.token_ids[row]} * d;
  };
  for (int64_t b = 0; b < batch.batch_size; ++b) {
    const int64_t length = lengths[static_cast<size_t>(b)];
    for (int64_t s = 0; s < length; ++s) {
      const int64_t row = b * dims.seq + s;
      if (s + 1 < length) prefetch_row(word_row(row + 1), d);
      const int64_t type = batch.token_type_ids.empty() ? 0 : batch.token_type_ids[row];
      const float* word = word_row(row);
      const float* pos = m.position_embeddings.data() + s * d;
      const float* seg = m.token_type_embeddings.data() + type * d;
      float* o = out + row * d;
      for (int64_t i = 0; i < d; ++i) o[i] = word[i] + pos[i] + seg[i];
    }
    std::fill(out + (b * dims.seq + length) * d, out + (b + 1) * dims.seq * d, 0.0f);
  }
}

// The causal LM's embedding * sqrt(d) + positions, token-major (padded rows zero).
void embed_lm(const model::CausalLm& m, const model::TokenBatch& batch,
              std::span<const int64_t> lengths, const Dims& dims, float* out) {
  const int64_t d = dims.d;
  const auto scale = static_cast<float>(std::sqrt(static_cast<double>(d)));
  const auto embedding_row = [&](int64_t row) {
    return m.embedding.data() + int64_t{batch.token_ids[row]} * d;
  };
  for (int64_t b = 0; b < batch.batch_size; ++b) {
    const int64_t length = lengths[static_cast<size_t>(b)];
    for (int64_t s = 0; s < length; ++s) {
      const int64_t row = b * dims.seq + s;
      if (s + 1 < length) prefetch_row(embedding_row(row + 1), d);
      const float* e = embedding_row(row);
      const float* pe = m.positions.data() + s * d;
      float* o = out + row * d;
      for (int64_t i = 0; i < d; ++i) o[i] = e[i] * scale + pe[i];
    }
    std::fill(out + (b * dims.seq + length) * d, out + (b + 1) * dims.seq * d, 0.0f);
  }
}

// The encoder's layer norms: BERT's attention/output norms, the LM's norm1/norm2.
struct LayerNorms {
  const model::LayerNorm* after_attention;
  const model::LayerNorm* after_ffn;
};

LayerNorms layer_norms(const SparseModel& m, size_t i) {
  if (const auto* lm = std::get_if<model::CausalLm>(&m.frame))
    return {&lm->layers[i].norm1, &lm->layers[i].norm2};
  const auto& bert = std::get<model::BertClassifier>(m.frame);
  return {&bert.layers[i].attention_norm, &bert.layers[i].output_norm};
}

// out = norm(x) over all tokens on the calling thread (out may be x); returns max |out|.
float layer_norm_into(const model::LayerNorm& norm, const float* x, float* out, const Dims& dims) {
  float max_abs = 0.0f;
  kernels::layer_norm_columns_f32_into(x, out, dims.d, dims.n, norm.weight.data(), norm.bias.data(),
                                       static_cast<float>(norm.eps), &max_abs);
  return max_abs;
}

// max |x| over count values.
float max_abs_of(const float* x, int64_t count) {
  float max = 0.0f;
  for (int64_t i = 0; i < count; ++i) max = std::max(max, std::fabs(x[i]));
  return max;
}

// The encoder layers on ws.x (feature-major embedding) in one team; returns the block that
// holds the last layer's output (ws.x, or thread 0's normalized copy).
//
// Barriers per layer: after Q, K, V (attention reads every token's K and V), after attention
// (the output projection's rows read all heads), after each of the output projection, FFN up
// and FFN down (the layer norm reads all features of a token, a linear's rows all tokens); an
// int8 linear adds one after its input is quantized (5 at fp32, 9 at int8 when Q, K and V share
// the quads). The two layer norms need none: each thread normalizes every token into its own
// copy (x_norm, a_norm), which the next linear reads and the residual adds; with one thread
// the norm runs in place. Each barrier costs a wait whenever the other thread is descheduled.
const float* run_layers(const SparseModel& m, bool lm, const Dims& dims,
                        std::span<const int64_t> lengths, kernels::EpilogueActivation act,
                        const model::LayerNorm* embedding_norm, Workspace& ws,
                        model::OpClock& clock) {
  const io::ModelConfig& c = model_config(m);
  const int64_t n = dims.n, d = dims.d, ff = dims.ff;
  const kernels::AttentionShape attention{static_cast<int64_t>(lengths.size()), dims.seq,
                                          c.num_attention_heads, d / c.num_attention_heads, n};
  const float* result = ws.x.data();
#pragma omp parallel
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    float* const x_norm = nt > 1 ? ws.x_norm.data() + t * norm_stride(dims) : ws.x.data();
    float* const a_norm = nt > 1 ? ws.a_norm.data() + t * norm_stride(dims) : ws.a.data();
    // This thread's view of the layer input x and of a, and max |.| of each (over all tokens).
    const float* x = ws.x.data();
    float max_x = 0.0f, max_a = 0.0f;
    if (embedding_norm != nullptr) {
      max_x = layer_norm_into(*embedding_norm, ws.x.data(), x_norm, dims);
      x = x_norm;
    } else {
      max_x = max_abs_of(ws.x.data(), d * n);
    }
    if (t == 0) clock.mark(Op::kEmbed);
    for (size_t i = 0; i < m.layers.size(); ++i) {
      const LayerLinears& layer = m.layers[i];
      const LayerNorms norms = layer_norms(m, i);
      // Q, K, V (or the fused in_proj) from x.
      const float* q = ws.q.data();
      const float* k = ws.k.data();
      const float* v = ws.v.data();
      if (lm) {
        const Linear& in_proj = layer.at(LinearSite::kQkv);
        quantize_for(in_proj, x, d, n, max_x, ws.quads, t, nt);
        linear_part(in_proj, x, &ws.quads, n, ws.q.data(), {}, t, nt);
        k = q + d * n;
        v = q + 2 * d * n;
      } else {
        const Linear* sites[] = {&layer.at(LinearSite::kQuery), &layer.at(LinearSite::kKey),
                                 &layer.at(LinearSite::kValue)};
        float* outs[] = {ws.q.data(), ws.k.data(), ws.v.data()};
        const Linear* built = nullptr;  // whose Bc ws.quads holds x under
        for (int s = 0; s < 3; ++s) {
          if (!shares_quads(built, *sites[s]) && takes_quads(*sites[s])) {
            quantize_for(*sites[s], x, d, n, max_x, ws.quads, t, nt);
            built = sites[s];
          }
          linear_part(*sites[s], x, &ws.quads, n, outs[s], {}, t, nt);
        }
      }
#pragma omp barrier
      if (t == 0) clock.mark(Op::kQkv);
      kernels::attention_f32_part(q, k, v, attention, lengths.data(), lm, ws.ctx.data(), t, nt,
                                  ws.max_ctx.data());
#pragma omp barrier
      if (t == 0) clock.mark(Op::kAttention);
      // a = norm(x + out(ctx))
      linear_step(layer.at(LinearSite::kAttentionOutput), ws.ctx.data(), d, n, max_of(ws.max_ctx),
                  ws.quads, ws.a.data(),
                  {.bias = {}, .residual = std::span<const float>(x, static_cast<size_t>(d * n))},
                  t, nt);
      if (t == 0) clock.mark(Op::kAttentionOutput);
      max_a = layer_norm_into(*norms.after_attention, ws.a.data(), a_norm, dims);
      if (t == 0) clock.mark(Op::kAddNorm);
      // x = norm(a + down(act(up(a))))
      linear_step(layer.at(LinearSite::kFfnUp), a_norm, d, n, max_a, ws.quads, ws.hidden.data(),
                  {.bias = {}, .residual = {}, .activation = act, .max_abs = ws.max_hidden.data()},
                  t, nt);
      if (t == 0) clock.mark(Op::kFfnUp);
      linear_step(
          layer.at(LinearSite::kFfnDown), ws.hidden.data(), ff, n, max_of(ws.max_hidden),
          ws.quads_hidden, ws.x.data(),
          {.bias = {}, .residual = std::span<const float>(a_norm, static_cast<size_t>(d * n))}, t,
          nt);
      if (t == 0) clock.mark(Op::kFfnDown);
      max_x = layer_norm_into(*norms.after_ffn, ws.x.data(), x_norm, dims);
      x = x_norm;
      if (t == 0) clock.mark(Op::kAddNorm);
    }
    if (t == 0) result = x;
  }
  return result;
}

}  // namespace

void encoder_forward(const SparseModel& m, const model::TokenBatch& batch,
                     const model::RunConfig& run, std::span<float> output) {
  if (!m.fixed_layers.empty()) {
    throw std::logic_error("encoder_forward: the fixed-point linears run through the engine");
  }
  const io::ModelConfig& c = model_config(m);
  const bool lm = c.family == io::ModelFamily::kCausalLm;
  model::validate_token_batch(batch, c.vocab_size, c.max_position_embeddings,
                              lm ? 1 : c.type_vocab_size);
  const Dims dims{batch.batch_size * batch.seq_len, c.hidden_size, c.intermediate_size,
                  batch.seq_len};
  const int64_t n = dims.n, d = dims.d;
  const int64_t outputs = lm ? n * c.vocab_size : batch.batch_size * c.num_labels;
  if (static_cast<int64_t>(output.size()) != outputs) {
    throw Error("", "logits",
                std::to_string(outputs) +
                    (lm ? " floats (batch x seq x vocab)" : " floats (batch x num_labels)"),
                std::to_string(output.size()));
  }
  model::ThreadScope scope(run);
  model::OpClock clock(run.profile);
  const auto act = model::parse_activation(c.hidden_act) == model::Activation::kGelu
                       ? kernels::EpilogueActivation::kGelu
                       : kernels::EpilogueActivation::kRelu;
  std::vector<int64_t> lengths(static_cast<size_t>(batch.batch_size));
  for (int64_t b = 0; b < batch.batch_size; ++b) lengths[b] = model::row_length(batch, b);

  Workspace& ws = workspace();
  ws.tokens.resize(static_cast<size_t>(d * n));
  for (auto* buf : {&ws.x, &ws.a, &ws.k, &ws.v, &ws.ctx}) buf->resize(static_cast<size_t>(d * n));
  ws.q.resize(static_cast<size_t>((lm ? 3 : 1) * d * n));
  ws.hidden.resize(static_cast<size_t>(dims.ff * n));
  const auto threads = static_cast<size_t>(omp_get_max_threads());
  for (auto* maxes : {&ws.max_ctx, &ws.max_hidden}) maxes->assign(threads, 0.0f);
  const size_t norm_floats = threads > 1 ? threads * static_cast<size_t>(norm_stride(dims)) : 0;
  ws.x_norm.resize(norm_floats);
  ws.a_norm.resize(norm_floats);

  const model::LayerNorm* embedding_norm = nullptr;
  if (lm) {
    embed_lm(std::get<model::CausalLm>(m.frame), batch, lengths, dims, ws.tokens.data());
  } else {
    const auto& bert = std::get<model::BertClassifier>(m.frame);
    embed_bert(bert, batch, lengths, dims, ws.tokens.data());
    embedding_norm = &bert.embedding_norm;
  }
  transpose(ws.tokens.data(), n, d, {}, ws.x.data());
  const float* x = run_layers(m, lm, dims, lengths, act, embedding_norm, ws, clock);

  if (lm) {
    // logits [N][vocab] = x^T W^T + b: x is [d][N] (A transposed), W is [vocab][d].
    const model::Linear& decoder = std::get<model::CausalLm>(m.frame).decoder;
    const int64_t vocab = c.vocab_size;
    for (int64_t t = 0; t < n; ++t)
      std::copy(decoder.bias.begin(), decoder.bias.end(), output.begin() + t * vocab);
    model::sgemm('T', 'T', n, vocab, d, 1.0f, x, n, decoder.weight.data(), d, 1.0f, output.data(),
                 vocab);
  } else {
    // logits = classifier(act(pooler(x[:, first token of each sequence]))), act tanh or relu
    const auto& bert = std::get<model::BertClassifier>(m.frame);
    std::vector<float> first(static_cast<size_t>(batch.batch_size * d));
    for (int64_t b = 0; b < batch.batch_size; ++b)
      for (int64_t f = 0; f < d; ++f) first[b * d + f] = x[f * n + b * dims.seq];
    std::vector<float> pooled(first.size());
    model::apply_linear(bert.pooler, first, batch.batch_size, pooled);
    model::apply_pooler_activation(bert.config, pooled);
    model::apply_linear(bert.classifier, pooled, batch.batch_size, output);
  }
  clock.mark(Op::kHead);
}

}  // namespace fitformer::runtime
