// HPF: exact fp32 round trips through the real packer on ragged shapes and every split,
// the quantization bound for fp16/int16/int8 (per matrix and per row), exact byte counts
// from an independent formula, rejection of masks that are not HP with the given (k1, n),
// and the fp16 and rounding rules of value_type.h.
#include "format/hpf.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "format_cases.h"
#include "io/safetensors.h"
#include "sparsity/unstructured.h"

namespace fitformer::format {
namespace {

using testing::Case;

std::vector<float> masked(std::vector<float> w, const sparsity::Mask& mask) {
  sparsity::apply_mask(mask, w);
  return w;
}

TEST(Hpf, Fp32RoundTripIsExact) {
  uint64_t seed = 1;
  for (const Case& c : testing::hp_cases()) {
    const auto w = testing::random_weights(c.rows, c.cols, seed++);
    const auto mask = testing::hp_mask_for(w, c);
    const hpf::Matrix m = pack_hpf(w, c.rows, c.cols, mask, c.params);
    ASSERT_NO_THROW(hpf::validate(m, "", "w")) << c.name();
    EXPECT_EQ(hpf_to_dense(m), masked(w, mask)) << c.name();
    const auto counts = sparsity::hp_counts(c.rows, c.params);
    EXPECT_EQ(m.header.k1, counts.k1);
    EXPECT_EQ(m.header.n, counts.n);
  }
}

// |w - w'| <= s / 2 for the integer types (value_type.h), relative 2^-11 (plus the
// subnormal spacing 2^-25) for fp16.
TEST(Hpf, QuantizedRoundTripWithinBound) {
  uint64_t seed = 100;
  for (const Case& c : testing::hp_cases()) {
    const auto w = testing::random_weights(c.rows, c.cols, seed++);
    const auto mask = testing::hp_mask_for(w, c);
    const auto want = masked(w, mask);
    for (ValueType type : {ValueType::kF16, ValueType::kI16, ValueType::kI8}) {
      for (ScaleMode mode : {ScaleMode::kPerMatrix, ScaleMode::kPerRow}) {
        const hpf::Matrix m = pack_hpf(w, c.rows, c.cols, mask, c.params, type, mode);
        ASSERT_NO_THROW(hpf::validate(m, "", "w")) << c.name();
        const auto got = hpf_to_dense(m);
        for (int64_t r = 0; r < c.rows; ++r) {
          for (int64_t k = 0; k < c.cols; ++k) {
            const size_t i = static_cast<size_t>(r * c.cols + k);
            const double bound = type == ValueType::kF16
                                     ? std::fabs(want[i]) * 0x1.0p-11 + 0x1.0p-25
                                     : m.row_scale(r) * 0.5 + std::fabs(want[i]) * 0x1.0p-23;
            ASSERT_LE(std::fabs(double(got[i]) - want[i]), bound)
                << c.name() << " " << value_type_name(type) << " " << scale_mode_name(mode)
                << " at (" << r << ", " << k << ")";
            if (want[i] == 0.0f) {
              ASSERT_EQ(got[i], 0.0f);
            }
          }
        }
      }
    }
  }
}

TEST(Hpf, BytesMatchTheFormula) {
  uint64_t seed = 7;
  for (const Case& c : testing::hp_cases()) {
    const auto w = testing::random_weights(c.rows, c.cols, seed++);
    const auto mask = testing::hp_mask_for(w, c);
    const auto counts = sparsity::hp_counts(c.rows, c.params);
    const int64_t blocks = (c.cols + c.params.block_cols - 1) / c.params.block_cols;
    const int64_t slots = blocks * counts.k1 * c.params.banks * counts.n;
    int bits = 0;
    while ((int64_t{1} << bits) < counts.bank_width) ++bits;
    for (ValueType type : {ValueType::kF32, ValueType::kF16, ValueType::kI16, ValueType::kI8}) {
      for (ScaleMode mode : {ScaleMode::kPerMatrix, ScaleMode::kPerRow}) {
        const hpf::Matrix m = pack_hpf(w, c.rows, c.cols, mask, c.params, type, mode);
        const int64_t scales = type == ValueType::kI16 || type == ValueType::kI8
                                   ? (mode == ScaleMode::kPerRow ? c.rows : 1)
                                   : 0;
        const int64_t want = 20 + 2 * blocks * counts.k1 + slots * value_bytes(type) +
                             (slots * bits + 7) / 8 + 4 * scales;
        EXPECT_EQ(m.bytes(), want) << c.name() << " " << value_type_name(type);
      }
    }
  }
}

TEST(Hpf, DefaultGeometryStoresThreeBitOffsets) {
  const Case c{768, 768, {0.25, 0.5, 64, 8}};
  const auto w = testing::random_weights(c.rows, c.cols, 3);
  const hpf::Matrix m = pack_hpf(w, c.rows, c.cols, testing::hp_mask_for(w, c), c.params);
  EXPECT_EQ(m.offset_bits(), 3);
  // 12 blocks * 192 rows * 8 banks * 4 slots: 4 B value + 3 bits, plus 2 B per kept row.
  EXPECT_EQ(m.bytes(), 20 + 2 * 12 * 192 + 73728 * 4 + 73728 * 3 / 8);
}

TEST(Hpf, RejectsMasksThatAreNotHp) {
  const Case c{40, 100, {0.5, 0.5, 16, 4}};
  const auto w = testing::random_weights(c.rows, c.cols, 5);
  const auto scores = sparsity::magnitude_scores(w);
  auto expect_mask_error = [&](const sparsity::Mask& mask, const sparsity::HpParams& p,
                               const std::string& what) {
    try {
      pack_hpf(w, c.rows, c.cols, mask, p);
      ADD_FAILURE() << what << ": no error";
    } catch (const Error& e) {
      EXPECT_EQ(e.field(), "mask") << what << ": " << e.what();
    }
  };
  expect_mask_error(sparsity::unstructured_mask(scores, c.rows, c.cols, {0.25}), c.params,
                    "unstructured");
  sparsity::Mask mask = testing::hp_mask_for(w, c);
  expect_mask_error(mask, {0.25, 0.5, 16, 4}, "other k1");
  expect_mask_error(mask, {0.5, 0.75, 16, 4}, "other n");
  sparsity::Mask extra = mask;
  for (size_t i = 0; i < extra.keep.size(); ++i) {
    if (!extra.keep[i]) {
      extra.keep[i] = 1;
      break;
    }
  }
  expect_mask_error(extra, c.params, "one weight too many");
  sparsity::Mask missing = mask;
  for (size_t i = 0; i < missing.keep.size(); ++i) {
    if (missing.keep[i]) {
      missing.keep[i] = 0;
      break;
    }
  }
  expect_mask_error(missing, c.params, "one weight missing");
  EXPECT_THROW(pack_hpf(std::span(w).first(10), c.rows, c.cols, mask, c.params), Error);
}

TEST(Hpf, ValidateRejectsBrokenLayouts) {
  const Case c{20, 40, {0.5, 0.5, 16, 4}};
  const auto w = testing::random_weights(c.rows, c.cols, 9);
  const hpf::Matrix good = pack_hpf(w, c.rows, c.cols, testing::hp_mask_for(w, c), c.params);
  hpf::Matrix m = good;
  std::swap(m.rows[0], m.rows[1]);
  EXPECT_THROW(hpf::validate(m, "f", "w"), Error);
  m = good;
  m.vals_f32.pop_back();
  EXPECT_THROW(hpf::validate(m, "f", "w"), Error);
  m = good;
  m.header.k1 = 0;
  EXPECT_THROW(hpf::validate(m, "f", "w"), Error);
  // The last block (columns 32..39) has banks 0, 1 real and 2, 3 in the padding: a nonzero
  // value in the padding is refused.
  m = good;
  m.vals_f32[static_cast<size_t>((2 * m.header.k1 * 4 + 2) * m.header.n)] = 1.0f;
  EXPECT_THROW(hpf::validate(m, "f", "w"), Error);
}

TEST(ValueType, Fp16RoundsToNearestEvenAndSaturates) {
  EXPECT_EQ(f32_to_f16(1.0f), 0x3c00);
  EXPECT_EQ(f32_to_f16(-2.0f), 0xc000);
  EXPECT_EQ(f32_to_f16(65504.0f), 0x7bff);
  EXPECT_EQ(f32_to_f16(1e9f), 0x7bff);
  EXPECT_EQ(f32_to_f16(-1e9f), 0xfbff);
  EXPECT_EQ(f32_to_f16(0x1.0p-24f), 0x0001);
  EXPECT_EQ(f32_to_f16(0x1.0p-26f), 0x0000);         // below half the smallest subnormal
  EXPECT_EQ(f32_to_f16(1.0f + 0x1.0p-11f), 0x3c00);  // a tie: to even (down)
  EXPECT_EQ(f32_to_f16(1.0f + 0x1.8p-10f), 0x3c02);  // a tie: to even (up)
  EXPECT_TRUE(std::isnan(io::f16_to_f32(f32_to_f16(NAN))));
  for (uint32_t bits = 0; bits < 0x10000; ++bits) {
    if ((bits & 0x7c00u) == 0x7c00u) continue;  // inf and NaN
    ASSERT_EQ(f32_to_f16(io::f16_to_f32(static_cast<uint16_t>(bits))), bits) << bits;
  }
}

TEST(ValueType, QuantizationRoundsHalfAwayAndSaturates) {
  EXPECT_EQ(quantize_symmetric(2.5f, 1.0f, 127), 3);
  EXPECT_EQ(quantize_symmetric(-2.5f, 1.0f, 127), -3);
  EXPECT_EQ(quantize_symmetric(0.49f, 1.0f, 127), 0);
  EXPECT_EQ(quantize_symmetric(300.0f, 1.0f, 127), 127);
  EXPECT_EQ(quantize_symmetric(-300.0f, 1.0f, 127), -127);
  EXPECT_FLOAT_EQ(symmetric_scale(12.7f, 127), 0.1f);
  EXPECT_EQ(symmetric_scale(0.0f, 127), 1.0f);
  EXPECT_EQ(parse_value_type("i8"), ValueType::kI8);
  EXPECT_THROW(parse_value_type("int8"), Error);
}

}  // namespace
}  // namespace fitformer::format
