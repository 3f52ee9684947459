// The kernels on activations alone (kernels::activation_registry: fused attention and the
// column-wise layer norm) against their naive references on every SIMD target this CPU
// supports, outputs poisoned with NaN; and the fused attention against the dense engine's
// oneDNN path (model::multi_head_attention) on the same numbers in its token-major layout.
#include <gtest/gtest.h>
#include <hwy/targets.h>
#include <omp.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <string>
#include <vector>

#include "core/error.h"
#include "kernels/layer_norm.h"
#include "kernels/registry.h"
#include "model/layers.h"

namespace fitformer::kernels {
namespace {

struct Case {
  AttentionShape shape;
  std::vector<int64_t> lengths;
  bool causal;
  std::string name() const {
    std::string s = "batch " + std::to_string(shape.batch) + " seq " + std::to_string(shape.seq) +
                    " heads " + std::to_string(shape.heads) + " dh " +
                    std::to_string(shape.head_dim) + (causal ? " causal" : "") + " lengths";
    for (int64_t l : lengths) s += " " + std::to_string(l);
    return s;
  }
};

// Sequences shorter, equal to and longer than one vector of queries (4, 8, 16 lanes), head
// widths that are and are not multiples of the kernel's 8-feature tile, padded sequences.
std::vector<Case> cases() {
  return {
      {{1, 1, 1, 1, 0}, {1}, false},          {{1, 5, 2, 3, 0}, {5}, true},
      {{2, 13, 4, 12, 0}, {13, 7}, false},    {{2, 13, 4, 12, 0}, {13, 7}, true},
      {{3, 16, 2, 26, 0}, {16, 1, 9}, false}, {{1, 37, 3, 8, 0}, {37}, true},
      {{2, 70, 12, 26, 0}, {70, 33}, false},  {{1, 128, 4, 32, 0}, {128}, true},
      {{1, 128, 2, 64, 0}, {100}, false},
  };
}

TEST(ActivationKernels, EveryTargetMatchesTheReference) {
  const std::vector<int64_t> targets = hwy::SupportedAndGeneratedTargets();
  ASSERT_FALSE(targets.empty());
  uint64_t seed = 1;
  int runs = 0;
  for (const Case& c : cases()) {
    const ActivationProblem p = make_activation_problem(c.shape, c.lengths, c.causal, seed++);
    for (const ActivationEntry& e : activation_registry()) {
      std::vector<float> want(p.out_size(), NAN);
      e.reference(p, want, 1);
      for (int64_t target : targets) {
        hwy::SetSupportedTargetsForTest(target);
        for (int threads : {1, 3}) {
          std::vector<float> got(want.size(), NAN);
          e.run(p, got, threads);
          ++runs;
          for (size_t i = 0; i < got.size(); ++i) {
            // Outputs are convex combinations of |v| <= 2 (attention) or normalized values
            // times gamma ~ 1 (layer norm): an absolute bound of float's rounding over a
            // few hundred terms.
            ASSERT_NEAR(got[i], want[i], 2e-5)
                << e.name << " on " << c.name() << " at (feature " << i / p.shape.stride
                << ", token " << i % p.shape.stride << "): expected " << want[i] << ", got "
                << got[i] << ", target " << hwy::TargetName(target) << ", threads " << threads;
          }
        }
      }
      hwy::SetSupportedTargetsForTest(0);
    }
  }
  EXPECT_GT(runs, 50);
}

// [features][tokens] <-> [tokens][features].
std::vector<float> transposed(const std::vector<float>& a, int64_t rows, int64_t cols) {
  std::vector<float> t(a.size());
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) t[c * rows + r] = a[r * cols + c];
  return t;
}

TEST(ActivationKernels, AttentionMatchesTheEnginesOneDnnPath) {
  uint64_t seed = 100;
  for (const Case& c : cases()) {
    const ActivationProblem p = make_activation_problem(c.shape, c.lengths, c.causal, seed++);
    const int64_t width = c.shape.heads * c.shape.head_dim, tokens = p.shape.stride;
    std::vector<float> got(p.out_size(), NAN);
    attention_f32(p.q, p.k, p.v, p.shape, p.lengths, p.causal, got, 2);
    // The engine's layout: token-major rows of `width`.
    const auto q = transposed(p.q, width, tokens), k = transposed(p.k, width, tokens),
               v = transposed(p.v, width, tokens);
    std::vector<float> engine(q.size(), NAN);
    model::multi_head_attention(q, k, v, width,
                                {c.shape.batch, c.shape.seq, c.shape.heads, c.shape.head_dim},
                                p.lengths, p.causal, engine);
    const auto want = transposed(engine, tokens, width);
    for (size_t i = 0; i < got.size(); ++i) {
      ASSERT_NEAR(got[i], want[i], 2e-5)
          << c.name() << " at (feature " << i / tokens << ", token " << i % tokens << ")";
    }
  }
}

// max, one entry per thread (poisoned with NaN before the call), must all be written and
// their largest must be max |out|.
void expect_max_reported(const std::vector<float>& out, const std::vector<float>& max) {
  float want = 0.0f;
  for (float v : out) want = std::max(want, std::fabs(v));
  float got = 0.0f;
  for (float m : max) {
    ASSERT_FALSE(std::isnan(m)) << "every thread's entry is written, threads " << max.size();
    got = std::max(got, m);
  }
  EXPECT_EQ(got, want) << "threads " << max.size();
}

TEST(ActivationKernels, LayerNormReportsItsLargestOutput) {
  const ActivationProblem p = make_activation_problem({2, 21, 3, 10, 0}, {21, 21}, false, 7);
  for (int threads : {1, 2, 4}) {
    std::vector<float> x = p.q;
    std::vector<float> max(static_cast<size_t>(threads), NAN);
    layer_norm_columns_f32(x, p.shape.stride, p.gamma, p.beta, 1e-5f, max.data(), threads);
    expect_max_reported(x, max);
  }
}

// The out-of-place form writes bit for bit what the in-place one does at 1 and 3 threads (and
// what it reports as its max), every output written (poisoned with NaN), its input left as it
// was, on every target: n under, at and past one vector and a chunk of 8 vectors, ragged tails.
// The runtime relies on it: one thread's copy of a layer norm must equal the team's.
TEST(ActivationKernels, LayerNormIntoEqualsInPlace) {
  for (const Case& c : cases()) {
    const ActivationProblem p = make_activation_problem(c.shape, c.lengths, c.causal, 9);
    const auto width = static_cast<int64_t>(p.gamma.size());
    const int64_t n = p.shape.stride;
    const std::vector<float> x = p.q;
    for (const int64_t target : hwy::SupportedAndGeneratedTargets()) {
      hwy::SetSupportedTargetsForTest(target);
      const std::string where = c.name() + " on " + hwy::TargetName(target);
      std::vector<float> out(x.size(), NAN);
      float max_into = NAN;
      layer_norm_columns_f32_into(x.data(), out.data(), width, n, p.gamma.data(), p.beta.data(),
                                  1e-5f, &max_into);
      EXPECT_EQ(x, p.q) << where << ": input changed";
      for (const int threads : {1, 3}) {
        std::vector<float> in_place = x;
        std::vector<float> max_in_place(static_cast<size_t>(threads), NAN);
        layer_norm_columns_f32(in_place, n, p.gamma, p.beta, 1e-5f, max_in_place.data(), threads);
        for (size_t i = 0; i < out.size(); ++i) {
          ASSERT_EQ(std::bit_cast<uint32_t>(out[i]), std::bit_cast<uint32_t>(in_place[i]))
              << where << ", " << threads << " threads, index " << i;
        }
        float team_max = 0.0f;
        for (const float m : max_in_place) team_max = std::max(team_max, m);
        EXPECT_EQ(std::bit_cast<uint32_t>(max_into), std::bit_cast<uint32_t>(team_max))
            << where << ", " << threads << " threads";
        if (threads == 1) {
          std::vector<float> again = x;
          layer_norm_columns_f32_into(again.data(), again.data(), width, n, p.gamma.data(),
                                      p.beta.data(), 1e-5f, nullptr);
          EXPECT_EQ(again, in_place) << where << " with out == x";
        }
      }
    }
    hwy::SetSupportedTargetsForTest(0);
  }
}

TEST(ActivationKernels, AttentionReportsItsLargestOutput) {
  // Padded queries (length 9 of 21) write zeros, and must not count.
  const ActivationProblem p = make_activation_problem({2, 21, 3, 10, 0}, {21, 9}, true, 8);
  for (int threads : {1, 2, 5}) {
    std::vector<float> out(p.out_size(), NAN);
    std::vector<float> max(static_cast<size_t>(threads), NAN);
#pragma omp parallel num_threads(threads)
    attention_f32_part(p.q.data(), p.k.data(), p.v.data(), p.shape, p.lengths.data(), p.causal,
                       out.data(), omp_get_thread_num(), omp_get_num_threads(), max.data());
    expect_max_reported(out, max);
  }
}

TEST(ActivationKernels, BadShapesAreReported) {
  const ActivationProblem p = make_activation_problem({1, 8, 2, 4, 0}, {8}, false, 3);
  std::vector<float> out(p.out_size());
  EXPECT_THROW(attention_f32(p.q, p.k, p.v, p.shape, std::vector<int64_t>{9}, false, out), Error);
  EXPECT_THROW(attention_f32(p.q, p.k, p.v, p.shape, std::vector<int64_t>{8, 8}, false, out),
               Error);
  std::vector<float> short_out(out.size() - 1);
  EXPECT_THROW(attention_f32(p.q, p.k, p.v, p.shape, p.lengths, false, short_out), Error);
  std::vector<float> x = p.q;
  EXPECT_THROW(layer_norm_columns_f32(x, 7, p.gamma, p.beta, 1e-5f, nullptr), Error);
}

}  // namespace
}  // namespace fitformer::kernels
