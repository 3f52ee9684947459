// Shared pieces of the sparsity tests: seeded score matrices, the shapes and geometries
// every pattern is run over, and independent checks (per-group counts, the exchange
// condition of a top-k, brute-force subset search) that do not call the code under test.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/random.h"
#include "sparsity/mask.h"

namespace fitformer::sparsity::testing {

struct Shape {
  int64_t rows, cols;
};

// Square, tall, wide, single row/column and ragged shapes; 768x768 is BERT-base's hidden.
inline const std::vector<Shape>& test_shapes() {
  static const std::vector<Shape> shapes = {{1, 1},     {1, 5},    {5, 1},    {7, 13},
                                            {13, 7},    {3, 200},  {64, 64},  {65, 63},
                                            {100, 130}, {128, 72}, {768, 768}};
  return shapes;
}

struct Geometry {
  int64_t block_cols, banks;
};

// The default (64, 8) and others: bank width 1, 2, 3, 4, 16 and blocks wider than some shapes.
inline const std::vector<Geometry>& test_geometries() {
  static const std::vector<Geometry> geometries = {{64, 8}, {16, 4}, {8, 8},
                                                   {12, 3}, {4, 1},  {128, 8}};
  return geometries;
}

inline const std::vector<double>& test_densities() {
  static const std::vector<double> densities = {0.05, 0.25, 0.5, 0.7, 1.0};
  return densities;
}

// Uniform scores in [0, 1); with `levels` > 0, integers in [0, levels) so that ties abound.
inline std::vector<float> random_scores(int64_t rows, int64_t cols, uint64_t seed, int levels = 0) {
  Rng rng(seed);
  std::vector<float> scores(static_cast<size_t>(rows * cols));
  for (float& s : scores) {
    s = levels > 0 ? static_cast<float>(rng.below(static_cast<uint64_t>(levels)))
                   : static_cast<float>(rng.uniform());
  }
  return scores;
}

inline std::string describe(Shape s) {
  return std::to_string(s.rows) + "x" + std::to_string(s.cols);
}

inline int64_t count_kept(const Mask& mask, int64_t r0, int64_t r1, int64_t c0, int64_t c1) {
  int64_t n = 0;
  for (int64_t r = r0; r < r1; ++r) {
    for (int64_t c = c0; c < c1; ++c) n += mask.keep[static_cast<size_t>(r * mask.cols + c)];
  }
  return n;
}

// Every group of `width` columns (from column 0, last one narrower) in every row keeps
// exactly min(kept, real width); the columns of a row segment [c0, c1) only.
inline ::testing::AssertionResult row_groups_keep(const Mask& mask, int64_t r, int64_t c0,
                                                  int64_t c1, int64_t width, int64_t kept) {
  for (int64_t g = c0; g < c1; g += width) {
    const int64_t end = std::min(c1, g + width);
    const int64_t got = count_kept(mask, r, r + 1, g, end);
    if (got != std::min(kept, end - g)) {
      return ::testing::AssertionFailure()
             << "row " << r << " group [" << g << ", " << end << ") keeps " << got << ", expected "
             << std::min(kept, end - g);
    }
  }
  return ::testing::AssertionSuccess();
}

// Top-k by the tie rule, checked from its definition: every kept item comes before every
// dropped item in the order (larger value, then lower position). It suffices to compare the
// worst kept with the best dropped. Values and flags are listed in position order.
template <typename T>
::testing::AssertionResult is_top_by_tie_rule(const std::vector<T>& values,
                                              const std::vector<uint8_t>& kept) {
  auto before = [&](size_t a, size_t b) {
    return values[a] > values[b] || (values[a] == values[b] && a < b);
  };
  int64_t worst_kept = -1, best_dropped = -1;
  for (size_t i = 0; i < values.size(); ++i) {
    if (kept[i]) {
      if (worst_kept < 0 || before(static_cast<size_t>(worst_kept), i)) worst_kept = i;
    } else if (best_dropped < 0 || before(i, static_cast<size_t>(best_dropped))) {
      best_dropped = i;
    }
  }
  if (worst_kept >= 0 && best_dropped >= 0 &&
      !before(static_cast<size_t>(worst_kept), static_cast<size_t>(best_dropped))) {
    return ::testing::AssertionFailure()
           << "dropped position " << best_dropped << " (" << values[best_dropped]
           << ") beats kept position " << worst_kept << " (" << values[worst_kept] << ")";
  }
  return ::testing::AssertionSuccess();
}

// The largest sum of exactly k of the values, by trying every subset (values.size() <= 20).
inline double brute_force_best_sum(const std::vector<double>& values, int64_t k) {
  const uint32_t n = static_cast<uint32_t>(values.size());
  double best = -1.0;
  for (uint32_t subset = 0; subset < (1u << n); ++subset) {
    if (std::popcount(subset) != k) continue;
    double sum = 0.0;
    for (uint32_t i = 0; i < n; ++i) {
      if (subset & (1u << i)) sum += values[i];
    }
    best = std::max(best, sum);
  }
  return best;
}

inline double kept_sum(const std::vector<double>& values, const std::vector<uint8_t>& kept) {
  double sum = 0.0;
  for (size_t i = 0; i < values.size(); ++i) sum += kept[i] ? values[i] : 0.0;
  return sum;
}

// Squared L2 norm of scores in rows [r0, r1) x cols [c0, c1) of a cols-wide matrix.
inline double norm2(const std::vector<float>& scores, int64_t cols, int64_t r0, int64_t r1,
                    int64_t c0, int64_t c1) {
  double sum = 0.0;
  for (int64_t r = r0; r < r1; ++r) {
    for (int64_t c = c0; c < c1; ++c) {
      const double s = scores[static_cast<size_t>(r * cols + c)];
      sum += s * s;
    }
  }
  return sum;
}

// The field named by the Error that call() throws, or "(no error)".
template <typename Call>
std::string error_field(Call&& call) {
  try {
    call();
  } catch (const Error& e) {
    return e.field();
  }
  return "(no error)";
}

}  // namespace fitformer::sparsity::testing
