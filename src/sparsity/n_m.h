// N:M pruning (e.g. 2:4, the pattern of sparse tensor cores): n weights kept out of every m
// consecutive ones along the input dimension of each row.
#pragma once

#include <cstdint>
#include <span>

#include "sparsity/mask.h"
#include "sparsity/patterns.h"

namespace fitformer::sparsity {

// rows * kept_along(cols, m, n): the mask's exact kept count. Groups start at column 0;
// when m does not divide cols the last group is narrower and keeps min(n, width) (mask.h's
// padding rule, as a 2:4 kernel zero-pads K to a multiple of 4), so the density is n / m
// exactly when m divides cols and slightly above it otherwise.
int64_t n_m_kept_count(int64_t rows, int64_t cols, const NmParams& params);

// Keeps the n best scores of every group (ties to the lower column). Throws Error naming
// "n" (n < 1 or n > m), "m" (m < 1) or the bad score/shape field.
Mask n_m_mask(std::span<const float> scores, int64_t rows, int64_t cols, const NmParams& params);

}  // namespace fitformer::sparsity
