// The causal LM (PyTorch word_language_model's TransformerModel) and the HuggingFace
// BertForSequenceClassification, written as torch modules whose parameter paths spell the
// safetensors names, plus export to and import from a model folder.
#include "train/modules.h"

#include <torch/nn/functional/activation.h>
#include <torch/nn/init.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include <cmath>
#include <vector>

#include "core/error.h"
#include "core/files.h"
#include "io/safetensors.h"

namespace fitformer::train {
namespace {

using torch::nn::EmbeddingImpl;
using torch::nn::LayerNormImpl;
using torch::nn::LinearImpl;

// A parameterless container, so that names nest the way the checkpoints spell them
// ("attention.self.query" needs modules "attention" and "self").
std::shared_ptr<torch::nn::Module> add_child(torch::nn::Module& parent, const std::string& name) {
  return parent.register_module(name, std::make_shared<torch::nn::Module>());
}

std::shared_ptr<LinearImpl> add_linear(torch::nn::Module& parent, const std::string& name,
                                       int64_t in, int64_t out) {
  return parent.register_module(name, torch::nn::Linear(in, out));
}

std::shared_ptr<LayerNormImpl> add_norm(torch::nn::Module& parent, const std::string& name,
                                        int64_t size, double eps) {
  return parent.register_module(name,
                                torch::nn::LayerNorm(torch::nn::LayerNormOptions({size}).eps(eps)));
}

torch::Tensor activate(const torch::Tensor& x, const std::string& act) {
  // hidden_act "gelu" is the exact erf form (HF's "gelu", torch's default approximate="none").
  return act == "relu" ? torch::relu(x) : torch::gelu(x);
}

// Scaled dot-product attention over heads. q, k, v [B, T, H]; allowed [B or 1, 1, T, T]
// (true = may attend) or undefined. A large finite negative instead of -inf keeps a row with
// no allowed key (a padding query) finite; its output is never read.
torch::Tensor attend(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                     const torch::Tensor& allowed, int heads, double dropout, bool training) {
  const int64_t b = q.size(0), t = q.size(1), h = q.size(2), dh = h / heads;
  auto split = [&](const torch::Tensor& x) { return x.view({b, t, heads, dh}).transpose(1, 2); };
  torch::Tensor scores =
      torch::matmul(split(q), split(k).transpose(-2, -1)) / std::sqrt(static_cast<double>(dh));
  if (allowed.defined()) scores = scores.masked_fill(allowed.logical_not(), -1e30);
  torch::Tensor probs = torch::dropout(torch::softmax(scores, -1), dropout, training);
  return torch::matmul(probs, split(v)).transpose(1, 2).reshape({b, t, h});
}

// Key-padding mask [B, 1, 1, T] from mask [B, T], or undefined.
torch::Tensor key_mask(const torch::Tensor& mask) {
  return mask.defined() ? mask.to(torch::kBool).unsqueeze(1).unsqueeze(1) : torch::Tensor();
}

// --- causal LM -----------------------------------------------------------------------

// torch.nn.TransformerEncoderLayer (post-LN, norm_first=False), with its parameter names.
struct LmLayer : torch::nn::Module {
  LmLayer(const io::ModelConfig& c) {
    const int64_t h = c.hidden_size;
    auto attn = add_child(*this, "self_attn");
    in_proj_weight = attn->register_parameter("in_proj_weight", torch::empty({3 * h, h}));
    in_proj_bias = attn->register_parameter("in_proj_bias", torch::zeros({3 * h}));
    out_proj = add_linear(*attn, "out_proj", h, h);
    linear1 = add_linear(*this, "linear1", h, c.intermediate_size);
    linear2 = add_linear(*this, "linear2", c.intermediate_size, h);
    norm1 = add_norm(*this, "norm1", h, c.layer_norm_eps);
    norm2 = add_norm(*this, "norm2", h, c.layer_norm_eps);
    // nn.MultiheadAttention's _reset_parameters: xavier-uniform in_proj, zero biases.
    torch::NoGradGuard no_grad;
    torch::nn::init::xavier_uniform_(in_proj_weight);
    torch::nn::init::zeros_(out_proj->bias);
  }

  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& allowed,
                        const io::ModelConfig& c) {
    const double p = c.hidden_dropout_prob;
    const auto qkv = torch::nn::functional::linear(x, in_proj_weight, in_proj_bias).chunk(3, -1);
    torch::Tensor a = attend(qkv[0], qkv[1], qkv[2], allowed, c.num_attention_heads,
                             c.attention_probs_dropout_prob, is_training());
    torch::Tensor y = norm1->forward(x + torch::dropout(out_proj->forward(a), p, is_training()));
    torch::Tensor f = linear2->forward(
        torch::dropout(activate(linear1->forward(y), c.hidden_act), p, is_training()));
    return norm2->forward(y + torch::dropout(f, p, is_training()));
  }

  torch::Tensor in_proj_weight, in_proj_bias;
  std::shared_ptr<LinearImpl> out_proj, linear1, linear2;
  std::shared_ptr<LayerNormImpl> norm1, norm2;
};

class CausalLm : public Model {
 public:
  explicit CausalLm(const io::ModelConfig& c) : Model(c) {
    const int64_t h = c.hidden_size;
    encoder_ = register_module("encoder", torch::nn::Embedding(c.vocab_size, h));
    auto stack = add_child(*this, "transformer_encoder");
    auto list = stack->register_module("layers", torch::nn::ModuleList());
    for (int i = 0; i < c.num_hidden_layers; ++i) {
      layers_.push_back(std::make_shared<LmLayer>(c));
      list->push_back(layers_.back());
    }
    decoder_ = add_linear(*this, "decoder", h, c.vocab_size);
    // word_language_model's init_weights: uniform(-0.1, 0.1) embedding and decoder.
    torch::NoGradGuard no_grad;
    torch::nn::init::uniform_(encoder_->weight, -0.1, 0.1);
    torch::nn::init::uniform_(decoder_->weight, -0.1, 0.1);
    torch::nn::init::zeros_(decoder_->bias);
    // Sinusoidal positions (Vaswani et al. 2017, §3.5): pe[p, 2i] = sin(p / 10000^(2i/d)),
    // pe[p, 2i+1] = cos(same); a constant, so not a parameter.
    torch::Tensor pos = torch::arange(c.max_position_embeddings, torch::kFloat).unsqueeze(1);
    torch::Tensor freq =
        torch::exp(torch::arange(0, h, 2, torch::kFloat) * (-std::log(10000.0) / h));
    pe_ = torch::zeros({c.max_position_embeddings, h});
    pe_.index_put_({torch::indexing::Slice(), torch::indexing::Slice(0, h, 2)},
                   torch::sin(pos * freq));
    pe_.index_put_({torch::indexing::Slice(), torch::indexing::Slice(1, h, 2)},
                   torch::cos(pos * freq).narrow(1, 0, h / 2));
  }

  torch::Tensor forward(const torch::Tensor& ids, const torch::Tensor& mask) override {
    const io::ModelConfig& c = config();
    const int64_t t = ids.size(1);
    if (t > c.max_position_embeddings)
      throw Error("", "sequence length", "at most " + std::to_string(c.max_position_embeddings),
                  std::to_string(t));
    torch::Tensor x = encoder_->forward(ids) * std::sqrt(static_cast<double>(c.hidden_size)) +
                      pe_.narrow(0, 0, t).unsqueeze(0);
    x = torch::dropout(x, c.hidden_dropout_prob, is_training());
    torch::Tensor allowed = torch::ones({t, t}, torch::kBool).tril().view({1, 1, t, t});
    if (mask.defined()) allowed = allowed.logical_and(key_mask(mask));
    for (auto& layer : layers_) x = layer->forward(x, allowed, c);
    return decoder_->forward(x);
  }

 private:
  std::shared_ptr<EmbeddingImpl> encoder_;
  std::vector<std::shared_ptr<LmLayer>> layers_;
  std::shared_ptr<LinearImpl> decoder_;
  torch::Tensor pe_;
};

// --- BERT classifier -----------------------------------------------------------------

// One BertLayer: attention.self.{query,key,value}, attention.output.{dense,LayerNorm},
// intermediate.dense, output.{dense,LayerNorm}.
struct BertLayer : torch::nn::Module {
  explicit BertLayer(const io::ModelConfig& c) {
    const int64_t h = c.hidden_size;
    auto attention = add_child(*this, "attention");
    auto self = add_child(*attention, "self");
    query = add_linear(*self, "query", h, h);
    key = add_linear(*self, "key", h, h);
    value = add_linear(*self, "value", h, h);
    auto attn_out = add_child(*attention, "output");
    attn_dense = add_linear(*attn_out, "dense", h, h);
    attn_norm = add_norm(*attn_out, "LayerNorm", h, c.layer_norm_eps);
    inter_dense = add_linear(*add_child(*this, "intermediate"), "dense", h, c.intermediate_size);
    auto out = add_child(*this, "output");
    out_dense = add_linear(*out, "dense", c.intermediate_size, h);
    out_norm = add_norm(*out, "LayerNorm", h, c.layer_norm_eps);
  }

  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& allowed,
                        const io::ModelConfig& c) {
    const double p = c.hidden_dropout_prob;
    torch::Tensor a = attend(query->forward(x), key->forward(x), value->forward(x), allowed,
                             c.num_attention_heads, c.attention_probs_dropout_prob, is_training());
    torch::Tensor y =
        attn_norm->forward(x + torch::dropout(attn_dense->forward(a), p, is_training()));
    torch::Tensor f = out_dense->forward(activate(inter_dense->forward(y), c.hidden_act));
    return out_norm->forward(y + torch::dropout(f, p, is_training()));
  }

  std::shared_ptr<LinearImpl> query, key, value, attn_dense, inter_dense, out_dense;
  std::shared_ptr<LayerNormImpl> attn_norm, out_norm;
};

class BertClassifier : public Model {
 public:
  explicit BertClassifier(const io::ModelConfig& c) : Model(c) {
    const int64_t h = c.hidden_size;
    auto bert = add_child(*this, "bert");
    auto emb = add_child(*bert, "embeddings");
    word_ = emb->register_module("word_embeddings", torch::nn::Embedding(c.vocab_size, h));
    position_ = emb->register_module("position_embeddings",
                                     torch::nn::Embedding(c.max_position_embeddings, h));
    type_ =
        emb->register_module("token_type_embeddings", torch::nn::Embedding(c.type_vocab_size, h));
    emb_norm_ = add_norm(*emb, "LayerNorm", h, c.layer_norm_eps);
    auto list = add_child(*bert, "encoder")->register_module("layer", torch::nn::ModuleList());
    for (int i = 0; i < c.num_hidden_layers; ++i) {
      layers_.push_back(std::make_shared<BertLayer>(c));
      list->push_back(layers_.back());
    }
    pooler_ = add_linear(*add_child(*bert, "pooler"), "dense", h, h);
    classifier_ = add_linear(*this, "classifier", h, c.num_labels);
    // BertPreTrainedModel._init_weights: N(0, initializer_range = 0.02) for linear and
    // embedding weights, zero biases; LayerNorm stays (1, 0).
    torch::NoGradGuard no_grad;
    for (auto& item : named_parameters()) {
      const std::string& name = item.key();
      if (name.find("LayerNorm") != std::string::npos) continue;
      if (name.ends_with(".bias"))
        item.value().zero_();
      else
        item.value().normal_(0.0, 0.02);
    }
  }

  torch::Tensor forward(const torch::Tensor& ids, const torch::Tensor& mask) override {
    const io::ModelConfig& c = config();
    const int64_t t = ids.size(1);
    if (t > c.max_position_embeddings)
      throw Error("", "sequence length", "at most " + std::to_string(c.max_position_embeddings),
                  std::to_string(t));
    torch::Tensor positions = torch::arange(t, torch::kLong).unsqueeze(0);
    // Single-segment input: every token type is 0.
    torch::Tensor x =
        word_->forward(ids) + position_->forward(positions) + type_->weight[0].view({1, 1, -1});
    x = torch::dropout(emb_norm_->forward(x), c.hidden_dropout_prob, is_training());
    const torch::Tensor allowed = key_mask(mask);
    for (auto& layer : layers_) x = layer->forward(x, allowed, c);
    // BERT's pooler is tanh; an imported DistilBERT's pre_classifier is relu.
    torch::Tensor pooled = pooler_->forward(x.select(1, 0));
    pooled = c.pooler_hidden_act == "relu" ? torch::relu(pooled) : torch::tanh(pooled);
    return classifier_->forward(torch::dropout(pooled, c.hidden_dropout_prob, is_training()));
  }

 private:
  std::shared_ptr<EmbeddingImpl> word_, position_, type_;
  std::shared_ptr<LayerNormImpl> emb_norm_;
  std::vector<std::shared_ptr<BertLayer>> layers_;
  std::shared_ptr<LinearImpl> pooler_, classifier_;
};

}  // namespace

std::shared_ptr<Model> make_model(const io::ModelConfig& config) {
  if (config.family == io::ModelFamily::kCausalLm) return std::make_shared<CausalLm>(config);
  return std::make_shared<BertClassifier>(config);
}

int64_t count_parameters(const Model& model) {
  int64_t n = 0;
  for (const auto& p : model.parameters()) n += p.numel();
  return n;
}

void export_model(const Model& model, const std::filesystem::path& dir,
                  const std::filesystem::path& tokenizer_file) {
  std::filesystem::create_directories(dir);
  std::vector<torch::Tensor> keep;  // owns the bytes the TensorInfos point into
  std::vector<io::TensorInfo> infos;
  for (const auto& item : model.named_parameters()) {
    torch::Tensor t = item.value().detach().to(torch::kFloat).contiguous();
    keep.push_back(t);
    io::TensorInfo info;
    info.name = item.key();
    info.dtype = io::DType::kF32;
    info.shape = t.sizes().vec();
    info.bytes = {reinterpret_cast<const std::byte*>(t.data_ptr<float>()),
                  static_cast<size_t>(t.numel()) * sizeof(float)};
    infos.push_back(std::move(info));
  }
  io::write_safetensors(dir / "model.safetensors", infos, {{"format", "pt"}});
  write_file_atomic(dir / "config.json", io::model_config_json(model.config()));
  if (!tokenizer_file.empty()) {
    const bool sentencepiece = tokenizer_file.extension() == ".model";
    write_file_atomic(dir / (sentencepiece ? "tokenizer.model" : "vocab.txt"),
                      read_file(tokenizer_file));
  }
}

std::shared_ptr<Model> import_model(const std::filesystem::path& dir) {
  const io::ModelConfig config = io::load_model_config(dir / "config.json");
  std::shared_ptr<Model> model = make_model(config);
  const io::SafeTensorsFile file = io::SafeTensorsFile::open(dir / "model.safetensors");
  torch::NoGradGuard no_grad;
  for (auto& item : model->named_parameters()) {
    torch::Tensor& param = item.value();
    const std::vector<int64_t> shape = param.sizes().vec();
    std::vector<float> values = file.read_f32(item.key(), shape);
    param.copy_(torch::from_blob(values.data(), shape, torch::kFloat));
  }
  return model;
}

}  // namespace fitformer::train
