// The engine's one data type: a dense row-major fp32 array with its shape, plain enough
// that tests and other folders can build and read it without helpers.
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace fitformer::model {

inline int64_t shape_numel(std::span<const int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

struct Tensor {
  std::vector<int64_t> shape;
  std::vector<float> data;  // shape_numel(shape) values, last dimension contiguous

  int64_t numel() const { return shape_numel(shape); }
};

// A tensor of the given shape with every value set to `fill`.
inline Tensor make_tensor(std::vector<int64_t> shape, float fill = 0.0f) {
  Tensor t;
  t.data.assign(static_cast<size_t>(shape_numel(shape)), fill);
  t.shape = std::move(shape);
  return t;
}

}  // namespace fitformer::model
