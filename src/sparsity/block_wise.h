// Block-wise pruning, the coarse structured baseline: whole Br x Bc blocks are kept or
// removed by the L2 norm of their scores, so a kept block is a small dense matrix.
#pragma once

#include <cstdint>
#include <span>

#include "sparsity/mask.h"
#include "sparsity/patterns.h"

namespace fitformer::sparsity {

// The block grid is ceil(rows / Br) x ceil(cols / Bc), blocks numbered row-major from the
// top-left corner. Ragged shapes follow mask.h's padding rule: the last block row and
// column are cut short (padded with never-kept zero scores), so an edge block counts as one
// block but holds fewer weights. Density therefore counts blocks, and the element density
// of the mask equals it exactly only when Br divides rows and Bc divides cols.
int64_t block_wise_grid_rows(int64_t rows, const BlockWiseParams& params);
int64_t block_wise_grid_cols(int64_t cols, const BlockWiseParams& params);

// clamp(round(density * blocks), 1, blocks): the exact number of kept blocks.
int64_t block_wise_kept_blocks(int64_t rows, int64_t cols, const BlockWiseParams& params);

// Keeps the block_wise_kept_blocks blocks with the largest L2 norm of their scores (ties to
// the lower block number). Throws Error naming "density", "block_rows", "block_cols" or the
// bad score/shape field.
Mask block_wise_mask(std::span<const float> scores, int64_t rows, int64_t cols,
                     const BlockWiseParams& params);

}  // namespace fitformer::sparsity
