// runtime::apply_fixed_linear against a brute-force int64 reference written here from the
// rules of runtime/fixed_linear.h (per-row weight scales, one activation scale per sequence
// over its real tokens, bias in accumulator units, exact sums per 64-column block joined to
// the accumulator with saturation, 32-bit at int8 and 48-bit at int16, dequantization): int8
// and int16 (also rows past 2^31, which int16 must keep), HPF and dense
// linears, ragged shapes and lengths, with and without bias, outputs poisoned with NaN, equal
// bit for bit (padded tokens' outputs 0). Also: batching sequences together changes nothing.
#include "runtime/fixed_linear.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>

#include "core/error.h"
#include "core/random.h"
#include "format/hpf.h"
#include "model/engine_cases.h"
#include "sparsity/hierarchical.h"

namespace fitformer::runtime {
namespace {

using model::testing::nan_filled;

std::vector<float> random_values(size_t n, uint64_t seed, float lo, float hi) {
  Rng rng(seed);
  std::vector<float> v(n);
  for (float& x : v) x = lo + (hi - lo) * static_cast<float>(rng.uniform());
  return v;
}

// The rules, written out on the decoded dense matrix w (pruned weights 0 add 0 to a block's
// sum, so one sum per 64-column block is the HPF's segment sum too).
std::vector<float> brute_force(const std::vector<float>& w, int64_t out, int64_t in,
                               const std::vector<float>& bias, const std::vector<float>& x,
                               int64_t seq_len, const std::vector<int64_t>& lengths,
                               format::ValueType type) {
  const int32_t qmax = format::quant_max(type);
  // The accumulator: 32-bit at int8, 48-bit at int16.
  const int bits = type == format::ValueType::kI8 ? 32 : 48;
  const int64_t acc_max = (int64_t{1} << (bits - 1)) - 1, acc_min = -acc_max - 1;
  std::vector<float> s_w(static_cast<size_t>(out));
  std::vector<int64_t> wq(w.size());
  for (int64_t r = 0; r < out; ++r) {
    float max_abs = 0;
    for (int64_t k = 0; k < in; ++k) max_abs = std::max(max_abs, std::fabs(w[r * in + k]));
    s_w[r] = max_abs == 0 ? 1.0f : static_cast<float>(static_cast<double>(max_abs) / qmax);
    for (int64_t k = 0; k < in; ++k)
      wq[r * in + k] = format::quantize_symmetric(w[r * in + k], s_w[r], qmax);
  }
  std::vector<float> y(static_cast<size_t>(static_cast<int64_t>(lengths.size()) * seq_len * out));
  for (size_t b = 0; b < lengths.size(); ++b) {
    const int64_t first = static_cast<int64_t>(b) * seq_len;
    float max_abs = 0;
    for (int64_t i = first * in; i < (first + lengths[b]) * in; ++i)
      max_abs = std::max(max_abs, std::fabs(x[i]));
    const float s_x = max_abs == 0 ? 1.0f : static_cast<float>(static_cast<double>(max_abs) / qmax);
    // Padded tokens are not computed: their outputs are 0.
    for (int64_t t = first; t < first + lengths[b]; ++t) {
      for (int64_t r = 0; r < out; ++r) {
        int64_t acc = 0;
        if (!bias.empty()) {
          const double q = std::round(static_cast<double>(bias[r]) /
                                      (static_cast<double>(s_w[r]) * static_cast<double>(s_x)));
          acc = std::clamp(static_cast<int64_t>(std::clamp(q, -0x1p62, 0x1p62)), acc_min, acc_max);
        }
        for (int64_t k0 = 0; k0 < in; k0 += kDenseBlockCols) {
          int64_t partial = 0;
          for (int64_t k = k0; k < std::min(in, k0 + kDenseBlockCols); ++k)
            partial += wq[r * in + k] * format::quantize_symmetric(x[t * in + k], s_x, qmax);
          acc = std::clamp<int64_t>(acc + partial, acc_min, acc_max);
        }
        y[t * out + r] = static_cast<float>(acc) * (s_w[r] * s_x);
      }
    }
  }
  return y;
}

struct Case {
  int64_t out, in, seq_len;
  std::vector<int64_t> lengths;
  double sparsity;  // 0: dense model::Linear
  bool bias;
  float lo;  // values uniform in [lo, 1]: lo = 0 takes int16 rows past 2^31
  int threads;
  std::string name() const {
    return std::to_string(out) + "x" + std::to_string(in) + " seq " + std::to_string(seq_len) +
           " sparsity " + std::to_string(sparsity) + (bias ? " bias" : "") + " lo " +
           std::to_string(lo) + " t" + std::to_string(threads);
  }
};

const std::vector<Case> kCases = {
    {16, 64, 1, {1}, 0, true, -1, 1},
    {37, 100, 5, {5, 3, 1}, 0.9, true, -1, 2},
    {48, 48, 4, {2, 4}, 0, false, -1, 1},
    {100, 48, 3, {3}, 0.75, true, -1, 2},
    {130, 200, 7, {7, 6, 1, 4}, 0.5, true, 0, 2},
    {40, 300, 2, {2, 1}, 0, true, 0, 1},
    // Token tiles: 4 vectors and the narrower rest, 16-lane steps on either side of 64.
    {24, 128, 100, {100, 70, 33, 17, 16, 0}, 0.8, true, -1, 2},
};

// The case's linear (HPF f32 at its sparsity, or dense) and the dense matrix it stands for.
std::pair<Linear, std::vector<float>> make_case_linear(const Case& c) {
  auto w = random_values(static_cast<size_t>(c.out * c.in), 3, c.lo, 1);
  const std::vector<float> bias =
      c.bias ? random_values(static_cast<size_t>(c.out), 4, -1, 1) : std::vector<float>{};
  if (c.sparsity == 0) {
    model::Linear dense;
    dense.out_features = c.out;
    dense.in_features = c.in;
    dense.weight = w;
    dense.bias = bias;
    return {dense, w};
  }
  const auto split = sparsity::hp_split_for_rho2(c.sparsity, 0.5, c.out, c.in);
  const auto mask = sparsity::hp_mask(sparsity::magnitude_scores(w), c.out, c.in, split.params);
  const format::hpf::Matrix hpf = format::pack_hpf(w, c.out, c.in, mask, split.params);
  return {make_hpf_linear(hpf, bias), format::hpf_to_dense(hpf)};
}

TEST(FixedLinear, MatchesBruteForceInt64Reference) {
  for (const format::ValueType type : {format::ValueType::kI8, format::ValueType::kI16}) {
    for (const Case& c : kCases) {
      const auto [linear, dense] = make_case_linear(c);
      const FixedLinear fixed = make_fixed_linear(linear, type);
      const int64_t rows = static_cast<int64_t>(c.lengths.size()) * c.seq_len;
      const auto x = random_values(static_cast<size_t>(rows * c.in), 5, c.lo, 1);
      const std::vector<float> bias = std::holds_alternative<HpfLinear>(linear)
                                          ? std::get<HpfLinear>(linear).bias
                                          : std::get<model::Linear>(linear).bias;
      const auto want = brute_force(dense, c.out, c.in, bias, x, c.seq_len, c.lengths, type);
      std::vector<float> got = nan_filled(want.size());
      apply_fixed_linear(fixed, x, c.seq_len, c.lengths, got, c.threads);
      for (size_t i = 0; i < want.size(); ++i) {
        ASSERT_EQ(got[i], want[i]) << c.name() << " " << format::value_type_name(type) << " token "
                                   << i / c.out << " row " << i % c.out;
      }
    }
  }
}

TEST(FixedLinear, SequencesDoNotDependOnTheirBatch) {
  const Case c{37, 100, 5, {5, 3, 2}, 0.9, true, -1, 2};
  const auto [linear, dense] = make_case_linear(c);
  const FixedLinear fixed = make_fixed_linear(linear, format::ValueType::kI8);
  const auto x = random_values(static_cast<size_t>(15 * c.in), 6, -1, 1);
  std::vector<float> together = nan_filled(static_cast<size_t>(15 * c.out));
  apply_fixed_linear(fixed, x, c.seq_len, c.lengths, together, 1);
  for (size_t b = 0; b < c.lengths.size(); ++b) {
    std::vector<float> alone = nan_filled(static_cast<size_t>(5 * c.out));
    const std::vector<int64_t> length = {c.lengths[b]};
    apply_fixed_linear(fixed, std::span(x).subspan(b * 5 * c.in, 5 * c.in), 5, length, alone, 1);
    for (int64_t i = 0; i < c.lengths[b] * c.out; ++i)
      ASSERT_EQ(alone[i], together[b * 5 * c.out + i]) << "sequence " << b << " at " << i;
  }
}

// Sum of |fixed - fp32| over a dense case's outputs on 8 tokens x, at int16 and at int8.
std::array<double, 2> int16_and_int8_errors(const Case& c, const std::vector<float>& x) {
  const auto [linear, dense] = make_case_linear(c);
  std::vector<float> exact(static_cast<size_t>(8 * c.out));
  model::apply_linear(std::get<model::Linear>(linear), x, 8, exact);
  std::array<double, 2> error = {0, 0};
  int i = 0;
  for (const format::ValueType type : {format::ValueType::kI16, format::ValueType::kI8}) {
    std::vector<float> got = nan_filled(exact.size());
    apply_fixed_linear(make_fixed_linear(linear, type), x, c.seq_len, c.lengths, got, 1);
    for (size_t k = 0; k < got.size(); ++k) error[i] += std::fabs(got[k] - exact[k]);
    ++i;
  }
  return error;
}

// One large activation per sequence sets its scale, so the other products stay far below 2^31
// over a segment: then int16's finer rounding must beat int8's.
TEST(FixedLinear, Int16BeatsInt8WithSmallProducts) {
  const Case c{64, 128, 4, {4, 4}, 0, true, -1, 1};
  auto x = random_values(static_cast<size_t>(8 * c.in), 7, -1, 1);
  x[3] = 200;
  x[4 * c.in + 5] = -200;
  const auto error = int16_and_int8_errors(c, x);
  EXPECT_LT(error[0] * 50, error[1]);
}

// All values positive: int16 rows sum to about 128 * 2^28 = 2^35, past int32, which the
// 48-bit accumulator holds exactly; int16 must still beat int8 by far.
TEST(FixedLinear, Int16RowsPast2To31DoNotSaturate) {
  const Case c{64, 128, 4, {4, 4}, 0, true, 0, 1};
  const auto error =
      int16_and_int8_errors(c, random_values(static_cast<size_t>(8 * c.in), 8, 0, 1));
  EXPECT_LT(error[0] * 50, error[1]);
}

TEST(FixedLinear, RejectsFloatTypes) {
  const auto [linear, dense] = make_case_linear(kCases[0]);
  EXPECT_THROW(make_fixed_linear(linear, format::ValueType::kF32), Error);
  EXPECT_THROW(make_fixed_linear(linear, format::ValueType::kF16), Error);
}

}  // namespace
}  // namespace fitformer::runtime
