// Index arithmetic every folder needs: our interfaces count in int64_t (tensor shapes, HPF
// fields, cycle counts), std::vector indexes in size_t.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fitformer {

// The vector index of a position the caller has already checked to be in range.
constexpr size_t at(int64_t i) {
  return static_cast<size_t>(i);
}

// ceil(a / b) for a >= 0 and b > 0.
constexpr int64_t ceil_div(int64_t a, int64_t b) {
  return (a + b - 1) / b;
}

}  // namespace fitformer
