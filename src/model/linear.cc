// apply_linear on oneDNN's row-major sgemm: C[rows, out] = A[rows, in] * W^T + bias.
#include "model/linear.h"

#include <algorithm>
#include <cassert>
#include <stdexcept>
#include <string>

#include "model/sgemm.h"

namespace fitformer::model {

void apply_linear(const Linear& linear, std::span<const float> input, int64_t rows,
                  std::span<float> output) {
  const int64_t in = linear.in_features, out = linear.out_features;
  // Always on, unlike the asserts below: one comparison per GEMM, and a weightless Linear
  // (EncoderLinears::kShapesOnly) reaching sgemm would read out of bounds in a release build.
  if (static_cast<int64_t>(linear.weight.size()) != out * in) {
    throw std::logic_error("apply_linear: a Linear of " + std::to_string(out) + " x " +
                           std::to_string(in) + " holds " + std::to_string(linear.weight.size()) +
                           " weights");
  }
  assert(linear.bias.empty() || static_cast<int64_t>(linear.bias.size()) == out);
  assert(static_cast<int64_t>(input.size()) >= rows * in);
  assert(static_cast<int64_t>(output.size()) >= rows * out);
  if (rows == 0 || out == 0) return;

  // Seeding C with the bias and running with beta = 1 adds the bias inside the GEMM's own
  // pass over C instead of a second pass; beta = 0 ignores C's old contents (NaN included).
  float beta = 0.0f;
  if (!linear.bias.empty()) {
    for (int64_t r = 0; r < rows; ++r) {
      std::copy(linear.bias.begin(), linear.bias.end(), output.begin() + r * out);
    }
    beta = 1.0f;
  }
  sgemm('N', 'T', rows, out, in, 1.0f, input.data(), in, linear.weight.data(), in, beta,
        output.data(), out);
}

std::string_view linear_site_name(LinearSite site) {
  return kLinearSiteNames[static_cast<size_t>(site)];
}

void apply_stored_linear(int, LinearSite, const Linear& linear, std::span<const float> input,
                         int64_t rows, std::span<float> output) {
  apply_linear(linear, input, rows, output);
}

}  // namespace fitformer::model
