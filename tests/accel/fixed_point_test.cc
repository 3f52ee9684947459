// Fixed-point rules: rounding half away from zero and saturation in requantization, bias
// quantization and accumulation at both accumulator widths; the reference linears against an
// independent dense integer sum, and int16 rows past 2^31 that the 48-bit accumulator keeps.
#include "accel/fixed_point.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "accel_cases.h"
#include "core/error.h"

namespace fitformer::accel {
namespace {

TEST(FixedPoint, RequantizeRoundsHalfAwayFromZero) {
  const Requant half = make_requant(0.5);
  EXPECT_EQ(half.multiplier, 1 << 30);
  EXPECT_EQ(half.shift, 31);
  EXPECT_EQ(requantize(3, half, Precision::kInt8), 2);  // 1.5
  EXPECT_EQ(requantize(-3, half, Precision::kInt8), -2);
  EXPECT_EQ(requantize(1, half, Precision::kInt8), 1);  // 0.5
  EXPECT_EQ(requantize(-1, half, Precision::kInt8), -1);
  EXPECT_EQ(requantize(2, half, Precision::kInt8), 1);
  EXPECT_EQ(requantize(0, half, Precision::kInt8), 0);
}

TEST(FixedPoint, RequantizeSaturatesSymmetrically) {
  const Requant one = make_requant(1.0);
  EXPECT_EQ(requantize(200, one, Precision::kInt8), 127);
  EXPECT_EQ(requantize(-200, one, Precision::kInt8), -127);
  EXPECT_EQ(requantize(40000, one, Precision::kInt16), 32767);
  EXPECT_EQ(requantize(std::numeric_limits<int32_t>::min(), one, Precision::kInt16), -32767);
  // A tiny multiplier rounds everything to zero without overflowing the shift.
  EXPECT_EQ(requantize(std::numeric_limits<int32_t>::max(), make_requant(1e-30), Precision::kInt8),
            0);
  EXPECT_EQ(requantize(std::numeric_limits<int64_t>::min(), make_requant(1e-30), Precision::kInt8),
            0);
  // 48-bit accumulators: acc * M0 reaches 2^78 and is still exact.
  const int64_t top = (int64_t{1} << 47) - 1;
  EXPECT_EQ(requantize(top, make_requant(0x1p-33), Precision::kInt16), 16384);  // 2^14 - 2^-33
  EXPECT_EQ(requantize(-top - 1, make_requant(0x1p-33), Precision::kInt16), -16384);
  EXPECT_EQ(requantize(top, make_requant(0x1p-20), Precision::kInt16), 32767);
}

TEST(FixedPoint, RequantizeMatchesRealArithmetic) {
  Rng rng(7);
  for (int i = 0; i < 20000; ++i) {
    // Accumulators of 32 bits and of 48 (int16's); m down to 2^-40 keeps results in range.
    const int acc_bits = i % 2 == 0 ? 32 : 48;
    const int64_t acc = static_cast<int64_t>(rng.next_u64()) >> (64 - acc_bits);
    const double m = std::ldexp(0.5 + 0.5 * rng.uniform(),
                                -static_cast<int>(rng.below(24)) - (acc_bits == 48 ? 16 : 0));
    const Requant r = make_requant(m);
    // acc * M0 needs up to 78 bits: exact as acc * M0_hi + acc * M0_lo in long double (64-bit
    // significand), each of those 47 + 16 bits at most.
    const int64_t m_hi = r.multiplier >> 15 << 15, m_lo = r.multiplier - m_hi;
    const long double exact =
        (static_cast<long double>(acc) * m_hi + static_cast<long double>(acc) * m_lo) *
        std::ldexp(1.0L, -r.shift);
    const long double want = std::clamp(std::round(exact), -32767.0L, 32767.0L);
    ASSERT_EQ(requantize(acc, r, Precision::kInt16), want) << acc << " x " << m;
    // M0 holds m to 31 significant bits.
    ASSERT_NEAR(r.multiplier * std::ldexp(1.0, -r.shift), m, m * 0x1p-30);
  }
  EXPECT_THROW(make_requant(0), Error);
  EXPECT_THROW(make_requant(0x1p30), Error);
}

TEST(FixedPoint, AccumulationSaturatesAtThePrecisionsWidth) {
  EXPECT_EQ(accumulator_bits(Precision::kInt8), 32);
  EXPECT_EQ(accumulator_bits(Precision::kInt16), 48);
  EXPECT_EQ(accumulator_bytes(Precision::kInt8), 4);
  EXPECT_EQ(accumulator_bytes(Precision::kInt16), 6);
  const int64_t max = std::numeric_limits<int32_t>::max();
  const int64_t min = std::numeric_limits<int32_t>::min();
  EXPECT_EQ(accumulate_segment(max - 1, 5, 32), max);
  EXPECT_EQ(accumulate_segment(min + 1, -5, 32), min);
  EXPECT_EQ(accumulate_segment(max, int64_t{1} << 40, 32), max);
  EXPECT_EQ(accumulate_segment(max, -(int64_t{1} << 31), 32), -1);
  EXPECT_EQ(saturate_accumulator(int64_t{1} << 33, 32), max);
  const int64_t max48 = (int64_t{1} << 47) - 1;
  EXPECT_EQ(accumulate_segment(max - 1, 5, 48), max + 4);
  EXPECT_EQ(accumulate_segment(max48 - 1, 5, 48), max48);
  EXPECT_EQ(accumulate_segment(-max48, -5, 48), -max48 - 1);
  EXPECT_EQ(saturate_accumulator(int64_t{1} << 50, 48), max48);
}

TEST(FixedPoint, BiasAndActivationsRoundHalfAwayFromZero) {
  const std::vector<float> bias = {2.5f, -2.5f, 0.49f, 1e12f};
  const std::vector<float> scale = {1.0f};
  EXPECT_EQ(quantize_bias(bias, scale, 1.0f, Precision::kInt8),
            (std::vector<int64_t>{3, -3, 0, 2147483647}));
  const std::vector<float> huge = {0x1p50f, -0x1p50f, 0x1p40f};
  EXPECT_EQ(quantize_bias(huge, scale, 1.0f, Precision::kInt16),
            (std::vector<int64_t>{(int64_t{1} << 47) - 1, -(int64_t{1} << 47), int64_t{1} << 40}));
  const std::vector<float> x = {0.5f, -0.5f, 1.0f, -3.0f};
  EXPECT_EQ(quantize_activations(x, 1.0f, Precision::kInt8), (std::vector<int16_t>{1, -1, 1, -3}));
  EXPECT_EQ(quantize_activations(x, 0.01f, Precision::kInt8),
            (std::vector<int16_t>{50, -50, 100, -127}));
  EXPECT_FLOAT_EQ(activation_scale(x, Precision::kInt8), 3.0f / 127);
}

// With int8 no accumulator can saturate at these sizes, so the reference must equal the
// plain integer product of the decoded matrix.
TEST(FixedPoint, HpfReferenceEqualsDenseIntegerProduct) {
  const int64_t rows = 37, cols = 150, tokens = 5;  // ragged in both blocks and banks
  const sparsity::HpParams hp{0.5, 0.5, 64, 8};
  const auto w = testing::random_hpf(rows, cols, hp, Precision::kInt8, 3);
  const auto x = testing::random_activations(tokens, cols, Precision::kInt8, 4);
  const auto bias = testing::random_bias(rows, 5);
  std::vector<int64_t> acc(static_cast<size_t>(tokens * rows));
  linear_fixed_reference(w, x, tokens, bias, acc);
  const auto dense = format::hpf_to_dense(w);
  for (int64_t t = 0; t < tokens; ++t) {
    for (int64_t r = 0; r < rows; ++r) {
      int64_t want = bias[static_cast<size_t>(r)];
      for (int64_t k = 0; k < cols; ++k) {
        const int64_t q = std::llround(dense[static_cast<size_t>(r * cols + k)] / w.row_scale(r));
        want += q * x[static_cast<size_t>(t * cols + k)];
      }
      ASSERT_EQ(acc[static_cast<size_t>(t * rows + r)], want) << t << "," << r;
    }
  }
}

// int16, every weight and input at 32767: each 64-wide segment sums about 2^36, far past
// int32; the 48-bit accumulator keeps the row's sum exactly (it would take 131,081 such
// products to pass 2^47).
TEST(FixedPoint, Int16RowsPast2To31AreExact) {
  const int64_t rows = 2, cols = 128;
  std::vector<float> w(rows * cols, 1.0f);
  for (int64_t k = 0; k < cols; ++k) w[static_cast<size_t>(cols + k)] = -1.0f;
  const sparsity::HpParams hp{1.0, 1.0, 64, 8};
  const auto mask = sparsity::hp_mask(sparsity::magnitude_scores(w), rows, cols, hp);
  const auto m = format::pack_hpf(w, rows, cols, mask, hp, format::ValueType::kI16);
  const std::vector<int16_t> x(cols, 32767);
  const std::vector<int64_t> bias = {-5, 5};
  std::vector<int64_t> acc(2);
  linear_fixed_reference(m, x, 1, bias, acc);
  const int64_t row = cols * int64_t{32767} * 32767;
  EXPECT_GT(row, std::numeric_limits<int32_t>::max());
  EXPECT_EQ(acc[0], row - 5);
  EXPECT_EQ(acc[1], -row + 5);
  // From a bias near the top, the first segment saturates at 2^47 - 1.
  const int64_t top = (int64_t{1} << 47) - 1;
  const std::vector<int64_t> high = {top - 10, -top};
  linear_fixed_reference(m, x, 1, high, acc);
  EXPECT_EQ(acc[0], top);
  EXPECT_EQ(acc[1], -top - 1);
}

TEST(FixedPoint, StreamReferenceMatchesHpfReferenceOnTheSameMask) {
  const int64_t rows = 40, cols = 100, tokens = 3;
  const sparsity::HpParams hp{0.4, 0.5, 32, 4};
  const auto w = testing::random_weights(rows, cols, 9);
  const auto mask = sparsity::hp_mask(sparsity::magnitude_scores(w), rows, cols, hp);
  const auto h = format::pack_hpf(w, rows, cols, mask, hp, format::ValueType::kI16,
                                  format::ScaleMode::kPerRow);
  const auto s = pack_stream(w, rows, cols, mask, 32, 4, Precision::kInt16,
                             format::ScaleMode::kPerRow, StreamOrder::kBankInterleaved);
  EXPECT_EQ(s.scales, h.scales);
  const auto x = testing::random_activations(tokens, cols, Precision::kInt16, 10);
  std::vector<int64_t> a(tokens * rows), b(tokens * rows);
  linear_fixed_reference(h, x, tokens, {}, a);
  linear_fixed_reference(s, x, tokens, {}, b);
  EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace fitformer::accel
