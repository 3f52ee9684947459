// Model folder I/O: reading weights by name with shape checks, writing config + safetensors.
#include "model/weights.h"

#include <cmath>

#include "core/error.h"
#include "core/files.h"
#include "core/random.h"

namespace fitformer::model {

NamedTensors random_tensors(std::span<const TensorSpec> specs, uint64_t seed) {
  Rng rng(seed);
  NamedTensors tensors;
  for (const TensorSpec& spec : specs) {
    Tensor t = make_tensor(spec.shape);
    // Uniform on [-a, a] has variance a^2 / 3, so a = sqrt(3 / fan_in) gives variance 1/fan_in.
    const auto fan_in = static_cast<double>(spec.shape.empty() ? 1 : spec.shape.back());
    double center = 0.0, half_width = 0.1;
    switch (spec.role) {
      case TensorRole::kMatrix:
      case TensorRole::kEmbedding:
        half_width = std::sqrt(3.0 / fan_in);
        break;
      case TensorRole::kNormWeight:
        center = 1.0;
        break;
      case TensorRole::kBias:
      case TensorRole::kNormBias:
        break;
    }
    for (float& v : t.data)
      v = static_cast<float>(center + half_width * (2.0 * rng.uniform() - 1.0));
    tensors.emplace(spec.name, std::move(t));
  }
  return tensors;
}

void write_model_folder(const std::filesystem::path& dir, const io::ModelConfig& config,
                        const NamedTensors& tensors) {
  std::vector<io::TensorInfo> infos;
  infos.reserve(tensors.size());
  for (const auto& [name, t] : tensors) {
    if (static_cast<int64_t>(t.data.size()) != t.numel()) {
      throw Error((dir / kWeightsFileName).string(), name, std::to_string(t.numel()) + " values",
                  std::to_string(t.data.size()));
    }
    infos.push_back(io::f32_tensor(name, t.shape, t.data));
  }
  io::write_safetensors(dir / kWeightsFileName, infos);
  io::save_model_config(config, dir / kConfigFileName);
}

ModelFolder open_model_folder(const std::filesystem::path& dir, io::ModelFamily family) {
  require_directory(dir, "model folder");
  io::ModelConfig config = io::load_model_config(dir / kConfigFileName);
  if (config.family != family) {
    throw Error((dir / kConfigFileName).string(), "model_type",
                std::string(io::model_type_name(family)),
                std::string(io::model_type_name(config.family)));
  }
  return ModelFolder{std::move(config), io::SafeTensorsFile::open(dir / kWeightsFileName)};
}

std::vector<float> read_weight(const io::SafeTensorsFile& file, const std::string& name,
                               std::vector<int64_t> shape) {
  return file.read_f32(name, shape);
}

Linear read_linear(const io::SafeTensorsFile& file, const std::string& prefix, int64_t out,
                   int64_t in) {
  Linear linear;
  linear.out_features = out;
  linear.in_features = in;
  linear.weight = file.read_f32(prefix + "weight", std::vector<int64_t>{out, in});
  linear.bias = file.read_f32(prefix + "bias", std::vector<int64_t>{out});
  return linear;
}

LayerNorm read_layer_norm(const io::SafeTensorsFile& file, const std::string& prefix, int64_t width,
                          double eps) {
  LayerNorm norm;
  norm.weight = file.read_f32(prefix + "weight", std::vector<int64_t>{width});
  norm.bias = file.read_f32(prefix + "bias", std::vector<int64_t>{width});
  norm.eps = eps;
  return norm;
}

}  // namespace fitformer::model
