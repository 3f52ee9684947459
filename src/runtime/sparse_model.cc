// Loading a pruned model folder into the dense engine's frame plus runtime Linears, and the
// forward pass through the engine's LinearHook.
#include "runtime/sparse_model.h"

#include <omp.h>

#include <algorithm>
#include <set>
#include <string>

#include "core/error.h"
#include "format/hpf_safetensors.h"
#include "model/weights.h"
#include "runtime/encoder_forward.h"
#include "sparsity/mask.h"

namespace fitformer::runtime {
namespace {

// The HPF tensor parts of format/hpf_safetensors.h, to spot a matrix whose metadata is gone.
constexpr const char* kHpfParts[] = {".hpf.rows", ".hpf.vals", ".hpf.offs", ".hpf.scales"};

Linear read_encoder_linear(const io::SafeTensorsFile& file, const model::EncoderLinear& e,
                           const std::set<std::string>& hpf_names) {
  const std::string path = file.path().string();
  std::vector<float> bias = model::read_weight(file, e.bias_name, {e.out_features});
  if (!hpf_names.contains(e.weight_name)) {
    for (const char* part : kHpfParts) {
      if (file.contains(e.weight_name + part)) {
        throw Error(path, e.weight_name + ".hpf.format",
                    "the HPF metadata of tensor " + e.weight_name + part, "none");
      }
    }
    model::Linear dense;
    dense.out_features = e.out_features;
    dense.in_features = e.in_features;
    dense.weight = model::read_weight(file, e.weight_name, {e.out_features, e.in_features});
    dense.bias = std::move(bias);
    return dense;
  }
  format::hpf::Matrix weight = format::read_hpf(file, e.weight_name);
  const format::hpf::Header& h = weight.header;
  if (h.rows != e.out_features) {
    throw Error(path, e.weight_name + ".hpf.rows", std::to_string(e.out_features) + " (out)",
                std::to_string(h.rows));
  }
  if (h.cols != e.in_features) {
    throw Error(path, e.weight_name + ".hpf.cols", std::to_string(e.in_features) + " (in)",
                std::to_string(h.cols));
  }
  if (h.value_type != format::ValueType::kF32 && h.value_type != format::ValueType::kI8) {
    throw Error(path, e.weight_name + ".hpf.value_type", "f32 or i8 (the types the kernels run)",
                std::string(format::value_type_name(h.value_type)));
  }
  return make_hpf_linear(std::move(weight), std::move(bias));
}

// The family's forward pass with `hook` for the encoder linears.
void forward_with(const SparseModel& model, const model::TokenBatch& batch,
                  const model::RunConfig& run, std::span<float> output,
                  const model::LinearHook& hook) {
  if (const auto* lm = std::get_if<model::CausalLm>(&model.frame)) {
    model::causal_lm_forward(*lm, batch, run, output, hook);
  } else {
    model::bert_classifier_forward(std::get<model::BertClassifier>(model.frame), batch, run, output,
                                   hook);
  }
}

// sparse_forward with the fixed-point linears; the per-sequence scales need the batch's
// sequence length and real lengths, which the hook's flat rows do not carry.
void fixed_forward(const SparseModel& model, const model::TokenBatch& batch,
                   const model::RunConfig& run, std::span<float> output) {
  // A lengths array of the wrong size is the forward's error to report (validate_token_batch).
  std::vector<int64_t> lengths(static_cast<size_t>(std::max<int64_t>(batch.batch_size, 0)),
                               batch.seq_len);
  if (batch.lengths.size() == lengths.size() && !lengths.empty()) lengths = batch.lengths;
  const model::LinearHook hook = [&](int layer, model::LinearSite site, const model::Linear&,
                                     std::span<const float> input, int64_t, std::span<float> out) {
    apply_fixed_linear(model.fixed_layers.at(static_cast<size_t>(layer)).at(site), input,
                       batch.seq_len, lengths, out, omp_get_max_threads());
  };
  forward_with(model, batch, run, output, hook);
}

}  // namespace

const io::ModelConfig& model_config(const SparseModel& model) {
  return std::visit([](const auto& frame) -> const io::ModelConfig& { return frame.config; },
                    model.frame);
}

SparseModel load_sparse_model(const std::filesystem::path& dir) {
  const io::ModelConfig config = io::load_model_config(dir / model::kConfigFileName);
  const model::ModelFolder folder = model::open_model_folder(dir, config.family);
  const io::SafeTensorsFile& file = folder.weights;
  SparseModel m;
  std::vector<model::EncoderLinear> sites;
  if (config.family == io::ModelFamily::kCausalLm) {
    m.frame = model::build_causal_lm(config, file, model::EncoderLinears::kShapesOnly);
    sites = model::causal_lm_encoder_linears(config);
  } else {
    m.frame = model::build_bert_classifier(config, file, model::EncoderLinears::kShapesOnly);
    sites = model::bert_classifier_encoder_linears(config, model::bert_encoder_root(file));
  }
  const std::vector<std::string> names = format::hpf_matrix_names(file);
  std::set<std::string> unused(names.begin(), names.end());
  const std::set<std::string> hpf_names(names.begin(), names.end());
  m.layers.resize(static_cast<size_t>(config.num_hidden_layers));
  for (const model::EncoderLinear& e : sites) {
    m.layers[e.layer].emplace(e.site, read_encoder_linear(file, e, hpf_names));
    unused.erase(e.weight_name);
  }
  if (!unused.empty()) {
    throw Error(file.path().string(), *unused.begin(),
                "HPF only at encoder-layer linears (embeddings, norms and heads stay dense)",
                "an HPF matrix");
  }
  return m;
}

std::vector<int64_t> output_shape(const SparseModel& model, const model::TokenBatch& batch) {
  const io::ModelConfig& c = model_config(model);
  if (c.family == io::ModelFamily::kCausalLm)
    return {batch.batch_size, batch.seq_len, c.vocab_size};
  return {batch.batch_size, c.num_labels};
}

void convert_to_fixed_point(SparseModel& model, format::ValueType type) {
  kernels::fixed_qmax(type);  // rejects the float types before any work
  model.fixed_layers.clear();
  for (const LayerLinears& layer : model.layers) {
    auto& fixed = model.fixed_layers.emplace_back();
    for (const auto& [site, linear] : layer) fixed.emplace(site, make_fixed_linear(linear, type));
  }
}

void sparse_forward(const SparseModel& model, const model::TokenBatch& batch,
                    const model::RunConfig& run, std::span<float> output) {
  if (!model.fixed_layers.empty()) {
    fixed_forward(model, batch, run, output);
    return;
  }
  if (sparse_model_stats(model).hpf_linears > 0) {
    encoder_forward(model, batch, run, output);
    return;
  }
  // A dense folder runs as the engine does, bit for bit (its linears are the engine's).
  const model::LinearHook hook = [&](int layer, model::LinearSite site, const model::Linear&,
                                     std::span<const float> input, int64_t rows,
                                     std::span<float> out) {
    model::apply_linear(
        std::get<model::Linear>(model.layers.at(static_cast<size_t>(layer)).at(site)), input, rows,
        out);
  };
  forward_with(model, batch, run, output, hook);
}

model::Tensor sparse_forward(const SparseModel& model, const model::TokenBatch& batch,
                             const model::RunConfig& run) {
  model::Tensor out = model::make_tensor(output_shape(model, batch));
  sparse_forward(model, batch, run, out.data);
  return out;
}

SparseModelStats sparse_model_stats(const SparseModel& model) {
  SparseModelStats s;
  for (const LayerLinears& layer : model.layers) {
    for (const auto& [site, linear] : layer) {
      const int64_t weights = out_features(linear) * in_features(linear);
      s.weights += weights;
      if (const auto* hpf = std::get_if<HpfLinear>(&linear)) {
        const format::hpf::Header& h = hpf->weight.header;
        ++s.hpf_linears;
        s.kept_weights += h.k1 * sparsity::kept_along(h.cols, hpf->weight.bank_width(), h.n);
        s.hpf_bytes += hpf->weight.bytes();
        s.hpf_dense_bytes += 4 * weights;
      } else {
        ++s.dense_linears;
        s.kept_weights += weights;
      }
    }
  }
  return s;
}

}  // namespace fitformer::runtime
