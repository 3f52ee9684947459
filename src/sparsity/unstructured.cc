// Unstructured pruning: one top-k over the whole matrix.
#include "sparsity/unstructured.h"

namespace fitformer::sparsity {

int64_t unstructured_kept_count(int64_t rows, int64_t cols, const UnstructuredParams& params) {
  return count_for_density(params.density, rows * cols, "density");
}

Mask unstructured_mask(std::span<const float> scores, int64_t rows, int64_t cols,
                       const UnstructuredParams& params) {
  check_scores(scores, rows, cols);
  const int64_t kept = unstructured_kept_count(rows, cols, params);
  Mask mask{rows, cols, std::vector<uint8_t>(scores.size())};
  keep_top_k(scores, kept, mask.keep);
  return mask;
}

}  // namespace fitformer::sparsity
