// Keep-masks over weight matrices, and the counting, ranking and padding rules every
// pruning pattern in this folder shares.
//
// Layout. A weight matrix is M rows (outputs) x K columns (inputs), row-major, PyTorch's
// Linear.weight layout; scores have the same shape (importance, larger = keep; |W| by
// default) and must be finite and >= 0.
//
// Rounding rule. A pattern asks for a density rho in (0, 1] and applies it to a group of
// nominal size G (the matrix, the block grid, M rows per column block, a bank): the group
// keeps clamp(llround(rho * G), 1, G) units, llround rounding halves away from zero in
// double: 0.25 * 2 keeps 1, but 0.29 * 50 is 14.499999999999998 in double and keeps 14, so
// a caller who needs an exact count passes count / G (hierarchical.h's splits do). At least
// one unit is kept because rho > 0 asks for something to remain.
//
// Padding rule (ragged shapes). Where K is not a multiple of the group width along a row
// (a bank, an N:M group, a column block), the matrix is read as padded on the right with
// virtual columns of score zero that are never kept; M is padded at the bottom the same way
// for Br x Bc blocks. The last group is therefore narrower: it keeps min(kept, real width)
// elements, where kept is the count from the nominal width. Why this rule: a balanced
// format (HPF, DESIGN.md §3) stores the same number of slots per bank whatever its real
// width, and an accelerator zero-pads the input to a whole block, so a narrow tail bank
// costs the same n cycles as a full one; filling its slots with every real weight it has
// loses nothing and keeps all stored shapes uniform (rows [ceil(K/Bc)][k1], vals
// [ceil(K/Bc)][k1][B][n], unused slots hold value 0).
//
// Tie rule. Among equal scores (or equal group norms) the lower index wins: lower column in
// a row group, lower row in a column block, lower block in row-major block order. Masks are
// therefore a pure function of (scores, shape, parameters).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace fitformer::sparsity {

// keep[r * cols + c] is 1 where weight (r, c) stays, 0 where it is pruned.
struct Mask {
  int64_t rows = 0;
  int64_t cols = 0;
  std::vector<uint8_t> keep;

  bool operator==(const Mask&) const = default;
};

// Number of kept elements.
int64_t kept_count(const Mask& mask);
// kept / (rows * cols), in [0, 1]; 0 for an empty mask.
double density(const Mask& mask);
// 1 - density(mask).
double sparsity(const Mask& mask);

// Elementwise AND of two masks of the same shape (Error otherwise).
Mask intersect(const Mask& a, const Mask& b);

// Zeroes the pruned weights in place; weights is rows * cols, same layout as the mask.
void apply_mask(const Mask& mask, std::span<float> weights);

// |w|: the default importance score.
std::vector<float> magnitude_scores(std::span<const float> weights);

// Checks that scores holds rows * cols finite, non-negative values and rows, cols >= 1;
// throws Error naming "rows", "cols" or "scores" otherwise.
void check_scores(std::span<const float> scores, int64_t rows, int64_t cols);

// The rounding rule above: clamp(llround(density * group_size), 1, group_size). Throws
// Error naming `field` unless density is in (0, 1]; group_size >= 1.
int64_t count_for_density(double density, int64_t group_size, std::string_view field);

// The padding rule above, counted: elements kept along a line of `length` real elements cut
// into groups of `group_width` from index 0, each keeping `kept_per_group` (the last,
// narrower group keeping at most its real width).
int64_t kept_along(int64_t length, int64_t group_width, int64_t kept_per_group);

// Sets keep[i] = 1 for the k best values and 0 for the rest: larger first, ties to the lower
// index (the tie rule above). k is clamped to [0, values.size()]; keep has values.size().
void keep_top_k(std::span<const float> values, int64_t k, std::span<uint8_t> keep);
void keep_top_k(std::span<const double> values, int64_t k, std::span<uint8_t> keep);

}  // namespace fitformer::sparsity
