// The dense linear layer, y = W x + b, through which every matrix product of the engine
// with a weight passes, and the hook by which the sparse runtime (src/runtime) takes over
// the encoder layers' products while reusing the rest of the forward pass.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace fitformer::model {

struct Linear {
  int64_t out_features = 0;
  int64_t in_features = 0;
  std::vector<float> weight;  // [out_features, in_features] row-major, as nn.Linear.weight
  std::vector<float> bias;    // [out_features], or empty for no bias
};

// output[r, :] = weight * input[r, :] + bias for r < rows. input is [rows, in_features],
// output [rows, out_features], both dense row-major; they must not overlap. Uses oneDNN's
// sgemm with the calling thread's OpenMP team (see RunConfig). Throws std::logic_error for a
// Linear without its out x in weights (a model built with EncoderLinears::kShapesOnly run
// without the hook that replaces them).
void apply_linear(const Linear& linear, std::span<const float> input, int64_t rows,
                  std::span<float> output);

// The prunable linears of an encoder layer (DESIGN.md §2: embeddings, norms and the output
// head stay dense). The causal LM has one fused Q/K/V projection (kQkv), BERT three.
enum class LinearSite { kQkv, kQuery, kKey, kValue, kAttentionOutput, kFfnUp, kFfnDown };
inline constexpr std::array<std::string_view, 7> kLinearSiteNames = {
    "qkv", "query", "key", "value", "attention_output", "ffn_up", "ffn_down"};
std::string_view linear_site_name(LinearSite site);

// Where one encoder-layer linear lives in a checkpoint, and its shape.
struct EncoderLinear {
  int layer = 0;
  LinearSite site = LinearSite::kQkv;
  std::string weight_name;  // [out_features, in_features]
  std::string bias_name;    // [out_features]
  int64_t out_features = 0;
  int64_t in_features = 0;
};

// Whether a build_* function reads the encoder layers' linears or leaves them as shapes only
// (weight and bias empty) for a caller that brings its own through a LinearHook.
enum class EncoderLinears { kLoad, kShapesOnly };

// Computes one encoder-layer product in place of apply_linear: `layer` and `site` say which,
// `linear` is the model's own Linear there (weightless under kShapesOnly), input and output
// as apply_linear's. The forward passes call it inside their ThreadScope, so it may use the
// calling thread's OpenMP team. Layout freedom: the FFN's hidden activations (kFfnUp's output,
// kFfnDown's input) pass through nothing but the elementwise activation in between, so a
// hook may hand them over in another layout (say, feature-major) as long as its kFfnUp and
// kFfnDown of the same layer agree.
using LinearHook =
    std::function<void(int layer, LinearSite site, const Linear& linear,
                       std::span<const float> input, int64_t rows, std::span<float> output)>;

// The dense engine's own hook: every linear as the model stores it, through apply_linear.
void apply_stored_linear(int layer, LinearSite site, const Linear& linear,
                         std::span<const float> input, int64_t rows, std::span<float> output);

}  // namespace fitformer::model
