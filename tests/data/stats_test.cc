// Token-length figures of `data show` on examples whose token counts are known: text i holds
// i words of the vocabulary, each one token.
#include "data/stats.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace fitformer::data {
namespace {

TEST(TokenLengths, NearestRankPercentilesAndTheCountOverTheLimit) {
  const auto tokenizer = parse_wordpiece("[PAD]\n[UNK]\nword\n", "test/vocab.txt");
  std::vector<Example> examples;
  for (int i = 1; i <= 20; ++i) {
    std::string text;
    for (int w = 0; w < i; ++w) text += "word ";
    examples.push_back({text, 0, "row " + std::to_string(i)});
  }
  std::shuffle(examples.begin(), examples.end(), std::mt19937(7));  // order must not matter
  const TokenLengths t = token_lengths(examples, *tokenizer, 15);
  EXPECT_EQ(t.examples, 20u);
  EXPECT_EQ(t.min, 1u);
  EXPECT_EQ(t.median, 10u);  // the lower middle of 1..20
  EXPECT_EQ(t.p95, 19u);     // ceil(0.95 * 20) = 19th
  EXPECT_EQ(t.max, 20u);
  EXPECT_EQ(t.over_limit, 5u);  // 16..20
  const TokenLengths one = token_lengths(std::span(examples).first(1), *tokenizer, 100);
  EXPECT_EQ(one.p95, one.max);
  EXPECT_EQ(one.over_limit, 0u);
  const TokenLengths none = token_lengths({}, *tokenizer, 1);
  EXPECT_EQ(none.examples, 0u);
  EXPECT_EQ(none.max, 0u);
}

}  // namespace
}  // namespace fitformer::data
