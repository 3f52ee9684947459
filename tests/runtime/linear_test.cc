// runtime::apply_linear on HPF against plain double loops over the decoded matrix (fp32
// within 1e-5 relative, int8 within the quantization bound derived below), with ragged
// shapes, 0, 1 and many rows, with and without bias, 1 and 2 threads, outputs NaN-poisoned.
#include "runtime/linear.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/random.h"
#include "format/hpf.h"
#include "model/engine_cases.h"
#include "sparsity/hierarchical.h"

namespace fitformer::runtime {
namespace {

using model::testing::expect_close;
using model::testing::nan_filled;

std::vector<float> random_values(size_t n, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> v(n);
  for (float& x : v) x = static_cast<float>(2 * rng.uniform() - 1);
  return v;
}

struct Case {
  int64_t rows, out, in;
  double sparsity, rho2;
  bool bias;
  int threads;
};

const std::vector<Case> kCases = {
    {0, 16, 64, 0.5, 0.5, true, 1},    {1, 37, 100, 0.9, 0.5, true, 1},
    {1, 64, 64, 0.75, 0.25, false, 2}, {3, 37, 100, 0.7, 0.5, true, 2},
    {17, 96, 48, 0.9, 0.25, true, 1},  {70, 130, 200, 0.95, 0.5, true, 2},
};

// The HPF linear of case c with weights of type `type`, and its fp32 twin (same mask).
std::pair<HpfLinear, HpfLinear> make_linears(const Case& c, format::ValueType type) {
  const auto w = random_values(static_cast<size_t>(c.out * c.in), 7);
  const auto split = sparsity::hp_split_for_rho2(c.sparsity, c.rho2, c.out, c.in);
  const auto mask = sparsity::hp_mask(sparsity::magnitude_scores(w), c.out, c.in, split.params);
  const std::vector<float> bias =
      c.bias ? random_values(static_cast<size_t>(c.out), 8) : std::vector<float>{};
  return {make_hpf_linear(format::pack_hpf(w, c.out, c.in, mask, split.params, type,
                                           format::ScaleMode::kPerRow),
                          bias),
          make_hpf_linear(format::pack_hpf(w, c.out, c.in, mask, split.params), bias)};
}

std::string name(const Case& c) {
  return std::to_string(c.rows) + "x" + std::to_string(c.out) + "x" + std::to_string(c.in) + " s" +
         std::to_string(c.sparsity) + " t" + std::to_string(c.threads);
}

TEST(RuntimeLinear, HpfF32MatchesDecodedMatrix) {
  LinearScratch scratch;  // shared across cases: a smaller call after a larger one must work
  for (const Case& c : kCases) {
    const HpfLinear hpf = make_linears(c, format::ValueType::kF32).second;
    const std::vector<float> dense = format::hpf_to_dense(hpf.weight);
    const auto x = random_values(static_cast<size_t>(c.rows * c.in), 9);
    std::vector<float> y = nan_filled(static_cast<size_t>(c.rows * c.out));
    apply_linear(Linear{hpf}, x, c.rows, y, scratch, c.threads);
    std::vector<double> expected(y.size());
    for (int64_t r = 0; r < c.rows; ++r) {
      for (int64_t o = 0; o < c.out; ++o) {
        double acc = c.bias ? hpf.bias[o] : 0.0;
        for (int64_t i = 0; i < c.in; ++i) acc += double{x[r * c.in + i]} * dense[o * c.in + i];
        expected[r * c.out + o] = acc;
      }
    }
    expect_close(y, expected, name(c));
    EXPECT_EQ(out_features(Linear{hpf}), c.out);
    EXPECT_EQ(in_features(Linear{hpf}), c.in);
  }
}

// The int8 path against the fp32 HPF output on the same mask. With w' = s_w q_w (per-row
// s_w, |w - w'| <= s_w / 2) and x' = s_x q_x (one s_x per call, |x - x'| <= s_x / 2),
//   |sum w'x' - sum wx| <= sum_k |x_k| s_w / 2 + |w_k| s_x / 2 + s_w s_x / 4
// over the row's kept weights, plus fp32 rounding (1e-5 relative here).
TEST(RuntimeLinear, HpfI8WithinQuantizationBound) {
  LinearScratch scratch;
  for (const Case& c : kCases) {
    const auto [i8, f32] = make_linears(c, format::ValueType::kI8);
    const auto x = random_values(static_cast<size_t>(c.rows * c.in), 10);
    std::vector<float> y8 = nan_filled(static_cast<size_t>(c.rows * c.out));
    std::vector<float> y32 = nan_filled(y8.size());
    apply_linear(Linear{i8}, x, c.rows, y8, scratch, c.threads);
    apply_linear(Linear{f32}, x, c.rows, y32, scratch, c.threads);
    float max_x = 0;
    for (float v : x) max_x = std::max(max_x, std::fabs(v));
    const double s_x = max_x / 127.0;
    const std::vector<float> w = format::hpf_to_dense(f32.weight);
    for (int64_t r = 0; r < c.rows; ++r) {
      for (int64_t o = 0; o < c.out; ++o) {
        const double s_w = i8.weight.row_scale(o);
        double bound = 1e-5 * std::max(1.0, double{std::fabs(y32[r * c.out + o])});
        for (int64_t i = 0; i < c.in; ++i) {
          if (w[o * c.in + i] == 0.0f) continue;
          bound += std::fabs(x[r * c.in + i]) * s_w / 2 + std::fabs(w[o * c.in + i]) * s_x / 2 +
                   s_w * s_x / 4;
        }
        ASSERT_LE(std::fabs(y8[r * c.out + o] - y32[r * c.out + o]), bound)
            << name(c) << " row " << r << " out " << o;
      }
    }
  }
}

// dst[c * rows + r] = src[r * cols + c]: the feature-major twin of a token-major block.
std::vector<float> transposed(const std::vector<float>& src, int64_t rows, int64_t cols) {
  std::vector<float> dst(src.size());
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) dst[c * rows + r] = src[r * cols + c];
  }
  return dst;
}

// Feature-major blocks skip a transpose but run the same kernel on the same numbers, so every
// layout combination gives the token-major result bit for bit.
TEST(RuntimeLinear, FeatureMajorBlocksGiveTheSameNumbers) {
  LinearScratch scratch;
  for (const Case& c : kCases) {
    for (const format::ValueType type : {format::ValueType::kF32, format::ValueType::kI8}) {
      const Linear linear{make_linears(c, type).first};
      const auto x = random_values(static_cast<size_t>(c.rows * c.in), 11);
      const auto x_cols = transposed(x, c.rows, c.in);
      const size_t size = static_cast<size_t>(c.rows * c.out);
      std::vector<float> want = nan_filled(size), a = nan_filled(size), b = nan_filled(size),
                         both = nan_filled(size);
      apply_linear(linear, x, c.rows, want, scratch, c.threads);
      apply_linear(linear, x_cols, c.rows, a, scratch, c.threads, Layout::kFeatureMajor);
      apply_linear(linear, x, c.rows, b, scratch, c.threads, Layout::kTokenMajor,
                   Layout::kFeatureMajor);
      apply_linear(linear, x_cols, c.rows, both, scratch, c.threads, Layout::kFeatureMajor,
                   Layout::kFeatureMajor);
      EXPECT_EQ(a, want) << name(c);
      EXPECT_EQ(transposed(b, c.out, c.rows), want) << name(c);
      EXPECT_EQ(transposed(both, c.out, c.rows), want) << name(c);
    }
  }
}

TEST(RuntimeLinear, DenseIsTheEngineLinear) {
  model::Linear dense{5, 3, random_values(15, 1), random_values(5, 2)};
  const auto x = random_values(12, 3);
  std::vector<float> a = nan_filled(20), b = nan_filled(20);
  LinearScratch scratch;
  apply_linear(Linear{dense}, x, 4, a, scratch, 1);
  model::apply_linear(dense, x, 4, b);
  EXPECT_EQ(a, b);
  EXPECT_THROW(apply_linear(Linear{dense}, x, 4, a, scratch, 1, Layout::kFeatureMajor),
               std::logic_error);
  EXPECT_EQ(out_features(Linear{dense}), 5);
  EXPECT_EQ(in_features(Linear{dense}), 3);
}

}  // namespace
}  // namespace fitformer::runtime
