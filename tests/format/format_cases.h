// Shared inputs of the format tests: seeded weights and the real HP masks (sparsity/) over
// ragged shapes, geometries and (rho1, rho2) splits.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/random.h"
#include "sparsity/hierarchical.h"

namespace fitformer::format::testing {

struct Case {
  int64_t rows, cols;
  sparsity::HpParams params;
  std::string name() const {
    return std::to_string(rows) + "x" + std::to_string(cols) + " Bc" +
           std::to_string(params.block_cols) + " B" + std::to_string(params.banks) + " rho1 " +
           std::to_string(params.rho1) + " rho2 " + std::to_string(params.rho2);
  }
};

// Ragged shapes (M, K not multiples of Bc or of the bank width), several geometries and
// splits (level-1 only, level-2 only, balanced, uneven).
inline std::vector<Case> hp_cases() {
  struct Shape {
    int64_t rows, cols;
  };
  struct Geometry {
    int64_t block_cols, banks;
  };
  struct Split {
    double rho1, rho2;
  };
  const Shape shapes[] = {{1, 1}, {7, 13}, {13, 70}, {64, 64}, {65, 63}, {100, 130}, {33, 200}};
  const Geometry geometries[] = {{64, 8}, {16, 4}, {12, 3}, {8, 8}, {32, 2}};
  const Split splits[] = {{0.5, 0.5}, {0.25, 1.0}, {1.0, 0.25}, {0.3, 0.75}, {0.1, 0.5}};
  std::vector<Case> cases;
  for (const Shape& s : shapes) {
    for (const Geometry& g : geometries) {
      for (const Split& p : splits) {
        cases.push_back({s.rows, s.cols, {p.rho1, p.rho2, g.block_cols, g.banks}});
      }
    }
  }
  return cases;
}

// Uniform in [-1, 1), with a few exact zeros and one large outlier per matrix.
inline std::vector<float> random_weights(int64_t rows, int64_t cols, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> w(static_cast<size_t>(rows * cols));
  for (float& v : w) v = static_cast<float>(rng.uniform() * 2.0 - 1.0);
  if (w.size() > 3) {
    w[1] = 0.0f;
    w[w.size() / 2] = 7.5f;
  }
  return w;
}

inline sparsity::Mask hp_mask_for(const std::vector<float>& w, const Case& c) {
  return sparsity::hp_mask(sparsity::magnitude_scores(w), c.rows, c.cols, c.params);
}

}  // namespace fitformer::format::testing
