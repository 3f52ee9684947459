// Tests of the pattern name table and of make_mask's dispatch to every generator.
#include "sparsity/patterns.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "mask_checks.h"
#include "sparsity/bank_balanced.h"
#include "sparsity/block_balanced.h"
#include "sparsity/block_wise.h"
#include "sparsity/hierarchical.h"
#include "sparsity/n_m.h"
#include "sparsity/unstructured.h"

namespace fitformer::sparsity {
namespace {

TEST(PatternNames, RoundTripInEnumOrder) {
  const std::vector<std::string_view> expected = {"unstructured",  "block", "block-balanced",
                                                  "bank-balanced", "nm",    "hp"};
  ASSERT_EQ(kPatternNames.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const auto pattern = static_cast<Pattern>(i);
    EXPECT_EQ(pattern_name(pattern), expected[i]);
    EXPECT_EQ(parse_pattern(expected[i]), pattern);
  }
}

TEST(PatternNames, UnknownNameListsEveryAllowedName) {
  for (const std::string_view bad : {"HP", "2:4", "", "block_balanced"}) {
    try {
      parse_pattern(bad);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.field(), "pattern");
      EXPECT_EQ(e.found(), "\"" + std::string(bad) + "\"");
      for (const std::string_view name : kPatternNames) {
        EXPECT_NE(e.expected().find(name), std::string::npos) << e.what();
      }
    }
  }
}

TEST(MakeMask, DispatchesToEachGenerator) {
  const int64_t rows = 20, cols = 37;
  const auto s = testing::random_scores(rows, cols, 11);
  const UnstructuredParams u{0.3};
  const BlockWiseParams bw{0.4, 4, 8};
  const BlockBalancedParams bb{0.5, 16};
  const BankBalancedParams bank{0.5, 16, 4};
  const NmParams nm{1, 3};
  const HpParams hp{0.5, 0.5, 16, 4};
  EXPECT_EQ(make_mask(s, rows, cols, u), unstructured_mask(s, rows, cols, u));
  EXPECT_EQ(make_mask(s, rows, cols, bw), block_wise_mask(s, rows, cols, bw));
  EXPECT_EQ(make_mask(s, rows, cols, bb), block_balanced_mask(s, rows, cols, bb));
  EXPECT_EQ(make_mask(s, rows, cols, bank), bank_balanced_mask(s, rows, cols, bank));
  EXPECT_EQ(make_mask(s, rows, cols, nm), n_m_mask(s, rows, cols, nm));
  EXPECT_EQ(make_mask(s, rows, cols, hp), hp_mask(s, rows, cols, hp));
  EXPECT_EQ(pattern_of(u), Pattern::kUnstructured);
  EXPECT_EQ(pattern_of(bw), Pattern::kBlock);
  EXPECT_EQ(pattern_of(bb), Pattern::kBlockBalanced);
  EXPECT_EQ(pattern_of(bank), Pattern::kBankBalanced);
  EXPECT_EQ(pattern_of(nm), Pattern::kNm);
  EXPECT_EQ(pattern_of(hp), Pattern::kHp);
}

TEST(Params, DefaultsFollowTheDesign) {
  EXPECT_EQ(BlockWiseParams{}.block_cols, 64);
  EXPECT_EQ(BlockWiseParams{}.block_rows, 64);
  EXPECT_EQ(BankBalancedParams{}.block_cols, 64);
  EXPECT_EQ(BankBalancedParams{}.banks, 8);
  EXPECT_EQ(HpParams{}.block_cols, 64);
  EXPECT_EQ(HpParams{}.banks, 8);
  EXPECT_EQ(NmParams{}.n, 2);
  EXPECT_EQ(NmParams{}.m, 4);
}

}  // namespace
}  // namespace fitformer::sparsity
