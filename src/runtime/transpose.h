// The layout change between the engine's token-major rows and the kernels' feature-major
// columns (runtime/linear.h's Layout), for the runtime's linears and the sparse forward's
// embedding.
#pragma once

#include <cstdint>
#include <span>

namespace fitformer::runtime {

// dst[c * rows + r] = src[r * cols + c] + bias[r] (bias empty: + 0); src and dst must not
// overlap. Both directions: token rows into the kernels' columns, and a kernel's output rows
// (bias per output feature) back to token rows.
void transpose(const float* src, int64_t rows, int64_t cols, std::span<const float> bias,
               float* dst);

}  // namespace fitformer::runtime
