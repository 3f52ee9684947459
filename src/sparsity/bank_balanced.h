// Bank-balanced pruning, HP level 2 alone (DESIGN.md §2; Cao et al., FPGA 2019): every row
// is cut into banks of width Bc / B and every bank keeps the same n largest scores, so B
// memory banks each serve one value per cycle with no conflicts.
#pragma once

#include <cstdint>
#include <span>

#include "sparsity/mask.h"
#include "sparsity/patterns.h"

namespace fitformer::sparsity {

// block_cols / banks, after checking block_cols >= 1, banks >= 1 and that banks divides
// block_cols (Error naming "block_cols" or "banks"). Shared with HP.
int64_t bank_width(int64_t block_cols, int64_t banks);

// n = clamp(round(density * bank width), 1, bank width); rho2 = n * B / Bc.
int64_t bank_balanced_n(const BankBalancedParams& params);

// rows * kept_along(cols, bank width, n): the mask's exact kept count. Banks tile each row
// from column 0 and never straddle a column block, since the bank width divides Bc. When
// the bank width does not divide cols the last bank is narrower and keeps min(n, width)
// (mask.h's padding rule), so its density is at least rho2; banks wholly inside the padding
// of the last column block hold nothing and keep nothing.
int64_t bank_balanced_kept_count(int64_t rows, int64_t cols, const BankBalancedParams& params);

// Keeps the n best scores of every bank (ties to the lower column). Throws Error naming
// "density", "block_cols", "banks" or the bad score/shape field.
Mask bank_balanced_mask(std::span<const float> scores, int64_t rows, int64_t cols,
                        const BankBalancedParams& params);

}  // namespace fitformer::sparsity
