// kernels::linear_fixed (the runtime's fast fixed-point linear) against linear_fixed_reference
// on integer HPF matrices from the real packer: int8 and int16, ragged shapes and several
// geometries (segments up to 512 entries: every way linear_fixed sums), with and without bias, 1
// and 2 threads, accumulators poisoned first, and int16 inputs large enough that the saturating
// accumulation order matters. Also what make_fixed_matrix keeps from a stored integer HPF and how a
// dense matrix is cut into blocks.
#include "kernels/fixed_point.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "core/error.h"
#include "core/random.h"
#include "sparsity/hierarchical.h"

namespace fitformer::kernels {
namespace {

struct Case {
  int64_t rows, cols, tokens;
  sparsity::HpParams params;
  bool positive;  // all weights and activations >= 0: int16 accumulators saturate
  std::string name() const {
    return std::to_string(rows) + "x" + std::to_string(cols) + " N " + std::to_string(tokens) +
           " Bc " + std::to_string(params.block_cols) + " B " + std::to_string(params.banks) +
           (positive ? " positive" : "");
  }
};

const Case kCases[] = {
    {1, 1, 1, {0.5, 0.5, 64, 8}, false},
    {7, 13, 3, {1.0, 1.0, 8, 4}, false},
    {33, 70, 5, {0.5, 0.5, 64, 8}, false},
    {65, 130, 17, {0.3, 0.75, 16, 4}, false},
    {40, 100, 9, {1.0, 1.0, 64, 8}, true},
    {100, 200, 33, {0.25, 1.0, 12, 3}, false},
    {30, 300, 4, {0.5, 0.5, 128, 8}, true},
    // Segments of 512 entries: int16 sums in int64 rather than split into int32 halves.
    {20, 600, 3, {1.0, 1.0, 512, 8}, true},
    {20, 600, 3, {1.0, 0.5, 512, 8}, false},
};

std::vector<float> random_values(size_t n, uint64_t seed, bool positive) {
  Rng rng(seed);
  std::vector<float> v(n);
  for (float& x : v) x = static_cast<float>(positive ? rng.uniform() : 2 * rng.uniform() - 1);
  return v;
}

format::hpf::Matrix pack(const Case& c, format::ValueType type, uint64_t seed) {
  const auto w = random_values(static_cast<size_t>(c.rows * c.cols), seed, c.positive);
  const auto mask = sparsity::hp_mask(sparsity::magnitude_scores(w), c.rows, c.cols, c.params);
  return format::pack_hpf(w, c.rows, c.cols, mask, c.params, type, format::ScaleMode::kPerRow);
}

TEST(FixedPointKernel, LinearMatchesReference) {
  int64_t saturated = 0;
  for (const format::ValueType type : {format::ValueType::kI8, format::ValueType::kI16}) {
    for (const Case& c : kCases) {
      const format::hpf::Matrix w = pack(c, type, 11);
      const auto xf = random_values(static_cast<size_t>(c.tokens * c.cols), 12, c.positive);
      const auto x = quantize_activations(xf, activation_scale(xf, type), type);
      std::vector<int32_t> bias(static_cast<size_t>(c.rows));
      Rng rng(13);
      for (int32_t& b : bias) b = static_cast<int32_t>(rng.next_u64() >> 40) - (1 << 23);
      const FixedMatrix fixed = make_fixed_matrix(w, type);
      for (const bool with_bias : {false, true}) {
        const std::span<const int32_t> b =
            with_bias ? std::span<const int32_t>(bias) : std::span<const int32_t>();
        std::vector<int32_t> want(static_cast<size_t>(c.tokens * c.rows), -7);
        linear_fixed_reference(w, x, c.tokens, b, want);
        for (const int threads : {1, 2}) {
          std::vector<int32_t> got(want.size(), 0x5a5a5a5a);
          linear_fixed(fixed, x, c.tokens, b, got, threads);
          for (size_t i = 0; i < want.size(); ++i) {
            ASSERT_EQ(got[i], want[i])
                << c.name() << " " << format::value_type_name(type) << " bias " << with_bias
                << " threads " << threads << " token " << i / c.rows << " row " << i % c.rows;
          }
        }
        for (int32_t a : want) {
          saturated +=
              a == std::numeric_limits<int32_t>::max() || a == std::numeric_limits<int32_t>::min();
        }
      }
    }
  }
  EXPECT_GT(saturated, 0) << "no case exercised the saturating accumulation";
}

TEST(FixedPointKernel, StoredIntegersAreKept) {
  const Case c{33, 70, 1, {0.5, 0.5, 64, 8}, false};
  const format::hpf::Matrix w = pack(c, format::ValueType::kI8, 21);
  const FixedMatrix fixed = make_fixed_matrix(w, format::ValueType::kI8);
  for (int64_t r = 0; r < c.rows; ++r) EXPECT_EQ(fixed.row_scales[r], w.row_scale(r)) << r;
  int64_t nonzero = 0;
  for (int8_t v : w.vals_i8) nonzero += v != 0;
  EXPECT_EQ(static_cast<int64_t>(fixed.entry_val.size()), nonzero);
  // One segment per kept row segment of the HPF (k1 per column block).
  EXPECT_EQ(fixed.row_segments.back(), w.blocks() * w.header.k1);
}

TEST(FixedPointKernel, DenseMatrixIsCutIntoBlocks) {
  const std::vector<float> w = {1, -2, 3, 0, 5, 0.5f, 0, 0, 0, 0};  // 2 x 5
  const FixedMatrix m = make_fixed_matrix(w, 2, 5, 2, format::ValueType::kI8);
  EXPECT_EQ(m.row_segments, (std::vector<int64_t>{0, 3, 6}));  // ceil(5 / 2) per row
  EXPECT_EQ(m.row_scales[0], 5.0f / 127);
  EXPECT_EQ(m.row_scales[1], 0.5f / 127);
  EXPECT_EQ(m.entry_col, (std::vector<int32_t>{0, 1, 2, 4, 0}));
  EXPECT_EQ(m.entry_val, (std::vector<int16_t>{25, -51, 76, 127, 127}));
  EXPECT_THROW(make_fixed_matrix(w, 2, 5, 2, format::ValueType::kF32), Error);
  EXPECT_THROW(make_fixed_matrix(w, 3, 5, 2, format::ValueType::kI8), Error);
}

}  // namespace
}  // namespace fitformer::kernels
