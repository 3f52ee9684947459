// kernels::linear_fixed (the runtime's fast fixed-point linear) against linear_fixed_reference
// on integer HPF matrices from the real packer: int8 and int16, ragged shapes and several
// geometries (segments up to 512 entries: every way linear_fixed sums), with and without bias, 1
// and 2 threads, accumulators poisoned first, and biases near the accumulator's limits (int16's
// are 48-bit) so that the saturating accumulation order matters. Also the accumulator widths on
// rows whose sums pass 2^31 and 2^47, and what make_fixed_matrix keeps from a stored integer HPF
// and how a dense matrix is cut into blocks.
#include "kernels/fixed_point.h"

#include <gtest/gtest.h>
#include <hwy/targets.h>

#include <cmath>
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
  bool positive;  // all weights and activations >= 0: rows with a bias near the top saturate
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
    // Tokens past one tile of 64: the narrower rest tile (3 vectors at 100, 1 at 70).
    {24, 96, 100, {0.5, 0.5, 32, 4}, false},
    {9, 64, 70, {1.0, 0.5, 64, 8}, true},
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
      // Within 2^(bits-8) of either limit, so that rows saturate and some come back down.
      const int bits = accumulator_bits(type);
      const int64_t top = (int64_t{1} << (bits - 1)) - 1;
      std::vector<int64_t> bias(static_cast<size_t>(c.rows));
      Rng rng(13);
      for (int64_t& b : bias) {
        const auto below = static_cast<int64_t>(rng.next_u64() >> (64 - (bits - 8)));
        b = rng.below(2) == 0 ? top - below : -top + below;
      }
      // A bias per token as well (tokens x rows, each token's row r near the same limit).
      std::vector<int64_t> token_bias;
      for (int64_t t = 0; t < c.tokens; ++t)
        for (const int64_t b : bias) token_bias.push_back(b - (t % 3) * (b > 0 ? 1 : -1));
      const FixedMatrix fixed = make_fixed_matrix(w, type);
      for (const int with_bias : {0, 1, 2}) {  // none, per row, per token
        const std::span<const int64_t> b = with_bias == 0   ? std::span<const int64_t>()
                                           : with_bias == 1 ? std::span<const int64_t>(bias)
                                                            : std::span<const int64_t>(token_bias);
        std::vector<int64_t> want(static_cast<size_t>(c.tokens * c.rows), -7);
        linear_fixed_reference(w, x, c.tokens, b, want);
        for (int64_t target : hwy::SupportedAndGeneratedTargets()) {
          hwy::SetSupportedTargetsForTest(target);
          for (const int threads : {1, 2}) {
            std::vector<int64_t> got(want.size(), 0x5a5a5a5a5a);
            linear_fixed(fixed, x, c.tokens, b, got, threads);
            for (size_t i = 0; i < want.size(); ++i) {
              ASSERT_EQ(got[i], want[i])
                  << c.name() << " " << format::value_type_name(type) << " bias " << with_bias
                  << " threads " << threads << " token " << i / c.rows << " row " << i % c.rows
                  << " target " << hwy::TargetName(target);
            }
          }
        }
        hwy::SetSupportedTargetsForTest(0);
        for (const int64_t a : want) saturated += a == top || a == -top - 1;
      }
    }
  }
  EXPECT_GT(saturated, 0) << "no case exercised the saturating accumulation";
}

// Rows whose every segment sum pushes the int8 (32-bit) accumulator past a limit, in the lanes
// of every vector position (a token count that is not a multiple of any vector width).
TEST(FixedPointKernel, Int8SaturatesInEveryLane) {
  const int64_t rows = 3, cols = 256, tokens = 37;
  const sparsity::HpParams hp{1.0, 1.0, 64, 8};
  for (const float sign : {1.0f, -1.0f}) {
    std::vector<float> w(static_cast<size_t>(rows * cols), sign);
    const auto mask = sparsity::hp_mask(sparsity::magnitude_scores(w), rows, cols, hp);
    const auto m = format::pack_hpf(w, rows, cols, mask, hp, format::ValueType::kI8);
    const std::vector<int16_t> x(static_cast<size_t>(tokens * cols), 127);
    // 64 products of 127 * 127 per segment, about 2^20: a bias 2^20 from the limit saturates.
    const int64_t top = (int64_t{1} << 31) - 1;
    const std::vector<int64_t> bias = {sign > 0 ? top - (1 << 20) : -top + (1 << 20), 0,
                                       sign > 0 ? -top : top};
    std::vector<int64_t> want(static_cast<size_t>(tokens * rows));
    linear_fixed_reference(m, x, tokens, bias, want);
    EXPECT_EQ(want[0], sign > 0 ? top : -top - 1);
    const FixedMatrix fixed = make_fixed_matrix(m, format::ValueType::kI8);
    for (int64_t target : hwy::SupportedAndGeneratedTargets()) {
      hwy::SetSupportedTargetsForTest(target);
      std::vector<int64_t> got(want.size(), -1);
      linear_fixed(fixed, x, tokens, bias, got, 2);
      EXPECT_EQ(got, want) << "sign " << sign << " target " << hwy::TargetName(target);
    }
    hwy::SetSupportedTargetsForTest(0);
  }
}

TEST(FixedPointKernel, QuantizeAndDequantizeMatchTheirScalarTwins) {
  Rng rng(21);
  std::vector<float> x(1003);
  for (float& v : x) v = static_cast<float>((rng.uniform() - 0.5) * 40);
  // Exact ties of the int8 grid at scale 1/8: k + 1/2 steps.
  for (int i = 0; i < 20; ++i) x[static_cast<size_t>(i)] = (static_cast<float>(i) - 10.5f) / 8;
  for (int64_t target : hwy::SupportedAndGeneratedTargets()) {
    hwy::SetSupportedTargetsForTest(target);
    for (const format::ValueType type : {format::ValueType::kI8, format::ValueType::kI16}) {
      const float scale = activation_scale(x, type);
      EXPECT_EQ(scale, activation_scale_reference(x, type));
      for (const float s : {scale, 0.125f}) {
        std::vector<int16_t> got(x.size(), -1), want(x.size(), -2);
        quantize_activations(x, s, type, got);
        quantize_activations_reference(x, s, type, want);
        EXPECT_EQ(got, want) << format::value_type_name(type) << " target "
                             << hwy::TargetName(target);
      }
    }
    // Accumulators across the 48-bit range (past float's 24-bit mantissa, so rounding shows).
    const int64_t rows = 37, tokens = 5;
    std::vector<int64_t> acc(static_cast<size_t>(rows * tokens));
    for (int64_t& a : acc) a = static_cast<int64_t>(rng.next_u64() >> 17) - (int64_t{1} << 46);
    acc[0] = (int64_t{1} << 47) - 1;
    acc[1] = -(int64_t{1} << 47);
    std::vector<float> row_scales(static_cast<size_t>(rows)), x_scales(static_cast<size_t>(tokens));
    for (float& s : row_scales) s = static_cast<float>(rng.uniform() * 1e-3);
    for (float& s : x_scales) s = static_cast<float>(rng.uniform() * 1e-2);
    std::vector<float> got(acc.size(), NAN), want(acc.size(), NAN);
    dequantize_accumulators(acc, rows, row_scales, x_scales, got);
    dequantize_accumulators_reference(acc, rows, row_scales, x_scales, want);
    EXPECT_EQ(got, want) << hwy::TargetName(target);
  }
  hwy::SetSupportedTargetsForTest(0);
}

// One int16 row of n products 32767 * 32767 (just under 2^30) in 64-column segments, at full
// density, by both linears (they must agree).
std::vector<int64_t> int16_row_sum(int64_t n, int64_t bias) {
  const std::vector<float> w(static_cast<size_t>(n), 1.0f);
  const sparsity::HpParams hp{1.0, 1.0, 64, 8};
  const auto mask = sparsity::hp_mask(sparsity::magnitude_scores(w), 1, n, hp);
  const auto m = format::pack_hpf(w, 1, n, mask, hp, format::ValueType::kI16);
  const std::vector<int16_t> x(static_cast<size_t>(n), 32767);
  const std::vector<int64_t> b = {bias};
  std::vector<int64_t> want(1), got(1);
  linear_fixed_reference(m, x, 1, b, want);
  linear_fixed(make_fixed_matrix(m, format::ValueType::kI16), x, 1, b, got);
  EXPECT_EQ(got, want) << n;
  return want;
}

TEST(FixedPointKernel, Int16AccumulatesIn48Bits) {
  const int64_t product = int64_t{32767} * 32767;
  // 4096 products: about 2^42, far past int32 and exact in the 48-bit accumulator.
  EXPECT_EQ(int16_row_sum(4096, -5)[0], 4096 * product - 5);
  // 131,136 products (2049 segments) pass 2^47 - 1 and stop there; -2^47 at the bottom.
  const int64_t top = (int64_t{1} << 47) - 1;
  EXPECT_GT(131136 * product, top);
  EXPECT_EQ(int16_row_sum(131136, 0)[0], top);
  EXPECT_EQ(int16_row_sum(64, -top)[0], -top + 64 * product);
  EXPECT_EQ(accumulate_segment(-top, -(int64_t{1} << 40), 48), -top - 1);
}

TEST(FixedPointKernel, AccumulatorWidths) {
  EXPECT_EQ(accumulator_bits(format::ValueType::kI8), 32);
  EXPECT_EQ(accumulator_bits(format::ValueType::kI16), 48);
  EXPECT_THROW(accumulator_bits(format::ValueType::kF32), Error);
  // int8 keeps its 32-bit accumulator.
  EXPECT_EQ(accumulate_segment(std::numeric_limits<int32_t>::max() - 1, 5, 32),
            std::numeric_limits<int32_t>::max());
  const std::vector<float> bias = {0x1p40f, -0x1p40f};
  const std::vector<float> scale = {1.0f};
  EXPECT_EQ(quantize_bias(bias, scale, 1.0f, format::ValueType::kI8),
            (std::vector<int64_t>{std::numeric_limits<int32_t>::max(),
                                  std::numeric_limits<int32_t>::min()}));
  EXPECT_EQ(quantize_bias(bias, scale, 1.0f, format::ValueType::kI16),
            (std::vector<int64_t>{int64_t{1} << 40, -(int64_t{1} << 40)}));
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
