// The pattern name table and the dispatch from a PatternParams to its generator.
#include "sparsity/patterns.h"

#include <string>

#include "core/error.h"
#include "sparsity/bank_balanced.h"
#include "sparsity/block_balanced.h"
#include "sparsity/block_wise.h"
#include "sparsity/hierarchical.h"
#include "sparsity/n_m.h"
#include "sparsity/unstructured.h"

namespace fitformer::sparsity {

// The variant's alternatives must follow the enum, so pattern_of can use the index.
static_assert(std::variant_size_v<PatternParams> == kPatternNames.size());
static_assert(
    std::is_same_v<std::variant_alternative_t<static_cast<size_t>(Pattern::kHp), PatternParams>,
                   HpParams>);
static_assert(
    std::is_same_v<std::variant_alternative_t<static_cast<size_t>(Pattern::kNm), PatternParams>,
                   NmParams>);

std::string_view pattern_name(Pattern pattern) {
  return kPatternNames.at(static_cast<size_t>(pattern));
}

Pattern parse_pattern(std::string_view name) {
  for (size_t i = 0; i < kPatternNames.size(); ++i) {
    if (kPatternNames[i] == name) return static_cast<Pattern>(i);
  }
  std::string allowed;
  for (const std::string_view known : kPatternNames) {
    allowed += (allowed.empty() ? "" : ", ") + std::string(known);
  }
  throw Error("", "pattern", "one of " + allowed, "\"" + std::string(name) + "\"");
}

Pattern pattern_of(const PatternParams& params) {
  return static_cast<Pattern>(params.index());
}

Mask make_mask(std::span<const float> scores, int64_t rows, int64_t cols,
               const PatternParams& params) {
  struct Generate {
    std::span<const float> scores;
    int64_t rows, cols;
    Mask operator()(const UnstructuredParams& p) const {
      return unstructured_mask(scores, rows, cols, p);
    }
    Mask operator()(const BlockWiseParams& p) const {
      return block_wise_mask(scores, rows, cols, p);
    }
    Mask operator()(const BlockBalancedParams& p) const {
      return block_balanced_mask(scores, rows, cols, p);
    }
    Mask operator()(const BankBalancedParams& p) const {
      return bank_balanced_mask(scores, rows, cols, p);
    }
    Mask operator()(const NmParams& p) const { return n_m_mask(scores, rows, cols, p); }
    Mask operator()(const HpParams& p) const { return hp_mask(scores, rows, cols, p); }
  };
  return std::visit(Generate{scores, rows, cols}, params);
}

}  // namespace fitformer::sparsity
