// Loading and the forward pass of the BERT classifier, following HuggingFace's BertModel in
// eval mode (dropout off, absolute positions, extended attention mask from lengths).
#include "model/bert_classifier.h"

#include <algorithm>
#include <string>

#include "core/error.h"

namespace fitformer::model {
namespace {

std::string layer_prefix(const std::string& root, int i) {
  return root + "encoder.layer." + std::to_string(i) + ".";
}

void add_layer_specs(std::vector<TensorSpec>& specs, const std::string& p, int64_t d, int64_t ff) {
  for (const char* name : {"attention.self.query.", "attention.self.key.", "attention.self.value.",
                           "attention.output.dense."}) {
    specs.push_back({p + name + "weight", {d, d}, TensorRole::kMatrix});
    specs.push_back({p + name + "bias", {d}, TensorRole::kBias});
  }
  specs.push_back({p + "attention.output.LayerNorm.weight", {d}, TensorRole::kNormWeight});
  specs.push_back({p + "attention.output.LayerNorm.bias", {d}, TensorRole::kNormBias});
  specs.push_back({p + "intermediate.dense.weight", {ff, d}, TensorRole::kMatrix});
  specs.push_back({p + "intermediate.dense.bias", {ff}, TensorRole::kBias});
  specs.push_back({p + "output.dense.weight", {d, ff}, TensorRole::kMatrix});
  specs.push_back({p + "output.dense.bias", {d}, TensorRole::kBias});
  specs.push_back({p + "output.LayerNorm.weight", {d}, TensorRole::kNormWeight});
  specs.push_back({p + "output.LayerNorm.bias", {d}, TensorRole::kNormBias});
}

Linear& site_linear(BertLayer& layer, LinearSite site) {
  switch (site) {
    case LinearSite::kQuery:
      return layer.query;
    case LinearSite::kKey:
      return layer.key;
    case LinearSite::kValue:
      return layer.value;
    case LinearSite::kAttentionOutput:
      return layer.attention_output;
    case LinearSite::kFfnUp:
      return layer.intermediate;
    case LinearSite::kFfnDown:
    case LinearSite::kQkv:  // not a BERT site; bert_classifier_encoder_linears never lists it
      break;
  }
  return layer.output;
}

}  // namespace

std::string bert_encoder_root(const io::SafeTensorsFile& w) {
  return !w.contains("bert.embeddings.word_embeddings.weight") &&
                 w.contains("embeddings.word_embeddings.weight")
             ? ""
             : "bert.";
}

std::vector<EncoderLinear> bert_classifier_encoder_linears(const io::ModelConfig& c,
                                                           const std::string& root) {
  const int64_t d = c.hidden_size, ff = c.intermediate_size;
  std::vector<EncoderLinear> linears;
  for (int i = 0; i < c.num_hidden_layers; ++i) {
    const std::string p = layer_prefix(root, i);
    auto add = [&](LinearSite site, const std::string& module, int64_t out, int64_t in) {
      linears.push_back({i, site, p + module + "weight", p + module + "bias", out, in});
    };
    add(LinearSite::kQuery, "attention.self.query.", d, d);
    add(LinearSite::kKey, "attention.self.key.", d, d);
    add(LinearSite::kValue, "attention.self.value.", d, d);
    add(LinearSite::kAttentionOutput, "attention.output.dense.", d, d);
    add(LinearSite::kFfnUp, "intermediate.dense.", ff, d);
    add(LinearSite::kFfnDown, "output.dense.", d, ff);
  }
  return linears;
}

std::vector<TensorSpec> bert_classifier_tensor_specs(const io::ModelConfig& c) {
  const int64_t d = c.hidden_size, ff = c.intermediate_size;
  std::vector<TensorSpec> specs = {
      {"bert.embeddings.word_embeddings.weight", {c.vocab_size, d}, TensorRole::kEmbedding},
      {"bert.embeddings.position_embeddings.weight",
       {c.max_position_embeddings, d},
       TensorRole::kEmbedding},
      {"bert.embeddings.token_type_embeddings.weight",
       {c.type_vocab_size, d},
       TensorRole::kEmbedding},
      {"bert.embeddings.LayerNorm.weight", {d}, TensorRole::kNormWeight},
      {"bert.embeddings.LayerNorm.bias", {d}, TensorRole::kNormBias},
  };
  for (int i = 0; i < c.num_hidden_layers; ++i)
    add_layer_specs(specs, layer_prefix("bert.", i), d, ff);
  specs.push_back({"bert.pooler.dense.weight", {d, d}, TensorRole::kMatrix});
  specs.push_back({"bert.pooler.dense.bias", {d}, TensorRole::kBias});
  specs.push_back({"classifier.weight", {c.num_labels, d}, TensorRole::kMatrix});
  specs.push_back({"classifier.bias", {c.num_labels}, TensorRole::kBias});
  return specs;
}

BertClassifier build_bert_classifier(const io::ModelConfig& c, const io::SafeTensorsFile& w,
                                     EncoderLinears linears) {
  const int64_t d = c.hidden_size;
  const double eps = c.layer_norm_eps;
  parse_activation(c.hidden_act);
  const std::string root = bert_encoder_root(w);
  BertClassifier m;
  m.config = c;
  m.word_embeddings = read_weight(w, root + "embeddings.word_embeddings.weight", {c.vocab_size, d});
  m.position_embeddings = read_weight(w, root + "embeddings.position_embeddings.weight",
                                      {c.max_position_embeddings, d});
  m.token_type_embeddings =
      read_weight(w, root + "embeddings.token_type_embeddings.weight", {c.type_vocab_size, d});
  m.embedding_norm = read_layer_norm(w, root + "embeddings.LayerNorm.", d, eps);
  m.layers.resize(static_cast<size_t>(c.num_hidden_layers));
  for (int i = 0; i < c.num_hidden_layers; ++i) {
    const std::string p = layer_prefix(root, i);
    m.layers[i].attention_norm = read_layer_norm(w, p + "attention.output.LayerNorm.", d, eps);
    m.layers[i].output_norm = read_layer_norm(w, p + "output.LayerNorm.", d, eps);
  }
  for (const EncoderLinear& e : bert_classifier_encoder_linears(c, root)) {
    Linear& linear = site_linear(m.layers[e.layer], e.site);
    linear.out_features = e.out_features;
    linear.in_features = e.in_features;
    if (linears == EncoderLinears::kLoad) {
      linear.weight = read_weight(w, e.weight_name, {e.out_features, e.in_features});
      linear.bias = read_weight(w, e.bias_name, {e.out_features});
    }
  }
  m.pooler = read_linear(w, root + "pooler.dense.", d, d);
  m.classifier = read_linear(w, "classifier.", c.num_labels, d);
  return m;
}

void apply_pooler_activation(const io::ModelConfig& config, std::span<float> pooled) {
  if (config.pooler_hidden_act == "tanh") {
    apply_tanh(pooled);
  } else if (config.pooler_hidden_act == "relu") {
    apply_activation(Activation::kRelu, pooled);
  } else {
    throw Error("", "pooler_hidden_act", "tanh or relu", config.pooler_hidden_act);
  }
}

BertClassifier load_bert_classifier(const std::filesystem::path& dir) {
  const ModelFolder folder = open_model_folder(dir, io::ModelFamily::kBertClassifier);
  return build_bert_classifier(folder.config, folder.weights);
}

void bert_classifier_forward(const BertClassifier& model, const TokenBatch& batch,
                             const RunConfig& run, std::span<float> logits) {
  bert_classifier_forward(model, batch, run, logits, apply_stored_linear);
}

void bert_classifier_forward(const BertClassifier& m, const TokenBatch& batch, const RunConfig& run,
                             std::span<float> logits, const LinearHook& linears) {
  const io::ModelConfig& c = m.config;
  validate_token_batch(batch, c.vocab_size, c.max_position_embeddings, c.type_vocab_size);
  const int64_t d = c.hidden_size, ff = c.intermediate_size;
  const int64_t seq = batch.seq_len, tokens = batch.batch_size * seq;
  if (static_cast<int64_t>(logits.size()) != batch.batch_size * c.num_labels) {
    throw Error("", "logits",
                std::to_string(batch.batch_size * c.num_labels) + " floats (batch x num_labels)",
                std::to_string(logits.size()));
  }
  ThreadScope threads(run);
  OpClock clock(run.profile);
  const Activation act = parse_activation(c.hidden_act);
  std::vector<int64_t> lengths(static_cast<size_t>(batch.batch_size));
  for (int64_t b = 0; b < batch.batch_size; ++b) lengths[b] = row_length(batch, b);

  // x = LayerNorm(word[token] + position[pos] + token_type[segment]); padded rows stay zero
  // until the norm, and only row-wise ops or masked attention ever read them.
  std::vector<float> x(static_cast<size_t>(tokens * d), 0.0f);
  for (int64_t b = 0; b < batch.batch_size; ++b) {
    for (int64_t s = 0; s < lengths[b]; ++s) {
      const int64_t row = b * seq + s;
      const int64_t type = batch.token_type_ids.empty() ? 0 : batch.token_type_ids[row];
      const float* word = m.word_embeddings.data() + int64_t{batch.token_ids[row]} * d;
      const float* pos = m.position_embeddings.data() + s * d;
      const float* seg = m.token_type_embeddings.data() + type * d;
      for (int64_t i = 0; i < d; ++i) x[row * d + i] = word[i] + pos[i] + seg[i];
    }
  }
  apply_layer_norm(m.embedding_norm, x, tokens);
  clock.mark(Op::kEmbed);

  std::vector<float> q(x.size()), k(x.size()), v(x.size()), ctx(x.size()), sub(x.size());
  std::vector<float> hidden(static_cast<size_t>(tokens * ff));
  const AttentionShape shape{batch.batch_size, seq, c.num_attention_heads,
                             d / c.num_attention_heads};
  for (int i = 0; i < static_cast<int>(m.layers.size()); ++i) {
    const BertLayer& layer = m.layers[i];
    // a = LayerNorm(x + dense(attention(x)))
    linears(i, LinearSite::kQuery, layer.query, x, tokens, q);
    linears(i, LinearSite::kKey, layer.key, x, tokens, k);
    linears(i, LinearSite::kValue, layer.value, x, tokens, v);
    clock.mark(Op::kQkv);
    multi_head_attention(q, k, v, d, shape, lengths, /*causal=*/false, ctx);
    clock.mark(Op::kAttention);
    linears(i, LinearSite::kAttentionOutput, layer.attention_output, ctx, tokens, sub);
    clock.mark(Op::kAttentionOutput);
    add_residual(sub, x);
    apply_layer_norm(layer.attention_norm, sub, tokens);
    clock.mark(Op::kAddNorm);
    // x = LayerNorm(a + output(act(intermediate(a))))
    linears(i, LinearSite::kFfnUp, layer.intermediate, sub, tokens, hidden);
    clock.mark(Op::kFfnUp);
    apply_activation(act, hidden);
    clock.mark(Op::kActivation);
    linears(i, LinearSite::kFfnDown, layer.output, hidden, tokens, x);
    clock.mark(Op::kFfnDown);
    add_residual(x, sub);
    apply_layer_norm(layer.output_norm, x, tokens);
    clock.mark(Op::kAddNorm);
  }

  // pooled = act(pooler(h[:, 0])), act tanh (BERT) or relu (DistilBERT); logits =
  // classifier(pooled)
  std::vector<float> first(static_cast<size_t>(batch.batch_size * d));
  for (int64_t b = 0; b < batch.batch_size; ++b) {
    std::copy_n(x.begin() + b * seq * d, d, first.begin() + b * d);
  }
  std::vector<float> pooled(first.size());
  apply_linear(m.pooler, first, batch.batch_size, pooled);
  apply_pooler_activation(c, pooled);
  apply_linear(m.classifier, pooled, batch.batch_size, logits);
  clock.mark(Op::kHead);
}

Tensor bert_classifier_forward(const BertClassifier& model, const TokenBatch& batch,
                               const RunConfig& run) {
  Tensor logits = make_tensor({batch.batch_size, model.config.num_labels});
  bert_classifier_forward(model, batch, run, logits.data);
  return logits;
}

}  // namespace fitformer::model
