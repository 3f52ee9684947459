// The dense linear layer, y = W x + b, through which every matrix product of the engine
// with a weight passes: the one place a sparse kernel will later take over.
#pragma once

#include <cstdint>
#include <span>
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
// sgemm with the calling thread's OpenMP team (see RunConfig).
void apply_linear(const Linear& linear, std::span<const float> input, int64_t rows,
                  std::span<float> output);

}  // namespace fitformer::model
