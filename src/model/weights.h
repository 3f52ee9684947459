// Model folders (config.json + model.safetensors) on disk and the fp32 weights read from
// them: the names and shapes a family expects, loading them into Linear / LayerNorm, and
// writing a folder from named tensors (random ones for tests and benchmarks).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "io/model_config.h"
#include "io/safetensors.h"
#include "model/layers.h"
#include "model/linear.h"
#include "model/tensor.h"

namespace fitformer::model {

inline constexpr const char* kConfigFileName = "config.json";
inline constexpr const char* kWeightsFileName = "model.safetensors";

// What a tensor is for; random_tensors draws each kind the way a freshly built network would
// look (so activations stay of order one through many layers).
enum class TensorRole { kMatrix, kEmbedding, kBias, kNormWeight, kNormBias };

struct TensorSpec {
  std::string name;
  std::vector<int64_t> shape;
  TensorRole role = TensorRole::kMatrix;
};

using NamedTensors = std::map<std::string, Tensor>;

// One tensor per spec, from a fixed seed: matrices [out, in] uniform with variance 1/in,
// embeddings uniform with variance 1/width, biases and norm biases uniform in [-0.1, 0.1],
// norm weights 1 + uniform [-0.1, 0.1].
NamedTensors random_tensors(std::span<const TensorSpec> specs, uint64_t seed);

// Writes dir/config.json and dir/model.safetensors (fp32, tensors in name order), each
// atomically; creates dir.
void write_model_folder(const std::filesystem::path& dir, const io::ModelConfig& config,
                        const NamedTensors& tensors);

// A model folder opened for loading: its parsed config and its mapped weights.
struct ModelFolder {
  io::ModelConfig config;
  io::SafeTensorsFile weights;
};

// Throws Error naming the folder or file if either file is missing or malformed, or if the
// config's family is not `family`.
ModelFolder open_model_folder(const std::filesystem::path& dir, io::ModelFamily family);

// Readers that check shape and dtype; each throws Error naming the file and the tensor.
std::vector<float> read_weight(const io::SafeTensorsFile& file, const std::string& name,
                               std::vector<int64_t> shape);
// prefix + "weight" [out, in] and prefix + "bias" [out].
Linear read_linear(const io::SafeTensorsFile& file, const std::string& prefix, int64_t out,
                   int64_t in);
// prefix + "weight" and prefix + "bias", both [width].
LayerNorm read_layer_norm(const io::SafeTensorsFile& file, const std::string& prefix, int64_t width,
                          double eps);

}  // namespace fitformer::model
