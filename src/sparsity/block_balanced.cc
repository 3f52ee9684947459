// Block-balanced pruning: a top-k1 over row-segment norms in each column block.
#include "sparsity/block_balanced.h"

#include <algorithm>
#include <string>

#include "core/error.h"

namespace fitformer::sparsity {

int64_t block_balanced_k1(int64_t rows, const BlockBalancedParams& params) {
  return count_for_density(params.density, rows, "density");
}

int64_t block_balanced_kept_count(int64_t rows, int64_t cols, const BlockBalancedParams& params) {
  return block_balanced_k1(rows, params) * cols;
}

void select_row_segments(std::span<const float> scores, int64_t rows, int64_t cols,
                         int64_t col_begin, int64_t col_end, int64_t k1,
                         std::span<uint8_t> segment_keep) {
  // Squared norms rank as norms do; double so that near-equal sums do not tie by rounding.
  std::vector<double> norm2(static_cast<size_t>(rows), 0.0);
  for (int64_t r = 0; r < rows; ++r) {
    double sum = 0.0;
    for (int64_t c = col_begin; c < col_end; ++c) {
      const double s = scores[static_cast<size_t>(r * cols + c)];
      sum += s * s;
    }
    norm2[static_cast<size_t>(r)] = sum;
  }
  keep_top_k(std::span<const double>(norm2), k1, segment_keep);
}

Mask block_balanced_mask(std::span<const float> scores, int64_t rows, int64_t cols,
                         const BlockBalancedParams& params) {
  check_scores(scores, rows, cols);
  if (params.block_cols < 1) {
    throw Error("", "block_cols", "at least 1", std::to_string(params.block_cols));
  }
  const int64_t k1 = block_balanced_k1(rows, params);
  Mask mask{rows, cols, std::vector<uint8_t>(scores.size())};
  std::vector<uint8_t> segment_keep(static_cast<size_t>(rows));
  for (int64_t begin = 0; begin < cols; begin += params.block_cols) {
    const int64_t end = std::min(cols, begin + params.block_cols);
    select_row_segments(scores, rows, cols, begin, end, k1, segment_keep);
    for (int64_t r = 0; r < rows; ++r) {
      auto first = mask.keep.begin() + r * cols;
      std::fill(first + begin, first + end, segment_keep[static_cast<size_t>(r)]);
    }
  }
  return mask;
}

}  // namespace fitformer::sparsity
