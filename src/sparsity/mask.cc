// Mask bookkeeping and the shared counting, padding and top-k rules of mask.h.
#include "sparsity/mask.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace fitformer::sparsity {
namespace {

// Groups up to this size are ranked by counting (no allocation): banks and N:M groups are
// 2-16 wide and there are rows * cols / width of them.
constexpr size_t kSmallGroup = 16;

// The tie rule's total order: a before b when larger, or equal and at a lower index.
template <typename T>
bool better(std::span<const T> v, size_t a, size_t b) {
  return v[a] > v[b] || (v[a] == v[b] && a < b);
}

template <typename T>
void keep_top_k_impl(std::span<const T> values, int64_t k, std::span<uint8_t> keep) {
  if (keep.size() != values.size()) {
    throw Error("", "keep", std::to_string(values.size()) + " flags", std::to_string(keep.size()));
  }
  const size_t size = values.size();
  const size_t count = static_cast<size_t>(std::clamp<int64_t>(k, 0, static_cast<int64_t>(size)));
  if (count == size || count == 0) {
    std::fill(keep.begin(), keep.end(), count == size ? 1 : 0);
    return;
  }
  if (size <= kSmallGroup) {
    // An element is kept when fewer than `count` elements come before it.
    for (size_t i = 0; i < size; ++i) {
      size_t rank = 0;
      for (size_t j = 0; j < size; ++j) rank += better(values, j, i) ? 1 : 0;
      keep[i] = rank < count ? 1 : 0;
    }
    return;
  }
  // Large groups: find the count-th largest value, keep everything above it, then the
  // elements equal to it in index order until count is reached (the tie rule). Copying the
  // values costs less memory than an index array.
  std::vector<T> sorted(values.begin(), values.end());
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(count - 1),
                   sorted.end(), std::greater<T>());
  const T threshold = sorted[count - 1];
  size_t above = 0;
  for (const T v : values) above += v > threshold ? 1 : 0;
  size_t ties_left = count - above;
  for (size_t i = 0; i < size; ++i) {
    if (values[i] > threshold) {
      keep[i] = 1;
    } else if (values[i] == threshold && ties_left > 0) {
      keep[i] = 1;
      --ties_left;
    } else {
      keep[i] = 0;
    }
  }
}

}  // namespace

int64_t kept_count(const Mask& mask) {
  return std::count_if(mask.keep.begin(), mask.keep.end(), [](uint8_t k) { return k != 0; });
}

double density(const Mask& mask) {
  if (mask.keep.empty()) return 0.0;
  return static_cast<double>(kept_count(mask)) / static_cast<double>(mask.keep.size());
}

double sparsity(const Mask& mask) {
  return 1.0 - density(mask);
}

Mask intersect(const Mask& a, const Mask& b) {
  if (a.rows != b.rows || a.cols != b.cols || a.keep.size() != b.keep.size()) {
    throw Error("", "mask", fmt::format("a {}x{} mask", a.rows, a.cols),
                fmt::format("{}x{}", b.rows, b.cols));
  }
  Mask out{a.rows, a.cols, std::vector<uint8_t>(a.keep.size())};
  for (size_t i = 0; i < a.keep.size(); ++i) out.keep[i] = (a.keep[i] && b.keep[i]) ? 1 : 0;
  return out;
}

void apply_mask(const Mask& mask, std::span<float> weights) {
  if (weights.size() != mask.keep.size()) {
    throw Error("", "weights",
                fmt::format("{} values ({}x{})", mask.keep.size(), mask.rows, mask.cols),
                std::to_string(weights.size()));
  }
  for (size_t i = 0; i < weights.size(); ++i) {
    if (!mask.keep[i]) weights[i] = 0.0f;
  }
}

std::vector<float> magnitude_scores(std::span<const float> weights) {
  std::vector<float> scores(weights.size());
  std::transform(weights.begin(), weights.end(), scores.begin(),
                 [](float w) { return std::fabs(w); });
  return scores;
}

void check_scores(std::span<const float> scores, int64_t rows, int64_t cols) {
  if (rows < 1) throw Error("", "rows", "at least 1", std::to_string(rows));
  if (cols < 1) throw Error("", "cols", "at least 1", std::to_string(cols));
  if (static_cast<int64_t>(scores.size()) != rows * cols) {
    throw Error("", "scores", fmt::format("{} values ({}x{})", rows * cols, rows, cols),
                std::to_string(scores.size()));
  }
  for (size_t i = 0; i < scores.size(); ++i) {
    // NaN fails both comparisons and would break the ranking's total order.
    if (!(scores[i] >= 0.0f) || !std::isfinite(scores[i])) {
      throw Error("", "scores", "finite values >= 0",
                  fmt::format("{} at ({}, {})", scores[i], static_cast<int64_t>(i) / cols,
                              static_cast<int64_t>(i) % cols));
    }
  }
}

int64_t count_for_density(double density, int64_t group_size, std::string_view field) {
  if (!(density > 0.0 && density <= 1.0)) {
    throw Error("", std::string(field), "a density in (0, 1]", fmt::format("{}", density));
  }
  if (group_size < 1) throw Error("", "group size", "at least 1", std::to_string(group_size));
  const int64_t k = std::llround(density * static_cast<double>(group_size));
  return std::clamp<int64_t>(k, 1, group_size);
}

int64_t kept_along(int64_t length, int64_t group_width, int64_t kept_per_group) {
  const int64_t whole = length / group_width;
  const int64_t tail = length % group_width;
  return whole * kept_per_group + std::min(kept_per_group, tail);
}

void keep_top_k(std::span<const float> values, int64_t k, std::span<uint8_t> keep) {
  keep_top_k_impl(values, k, keep);
}

void keep_top_k(std::span<const double> values, int64_t k, std::span<uint8_t> keep) {
  keep_top_k_impl(values, k, keep);
}

}  // namespace fitformer::sparsity
