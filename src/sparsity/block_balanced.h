// Block-balanced pruning, HP level 1 alone (DESIGN.md §2): in every column block of width Bc
// the same number k1 of row segments (1 x Bc pieces) is kept, so every block costs the
// hardware the same k1 row passes and HPF stores k1 row indices per block.
#pragma once

#include <cstdint>
#include <span>

#include "sparsity/mask.h"
#include "sparsity/patterns.h"

namespace fitformer::sparsity {

// k1 = clamp(round(density * rows), 1, rows); rho1 = k1 / rows.
int64_t block_balanced_k1(int64_t rows, const BlockBalancedParams& params);

// k1 * cols: every column, in a full block or in the narrower last one, keeps k1 weights,
// so the mask's density is exactly k1 / rows.
int64_t block_balanced_kept_count(int64_t rows, int64_t cols, const BlockBalancedParams& params);

// Level 1's choice in the column block [col_begin, col_end): segment_keep[r] = 1 for the k1
// rows whose scores there have the largest L2 norm (ties to the lower row). segment_keep
// has `rows` entries. Shared with hp_mask; scores are assumed checked.
void select_row_segments(std::span<const float> scores, int64_t rows, int64_t cols,
                         int64_t col_begin, int64_t col_end, int64_t k1,
                         std::span<uint8_t> segment_keep);

// Column blocks start at column 0; when Bc does not divide cols the last block is narrower
// (mask.h's padding rule: virtual zero columns add nothing to a norm) and still keeps k1
// segments, ranked by their real columns. Throws Error naming "density", "block_cols" or the
// bad score/shape field.
Mask block_balanced_mask(std::span<const float> scores, int64_t rows, int64_t cols,
                         const BlockBalancedParams& params);

}  // namespace fitformer::sparsity
