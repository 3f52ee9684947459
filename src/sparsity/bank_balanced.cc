// Bank-balanced pruning: a top-n in every bank of every row.
#include "sparsity/bank_balanced.h"

#include <algorithm>
#include <string>

#include "core/error.h"

namespace fitformer::sparsity {

int64_t bank_width(int64_t block_cols, int64_t banks) {
  if (block_cols < 1) throw Error("", "block_cols", "at least 1", std::to_string(block_cols));
  if (banks < 1) throw Error("", "banks", "at least 1", std::to_string(banks));
  if (block_cols % banks != 0) {
    throw Error("", "block_cols", "a multiple of banks (" + std::to_string(banks) + ")",
                std::to_string(block_cols));
  }
  return block_cols / banks;
}

int64_t bank_balanced_n(const BankBalancedParams& params) {
  return count_for_density(params.density, bank_width(params.block_cols, params.banks), "density");
}

int64_t bank_balanced_kept_count(int64_t rows, int64_t cols, const BankBalancedParams& params) {
  return rows *
         kept_along(cols, bank_width(params.block_cols, params.banks), bank_balanced_n(params));
}

Mask bank_balanced_mask(std::span<const float> scores, int64_t rows, int64_t cols,
                        const BankBalancedParams& params) {
  check_scores(scores, rows, cols);
  const int64_t width = bank_width(params.block_cols, params.banks);
  const int64_t n = bank_balanced_n(params);
  Mask mask{rows, cols, std::vector<uint8_t>(scores.size())};
  const std::span<uint8_t> keep(mask.keep);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t begin = 0; begin < cols; begin += width) {
      const size_t offset = static_cast<size_t>(r * cols + begin);
      const size_t size = static_cast<size_t>(std::min(width, cols - begin));
      keep_top_k(scores.subspan(offset, size), n, keep.subspan(offset, size));
    }
  }
  return mask;
}

}  // namespace fitformer::sparsity
