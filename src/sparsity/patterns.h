// The pruning patterns fitformer compares (DESIGN.md §2): their names, their parameters,
// and one entry point that builds any pattern's mask.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <variant>

#include "sparsity/mask.h"

namespace fitformer::sparsity {

enum class Pattern { kUnstructured, kBlock, kBlockBalanced, kBankBalanced, kNm, kHp };

// The one name table: parse_pattern, pattern_name and the error's list of allowed names all
// read it, in enum order.
inline constexpr std::array<std::string_view, 6> kPatternNames = {
    "unstructured", "block", "block-balanced", "bank-balanced", "nm", "hp"};

std::string_view pattern_name(Pattern pattern);
// Throws Error (field "pattern") listing the allowed names when `name` is not one of them.
Pattern parse_pattern(std::string_view name);

// Defaults follow DESIGN.md §2: column blocks Bc = 64 split into B = 8 banks (bank width 8),
// Br = Bc. Densities are fractions kept, in (0, 1]; 0.5 is the default to match 2:4. The HP
// plan (hp_plan.h) reads the same constants.
inline constexpr int64_t kDefaultBlockCols = 64;
inline constexpr int64_t kDefaultBanks = 8;

// Global magnitude top-k over the whole matrix.
struct UnstructuredParams {
  double density = 0.5;
};

// Whole Br x Bc blocks kept or removed by the L2 norm of their scores; density counts blocks.
struct BlockWiseParams {
  double density = 0.5;
  int64_t block_rows = kDefaultBlockCols;  // Br
  int64_t block_cols = kDefaultBlockCols;  // Bc
};

// HP level 1 alone: per column block, the same k1 = round(density * M) row segments.
struct BlockBalancedParams {
  double density = 0.5;  // rho1
  int64_t block_cols = kDefaultBlockCols;
};

// HP level 2 alone: per bank of width block_cols / banks, the same n = round(density * width).
struct BankBalancedParams {
  double density = 0.5;  // rho2
  int64_t block_cols = kDefaultBlockCols;
  int64_t banks = kDefaultBanks;  // B; block_cols must be a multiple of it
};

// n kept out of every m consecutive weights along the input dimension (2:4 by default).
struct NmParams {
  int64_t n = 2;
  int64_t m = 4;
};

// HP: level 1 with rho1, then level 2 with rho2 inside the kept row segments; overall
// density rho1 * rho2, resolved for one matrix: what hp_plan.h's split() (or hierarchical.h's
// splits) returns for a plan's target sparsity, and what hp_mask and HPF take.
struct HpParams {
  double rho1 = 0.5;
  double rho2 = 0.5;
  int64_t block_cols = kDefaultBlockCols;
  int64_t banks = kDefaultBanks;
};

// One pattern with its parameters; the alternatives are in Pattern's order.
using PatternParams = std::variant<UnstructuredParams, BlockWiseParams, BlockBalancedParams,
                                   BankBalancedParams, NmParams, HpParams>;

Pattern pattern_of(const PatternParams& params);

// The mask of any pattern for scores of shape rows x cols (see mask.h for layout, rounding,
// padding and ties). Throws Error naming the offending field for bad parameters or scores.
Mask make_mask(std::span<const float> scores, int64_t rows, int64_t cols,
               const PatternParams& params);

}  // namespace fitformer::sparsity
