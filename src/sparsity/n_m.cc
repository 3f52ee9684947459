// N:M pruning: a top-n in every group of m along each row.
#include "sparsity/n_m.h"

#include <algorithm>
#include <string>

#include "core/error.h"

namespace fitformer::sparsity {
namespace {

void check_params(const NmParams& params) {
  if (params.m < 1) throw Error("", "m", "at least 1", std::to_string(params.m));
  if (params.n < 1 || params.n > params.m) {
    throw Error("", "n", "in [1, m] with m = " + std::to_string(params.m),
                std::to_string(params.n));
  }
}

}  // namespace

int64_t n_m_kept_count(int64_t rows, int64_t cols, const NmParams& params) {
  check_params(params);
  return rows * kept_along(cols, params.m, params.n);
}

Mask n_m_mask(std::span<const float> scores, int64_t rows, int64_t cols, const NmParams& params) {
  check_scores(scores, rows, cols);
  check_params(params);
  Mask mask{rows, cols, std::vector<uint8_t>(scores.size())};
  const std::span<uint8_t> keep(mask.keep);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t begin = 0; begin < cols; begin += params.m) {
      const size_t offset = static_cast<size_t>(r * cols + begin);
      const size_t size = static_cast<size_t>(std::min(params.m, cols - begin));
      keep_top_k(scores.subspan(offset, size), params.n, keep.subspan(offset, size));
    }
  }
  return mask;
}

}  // namespace fitformer::sparsity
