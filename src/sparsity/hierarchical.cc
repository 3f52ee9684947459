// Hierarchical pruning: level-1 segment selection per column block, then a top-n per bank
// inside the kept segments; and the choice of (k1, n) for a target sparsity.
#include "sparsity/hierarchical.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "sparsity/bank_balanced.h"
#include "sparsity/block_balanced.h"

namespace fitformer::sparsity {
namespace {

double target_density(double sparsity) {
  if (!(sparsity >= 0.0 && sparsity < 1.0)) {
    throw Error("", "sparsity", "a sparsity in [0, 1)", fmt::format("{}", sparsity));
  }
  return 1.0 - sparsity;
}

HpSplit make_split(int64_t rows, int64_t cols, int64_t block_cols, int64_t banks, int64_t k1,
                   int64_t n) {
  HpSplit split;
  const int64_t width = bank_width(block_cols, banks);
  split.params.rho1 = static_cast<double>(k1) / static_cast<double>(rows);
  split.params.rho2 = static_cast<double>(n) / static_cast<double>(width);
  split.params.block_cols = block_cols;
  split.params.banks = banks;
  split.counts = hp_counts(rows, split.params);
  split.density = static_cast<double>(hp_kept_count(rows, cols, split.params)) /
                  (static_cast<double>(rows) * static_cast<double>(cols));
  return split;
}

}  // namespace

HpCounts hp_counts(int64_t rows, const HpParams& params) {
  HpCounts counts;
  counts.bank_width = bank_width(params.block_cols, params.banks);
  counts.k1 = count_for_density(params.rho1, rows, "rho1");
  counts.n = count_for_density(params.rho2, counts.bank_width, "rho2");
  return counts;
}

int64_t hp_kept_count(int64_t rows, int64_t cols, const HpParams& params) {
  const HpCounts counts = hp_counts(rows, params);
  return counts.k1 * kept_along(cols, counts.bank_width, counts.n);
}

Mask hp_mask(std::span<const float> scores, int64_t rows, int64_t cols, const HpParams& params) {
  check_scores(scores, rows, cols);
  const HpCounts counts = hp_counts(rows, params);
  Mask mask{rows, cols, std::vector<uint8_t>(scores.size(), 0)};
  const std::span<uint8_t> keep(mask.keep);
  std::vector<uint8_t> segment_keep(static_cast<size_t>(rows));
  for (int64_t begin = 0; begin < cols; begin += params.block_cols) {
    const int64_t end = std::min(cols, begin + params.block_cols);
    select_row_segments(scores, rows, cols, begin, end, counts.k1, segment_keep);
    for (int64_t r = 0; r < rows; ++r) {
      if (!segment_keep[static_cast<size_t>(r)]) continue;
      // Banks of width Bc / B tile the segment from its first column; the last one may be
      // cut short by the matrix edge and then keeps min(n, width).
      for (int64_t bank = begin; bank < end; bank += counts.bank_width) {
        const size_t offset = static_cast<size_t>(r * cols + bank);
        const size_t size = static_cast<size_t>(std::min(counts.bank_width, end - bank));
        keep_top_k(scores.subspan(offset, size), counts.n, keep.subspan(offset, size));
      }
    }
  }
  return mask;
}

HpSplit hp_split_for_rho1(double sparsity, double rho1, int64_t rows, int64_t cols,
                          int64_t block_cols, int64_t banks) {
  const double target = target_density(sparsity);
  if (rows < 1) throw Error("", "rows", "at least 1", std::to_string(rows));
  if (cols < 1) throw Error("", "cols", "at least 1", std::to_string(cols));
  const int64_t width = bank_width(block_cols, banks);
  const int64_t k1 = count_for_density(rho1, rows, "rho1");
  if (rho1 < target) {
    throw Error("", "rho1", fmt::format("at least the target density {}", target),
                fmt::format("{}", rho1));
  }
  // Density is linear in n for fixed k1, so rounding n minimizes the nominal error.
  const double rho2 = target * static_cast<double>(rows) / static_cast<double>(k1);
  const int64_t n = std::clamp<int64_t>(std::llround(rho2 * static_cast<double>(width)), 1, width);
  return make_split(rows, cols, block_cols, banks, k1, n);
}

HpSplit hp_split_for_rho2(double sparsity, double rho2, int64_t rows, int64_t cols,
                          int64_t block_cols, int64_t banks) {
  const double target = target_density(sparsity);
  if (rows < 1) throw Error("", "rows", "at least 1", std::to_string(rows));
  if (cols < 1) throw Error("", "cols", "at least 1", std::to_string(cols));
  const int64_t width = bank_width(block_cols, banks);
  const int64_t n = count_for_density(rho2, width, "rho2");
  if (rho2 < target) {
    throw Error("", "rho2", fmt::format("at least the target density {}", target),
                fmt::format("{}", rho2));
  }
  const double rho1 = target * static_cast<double>(width) / static_cast<double>(n);
  const int64_t k1 = std::clamp<int64_t>(std::llround(rho1 * static_cast<double>(rows)), 1, rows);
  return make_split(rows, cols, block_cols, banks, k1, n);
}

}  // namespace fitformer::sparsity
