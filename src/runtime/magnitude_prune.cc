// HP pruning of a model folder by magnitude (one split per matrix, no retraining) and its
// inverse, both written as a whole folder swapped into place (format/hpf_folder.h).
#include "runtime/magnitude_prune.h"

#include <map>
#include <set>

#include "core/error.h"
#include "format/hpf_folder.h"
#include "format/hpf_safetensors.h"
#include "io/model_config.h"
#include "model/bert_classifier.h"
#include "model/causal_lm.h"
#include "model/weights.h"

namespace fitformer::runtime {
namespace fs = std::filesystem;
namespace {

std::vector<model::EncoderLinear> encoder_linears(const io::ModelConfig& config,
                                                  const io::SafeTensorsFile& file) {
  if (config.family == io::ModelFamily::kCausalLm) return model::causal_lm_encoder_linears(config);
  return model::bert_classifier_encoder_linears(config, model::bert_encoder_root(file));
}

sparsity::HpSplit split_for(const HpPruneSpec& spec, const model::EncoderLinear& e,
                            const std::string& file) {
  try {
    return sparsity::split(spec, e.out_features, e.in_features);
  } catch (const Error& err) {
    // The split names only its parameter; say which matrix it did not fit.
    throw Error(file, e.weight_name + ": " + err.field(), err.expected(), err.found());
  }
}

}  // namespace

std::vector<PrunedLinear> prune_model_folder(const fs::path& src, const fs::path& dst,
                                             const HpPruneSpec& spec) {
  // f32 and i8 run on the kernels; i16 is written for the accelerator's int16 datapath only.
  if (spec.value_type == format::ValueType::kF16) {
    throw Error("", "value_type", "f32, i8 or i16",
                std::string(format::value_type_name(spec.value_type)));
  }
  const io::ModelConfig config = io::load_model_config(src / model::kConfigFileName);
  const model::ModelFolder folder = model::open_model_folder(src, config.family);
  const io::SafeTensorsFile& file = folder.weights;
  const std::string path = file.path().string();
  if (const auto names = format::hpf_matrix_names(file); !names.empty()) {
    throw Error(path, names.front(), "a dense model folder", "an HPF matrix");
  }
  const format::ScaleMode scale = format::is_integer(spec.value_type)
                                      ? format::ScaleMode::kPerRow
                                      : format::ScaleMode::kPerMatrix;
  std::map<std::string, format::hpf::Matrix> matrices;
  std::vector<PrunedLinear> report;
  for (const model::EncoderLinear& e : encoder_linears(config, file)) {
    const std::vector<float> w =
        model::read_weight(file, e.weight_name, {e.out_features, e.in_features});
    const sparsity::HpSplit split = split_for(spec, e, path);
    const sparsity::Mask mask = sparsity::hp_mask(sparsity::magnitude_scores(w), e.out_features,
                                                  e.in_features, split.params);
    matrices.emplace(e.weight_name, format::pack_hpf(w, e.out_features, e.in_features, mask,
                                                     split.params, spec.value_type, scale));
    report.push_back({e.weight_name, e.out_features, e.in_features, split.counts.k1, split.counts.n,
                      split.density});
  }
  format::write_hpf_folder(src, dst, matrices);
  return report;
}

void densify_model_folder(const fs::path& src, const fs::path& dst) {
  const io::ModelConfig config = io::load_model_config(src / model::kConfigFileName);
  const model::ModelFolder folder = model::open_model_folder(src, config.family);
  const io::SafeTensorsFile& file = folder.weights;
  const std::vector<std::string> names = format::hpf_matrix_names(file);
  std::set<std::string> hpf_parts;
  std::vector<std::vector<float>> decoded;  // reserved: the tensors below point into it
  decoded.reserve(names.size());
  std::vector<io::TensorInfo> tensors;
  for (const std::string& name : names) {
    const format::hpf::Matrix m = format::read_hpf(file, name);
    decoded.push_back(format::hpf_to_dense(m));
    tensors.push_back(io::f32_tensor(name, {m.header.rows, m.header.cols}, decoded.back()));
    for (const char* part : {"rows", "vals", "offs", "scales"}) {
      hpf_parts.insert(name + ".hpf." + part);
    }
  }
  for (const io::TensorInfo& t : file.tensors()) {
    if (!hpf_parts.contains(t.name)) tensors.push_back(t);
  }
  std::map<std::string, std::string> metadata = file.metadata();
  for (const std::string& name : names) {
    std::erase_if(metadata,
                  [&](const auto& entry) { return entry.first.starts_with(name + ".hpf."); });
  }
  format::write_model_folder_swapped(src, dst, [&](const fs::path& dir) {
    io::write_safetensors(dir / model::kWeightsFileName, tensors, metadata);
  });
}

}  // namespace fitformer::runtime
