// Unstructured pruning, the baseline without hardware structure: the globally best scores
// of one matrix are kept, wherever they fall.
#pragma once

#include <cstdint>
#include <span>

#include "sparsity/mask.h"
#include "sparsity/patterns.h"

namespace fitformer::sparsity {

// clamp(round(density * rows * cols), 1, rows * cols): the mask's exact kept count.
int64_t unstructured_kept_count(int64_t rows, int64_t cols, const UnstructuredParams& params);

// Keeps the unstructured_kept_count best scores of the rows x cols matrix (ties to the lower
// row-major index). Throws Error naming "density" or the bad score/shape field.
Mask unstructured_mask(std::span<const float> scores, int64_t rows, int64_t cols,
                       const UnstructuredParams& params);

}  // namespace fitformer::sparsity
