// Loading and the forward pass of the causal LM, layer by layer as nn.TransformerEncoderLayer
// computes it in eval mode (dropout off).
#include "model/causal_lm.h"

#include <cmath>
#include <string>

#include "core/error.h"

namespace fitformer::model {
namespace {

std::string layer_prefix(int i) {
  return "transformer_encoder.layers." + std::to_string(i) + ".";
}

Linear& site_linear(CausalLmLayer& layer, LinearSite site) {
  switch (site) {
    case LinearSite::kQkv:
      return layer.in_proj;
    case LinearSite::kAttentionOutput:
      return layer.out_proj;
    case LinearSite::kFfnUp:
      return layer.linear1;
    case LinearSite::kFfnDown:
    case LinearSite::kQuery:  // BERT's sites; causal_lm_encoder_linears never lists them
    case LinearSite::kKey:
    case LinearSite::kValue:
      break;
  }
  return layer.linear2;
}

}  // namespace

std::vector<TensorSpec> causal_lm_tensor_specs(const io::ModelConfig& c) {
  const int64_t d = c.hidden_size, ff = c.intermediate_size, v = c.vocab_size;
  std::vector<TensorSpec> specs = {{"encoder.weight", {v, d}, TensorRole::kEmbedding}};
  for (int i = 0; i < c.num_hidden_layers; ++i) {
    const std::string p = layer_prefix(i);
    specs.push_back({p + "self_attn.in_proj_weight", {3 * d, d}, TensorRole::kMatrix});
    specs.push_back({p + "self_attn.in_proj_bias", {3 * d}, TensorRole::kBias});
    specs.push_back({p + "self_attn.out_proj.weight", {d, d}, TensorRole::kMatrix});
    specs.push_back({p + "self_attn.out_proj.bias", {d}, TensorRole::kBias});
    specs.push_back({p + "linear1.weight", {ff, d}, TensorRole::kMatrix});
    specs.push_back({p + "linear1.bias", {ff}, TensorRole::kBias});
    specs.push_back({p + "linear2.weight", {d, ff}, TensorRole::kMatrix});
    specs.push_back({p + "linear2.bias", {d}, TensorRole::kBias});
    specs.push_back({p + "norm1.weight", {d}, TensorRole::kNormWeight});
    specs.push_back({p + "norm1.bias", {d}, TensorRole::kNormBias});
    specs.push_back({p + "norm2.weight", {d}, TensorRole::kNormWeight});
    specs.push_back({p + "norm2.bias", {d}, TensorRole::kNormBias});
  }
  specs.push_back({"decoder.weight", {v, d}, TensorRole::kMatrix});
  specs.push_back({"decoder.bias", {v}, TensorRole::kBias});
  return specs;
}

std::vector<EncoderLinear> causal_lm_encoder_linears(const io::ModelConfig& c) {
  const int64_t d = c.hidden_size, ff = c.intermediate_size;
  std::vector<EncoderLinear> linears;
  for (int i = 0; i < c.num_hidden_layers; ++i) {
    const std::string p = layer_prefix(i);
    linears.push_back({i, LinearSite::kQkv, p + "self_attn.in_proj_weight",
                       p + "self_attn.in_proj_bias", 3 * d, d});
    linears.push_back({i, LinearSite::kAttentionOutput, p + "self_attn.out_proj.weight",
                       p + "self_attn.out_proj.bias", d, d});
    linears.push_back({i, LinearSite::kFfnUp, p + "linear1.weight", p + "linear1.bias", ff, d});
    linears.push_back({i, LinearSite::kFfnDown, p + "linear2.weight", p + "linear2.bias", d, ff});
  }
  return linears;
}

CausalLm build_causal_lm(const io::ModelConfig& config, const io::SafeTensorsFile& w,
                         EncoderLinears linears) {
  const int64_t d = config.hidden_size, v = config.vocab_size;
  if (d % 2 != 0) {
    // The sinusoidal table interleaves sin and cos pairs; PyTorch's fails on odd d too.
    throw Error(w.path().string(), "hidden_size", "an even size for sinusoidal positions",
                std::to_string(d));
  }
  parse_activation(config.hidden_act);
  CausalLm m;
  m.config = config;
  m.embedding = read_weight(w, "encoder.weight", {v, d});
  m.layers.resize(static_cast<size_t>(config.num_hidden_layers));
  for (int i = 0; i < config.num_hidden_layers; ++i) {
    const std::string p = layer_prefix(i);
    m.layers[i].norm1 = read_layer_norm(w, p + "norm1.", d, config.layer_norm_eps);
    m.layers[i].norm2 = read_layer_norm(w, p + "norm2.", d, config.layer_norm_eps);
  }
  for (const EncoderLinear& e : causal_lm_encoder_linears(config)) {
    Linear& linear = site_linear(m.layers[e.layer], e.site);
    linear.out_features = e.out_features;
    linear.in_features = e.in_features;
    if (linears == EncoderLinears::kLoad) {
      linear.weight = read_weight(w, e.weight_name, {e.out_features, e.in_features});
      linear.bias = read_weight(w, e.bias_name, {e.out_features});
    }
  }
  m.decoder = read_linear(w, "decoder.", v, d);
  m.positions = sinusoidal_positions(config.max_position_embeddings, d);
  return m;
}

CausalLm load_causal_lm(const std::filesystem::path& dir) {
  const ModelFolder folder = open_model_folder(dir, io::ModelFamily::kCausalLm);
  return build_causal_lm(folder.config, folder.weights);
}

std::vector<float> sinusoidal_positions(int64_t seq, int64_t d) {
  std::vector<float> pe(static_cast<size_t>(seq * d));
  for (int64_t pos = 0; pos < seq; ++pos) {
    for (int64_t i = 0; i + 1 < d; i += 2) {
      // Evaluated in double and rounded once, so the table is the exact one to fp32 precision.
      const double angle = static_cast<double>(pos) /
                           std::pow(10000.0, static_cast<double>(i) / static_cast<double>(d));
      pe[pos * d + i] = static_cast<float>(std::sin(angle));
      pe[pos * d + i + 1] = static_cast<float>(std::cos(angle));
    }
  }
  return pe;
}

void causal_lm_forward(const CausalLm& model, const TokenBatch& batch, const RunConfig& run,
                       std::span<float> logits) {
  causal_lm_forward(model, batch, run, logits, apply_stored_linear);
}

void causal_lm_forward(const CausalLm& m, const TokenBatch& batch, const RunConfig& run,
                       std::span<float> logits, const LinearHook& linears) {
  const io::ModelConfig& c = m.config;
  validate_token_batch(batch, c.vocab_size, c.max_position_embeddings, 1);
  const int64_t d = c.hidden_size, ff = c.intermediate_size, v = c.vocab_size;
  const int64_t seq = batch.seq_len, tokens = batch.batch_size * seq;
  if (static_cast<int64_t>(logits.size()) != tokens * v) {
    throw Error("", "logits", std::to_string(tokens * v) + " floats (batch x seq x vocab)",
                std::to_string(logits.size()));
  }
  ThreadScope threads(run);
  OpClock clock(run.profile);
  const Activation act = parse_activation(c.hidden_act);
  std::vector<int64_t> lengths(static_cast<size_t>(batch.batch_size));
  for (int64_t b = 0; b < batch.batch_size; ++b) lengths[b] = row_length(batch, b);

  // x = embedding[token] * sqrt(d) + pe[pos]; padded rows start at zero and, since every
  // other op is row-wise or masks them out, never reach a valid row.
  std::vector<float> x(static_cast<size_t>(tokens * d), 0.0f);
  const std::vector<float>& pe = m.positions;
  const auto emb_scale = static_cast<float>(std::sqrt(static_cast<double>(d)));
  for (int64_t b = 0; b < batch.batch_size; ++b) {
    for (int64_t s = 0; s < lengths[b]; ++s) {
      const int64_t row = b * seq + s;
      const float* e = m.embedding.data() + int64_t{batch.token_ids[row]} * d;
      for (int64_t i = 0; i < d; ++i) x[row * d + i] = e[i] * emb_scale + pe[s * d + i];
    }
  }

  clock.mark(Op::kEmbed);
  std::vector<float> qkv(static_cast<size_t>(tokens * 3 * d));
  std::vector<float> ctx(static_cast<size_t>(tokens * d));
  std::vector<float> sub(static_cast<size_t>(tokens * d));
  std::vector<float> hidden(static_cast<size_t>(tokens * ff));
  const std::span<const float> qkv_view(qkv);
  const AttentionShape shape{batch.batch_size, seq, c.num_attention_heads,
                             d / c.num_attention_heads};
  for (int i = 0; i < static_cast<int>(m.layers.size()); ++i) {
    const CausalLmLayer& layer = m.layers[i];
    // x = norm1(x + out_proj(attention(in_proj(x))))
    linears(i, LinearSite::kQkv, layer.in_proj, x, tokens, qkv);
    clock.mark(Op::kQkv);
    multi_head_attention(qkv_view, qkv_view.subspan(d), qkv_view.subspan(2 * d), 3 * d, shape,
                         lengths, /*causal=*/true, ctx);
    clock.mark(Op::kAttention);
    linears(i, LinearSite::kAttentionOutput, layer.out_proj, ctx, tokens, sub);
    clock.mark(Op::kAttentionOutput);
    add_residual(x, sub);
    apply_layer_norm(layer.norm1, x, tokens);
    clock.mark(Op::kAddNorm);
    // x = norm2(x + linear2(act(linear1(x))))
    linears(i, LinearSite::kFfnUp, layer.linear1, x, tokens, hidden);
    clock.mark(Op::kFfnUp);
    apply_activation(act, hidden);
    clock.mark(Op::kActivation);
    linears(i, LinearSite::kFfnDown, layer.linear2, hidden, tokens, sub);
    clock.mark(Op::kFfnDown);
    add_residual(x, sub);
    apply_layer_norm(layer.norm2, x, tokens);
    clock.mark(Op::kAddNorm);
  }
  apply_linear(m.decoder, x, tokens, logits);
  clock.mark(Op::kHead);
}

Tensor causal_lm_forward(const CausalLm& model, const TokenBatch& batch, const RunConfig& run) {
  Tensor logits = make_tensor({batch.batch_size, batch.seq_len, model.config.vocab_size});
  causal_lm_forward(model, batch, run, logits.data);
  return logits;
}

}  // namespace fitformer::model
