// Block-wise pruning: block norms on the (edge-padded) grid, one top-k over the blocks.
#include "sparsity/block_wise.h"

#include <string>

#include "core/error.h"

namespace fitformer::sparsity {
namespace {

void check_params(const BlockWiseParams& params) {
  if (params.block_rows < 1) {
    throw Error("", "block_rows", "at least 1", std::to_string(params.block_rows));
  }
  if (params.block_cols < 1) {
    throw Error("", "block_cols", "at least 1", std::to_string(params.block_cols));
  }
}

}  // namespace

int64_t block_wise_grid_rows(int64_t rows, const BlockWiseParams& params) {
  check_params(params);
  return (rows + params.block_rows - 1) / params.block_rows;
}

int64_t block_wise_grid_cols(int64_t cols, const BlockWiseParams& params) {
  check_params(params);
  return (cols + params.block_cols - 1) / params.block_cols;
}

int64_t block_wise_kept_blocks(int64_t rows, int64_t cols, const BlockWiseParams& params) {
  const int64_t blocks = block_wise_grid_rows(rows, params) * block_wise_grid_cols(cols, params);
  return count_for_density(params.density, blocks, "density");
}

Mask block_wise_mask(std::span<const float> scores, int64_t rows, int64_t cols,
                     const BlockWiseParams& params) {
  check_scores(scores, rows, cols);
  const int64_t kept = block_wise_kept_blocks(rows, cols, params);
  const int64_t grid_cols = block_wise_grid_cols(cols, params);
  const int64_t blocks = block_wise_grid_rows(rows, params) * grid_cols;

  // Squared norms rank the same as norms; double keeps sums of many floats from tying by
  // rounding.
  std::vector<double> norm2(static_cast<size_t>(blocks), 0.0);
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t block_row = r / params.block_rows;
    for (int64_t c = 0; c < cols; ++c) {
      const double s = scores[static_cast<size_t>(r * cols + c)];
      norm2[static_cast<size_t>(block_row * grid_cols + c / params.block_cols)] += s * s;
    }
  }
  std::vector<uint8_t> block_keep(norm2.size());
  keep_top_k(std::span<const double>(norm2), kept, block_keep);

  Mask mask{rows, cols, std::vector<uint8_t>(scores.size())};
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t block_row = r / params.block_rows;
    for (int64_t c = 0; c < cols; ++c) {
      mask.keep[static_cast<size_t>(r * cols + c)] =
          block_keep[static_cast<size_t>(block_row * grid_cols + c / params.block_cols)];
    }
  }
  return mask;
}

}  // namespace fitformer::sparsity
