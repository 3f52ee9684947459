// Tests of the core utilities: errors, the portable generator, hashes and atomic writes.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <set>

#include "common/temp_dir.h"
#include "core/error.h"
#include "core/files.h"
#include "core/hash.h"
#include "core/random.h"

namespace fitformer {
namespace {

TEST(Error, MessageNamesFileFieldExpectedFound) {
  const Error e("model.json", "hidden_size", "a positive integer", "-3");
  EXPECT_STREQ(e.what(), "model.json: hidden_size: expected a positive integer, found -3");
  EXPECT_EQ(Error("", "", "x").what(), std::string("expected x"));
}

TEST(Rng, SameSeedSameSequenceAndKnownValues) {
  Rng a(42), b(42), c(43);
  std::vector<uint64_t> xa, xb, xc;
  for (int i = 0; i < 100; ++i) {
    xa.push_back(a.next_u64());
    xb.push_back(b.next_u64());
    xc.push_back(c.next_u64());
  }
  EXPECT_EQ(xa, xb);
  EXPECT_NE(xa, xc);
  // SplitMix64 reference value for seed 0 (first output), from the published algorithm.
  Rng zero(0);
  EXPECT_EQ(zero.next_u64(), 0xe220a8397b1dcdafULL);
}

TEST(Rng, BelowIsInRangeAndRoughlyUniform) {
  Rng rng(7);
  std::vector<int> counts(10, 0);
  for (int i = 0; i < 100000; ++i) {
    const uint64_t x = rng.below(10);
    ASSERT_LT(x, 10u);
    ++counts[x];
  }
  for (const int c : counts) EXPECT_NEAR(c, 10000, 500);
  for (int i = 0; i < 1000; ++i) {
    const double u = rng.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
  }
}

TEST(Rng, ShuffleIsAPermutationAndDeterministic) {
  std::vector<int> a(1000), b;
  std::iota(a.begin(), a.end(), 0);
  b = a;
  Rng(5).shuffle(std::span<int>(a));
  Rng(5).shuffle(std::span<int>(b));
  EXPECT_EQ(a, b);
  EXPECT_FALSE(std::is_sorted(a.begin(), a.end()));
  std::sort(a.begin(), a.end());
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(a[static_cast<size_t>(i)], i);
}

TEST(ContentHash, PartsAreDelimited) {
  EXPECT_NE(ContentHash().add("ab").add("c").hex(), ContentHash().add("a").add("bc").hex());
  EXPECT_EQ(ContentHash().add("abc").add(int64_t{3}).hex(),
            ContentHash().add("abc").add(int64_t{3}).hex());
  EXPECT_EQ(ContentHash().hex().size(), 32u);
}

TEST(ContentHash, FileContentMatters) {
  testing::TempDir dir;
  const auto a = dir.write("a.txt", "hello");
  const auto b = dir.write("b.txt", "hellp");
  EXPECT_NE(ContentHash().add_file(a.string()).hex(), ContentHash().add_file(b.string()).hex());
  EXPECT_THROW(ContentHash().add_file((dir.path() / "missing").string()), Error);
}

TEST(Files, AtomicWriteReplacesAndLeavesNoTemporaries) {
  testing::TempDir dir;
  const auto file = dir.path() / "sub" / "out.bin";
  write_file_atomic(file, "first");
  EXPECT_EQ(read_file(file), "first");
  std::string big(1 << 20, 'x');
  big[12345] = '\0';
  write_file_atomic(file, big);
  EXPECT_EQ(read_file(file), big);
  EXPECT_EQ(list_files(dir.path() / "sub").size(), 1u);
}

TEST(Files, ErrorsNameThePath) {
  testing::TempDir dir;
  try {
    read_file(dir.path() / "nope.txt");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("nope.txt"), std::string::npos);
  }
  EXPECT_THROW(read_file(dir.path()), Error);
  EXPECT_THROW(list_files(dir.path() / "missing"), Error);
}

}  // namespace
}  // namespace fitformer
