// Hierarchical pruning (HP, DESIGN.md §2), fitformer's pattern: block-balanced row segments
// first (level 1, rho1 = k1 / M), then bank-balanced weights inside each kept segment
// (level 2, rho2 = n * B / Bc), overall density rho1 * rho2; the mask HPF (§3) stores.
#pragma once

#include <cstdint>
#include <span>

#include "sparsity/mask.h"
#include "sparsity/patterns.h"

namespace fitformer::sparsity {

// The integer parameters HPF stores: k1 kept row segments per column block, n kept weights
// per bank of width bank_width.
struct HpCounts {
  int64_t k1 = 0;
  int64_t n = 0;
  int64_t bank_width = 0;
};

// k1 = clamp(round(rho1 * rows), 1, rows), n = clamp(round(rho2 * bank width), 1, width).
// Throws Error naming "rho1", "rho2", "block_cols" or "banks".
HpCounts hp_counts(int64_t rows, const HpParams& params);

// k1 * kept_along(cols, bank width, n): the mask's exact kept count, which is
// rows * cols * rho1 * rho2 when Bc divides cols. Ragged cols follow mask.h's padding rule:
// the last column block is narrower, still keeps k1 segments (ranked by their real
// columns), and each of its banks keeps min(n, real width); HPF stores it as a full block
// (rows [ceil(K/Bc)][k1], vals [ceil(K/Bc)][k1][B][n]) whose unused slots hold zeros.
int64_t hp_kept_count(int64_t rows, int64_t cols, const HpParams& params);

// Level 1 ranks row segments by the L2 norm of all their scores (before level 2), ties to
// the lower row; level 2 keeps the n best scores of each bank of a kept segment, ties to the
// lower column. Hence the mask is the AND of the block-balanced mask with density rho1 and
// the bank-balanced mask with density rho2; rho2 = 1 gives block-balanced pruning and
// rho1 = 1 bank-balanced pruning.
Mask hp_mask(std::span<const float> scores, int64_t rows, int64_t cols, const HpParams& params);

// A split of a target sparsity between the two levels, as the integers HPF stores.
struct HpSplit {
  HpParams params;     // rho1 = k1 / rows, rho2 = n / bank width: feed back to hp_mask as is
  HpCounts counts;     // what hp_counts(rows, params) returns
  double density = 0;  // achieved: hp_kept_count(rows, cols, params) / (rows * cols)
};

// Fixes k1 = round(rho1 * rows), then picks the n that brings the nominal density
// k1 * n / (rows * bank width) nearest the target 1 - sparsity (n = round(target / rho1'
// * width) with rho1' = k1 / rows, clamped to [1, width]); the achieved density is reported,
// never hidden. Throws Error naming "sparsity" unless it is in [0, 1), "rho1" when rho1 is
// outside (0, 1] or below the target density (level 2 cannot add weights back), or the
// geometry field.
HpSplit hp_split_for_rho1(double sparsity, double rho1, int64_t rows, int64_t cols,
                          int64_t block_cols = kDefaultBlockCols, int64_t banks = kDefaultBanks);

// The same with rho2 fixed: n = round(rho2 * width), then k1 nearest the target.
HpSplit hp_split_for_rho2(double sparsity, double rho2, int64_t rows, int64_t cols,
                          int64_t block_cols = kDefaultBlockCols, int64_t banks = kDefaultBanks);

}  // namespace fitformer::sparsity
