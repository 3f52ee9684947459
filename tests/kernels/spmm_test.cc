// Every kernel of the registry against its naive reference, on every SIMD target this CPU
// supports, with inputs built by the real packers (sparsity/ masks, format/ pack_hpf and
// pack_csr): ragged shapes (M, K not multiples of Bc or of the bank width), several
// geometries and (rho1, rho2) splits, N = 1 and N around the vector tiles, 1 and 3 threads,
// outputs poisoned with NaN before each call. The registry holds each HPF kernel twice, on the
// matrix and on its PreparedHpf; on x86 the AVX3 target runs the int8 kernels' VNNI bodies
// (when the CPU has avx512vnni) and the narrower targets their portable Highway bodies.
#include "kernels/spmm.h"

#include <gtest/gtest.h>
#include <hwy/aligned_allocator.h>
#include <hwy/targets.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <tuple>

#include "core/error.h"
#include "core/random.h"
#include "kernels/registry.h"
#include "kernels/spmm_internal.h"
#include "sparsity/hierarchical.h"

namespace fitformer::kernels {
namespace {

struct Case {
  int64_t rows, cols;
  sparsity::HpParams params;
  int64_t n;
  std::string name() const {
    return std::to_string(rows) + "x" + std::to_string(cols) + " Bc " +
           std::to_string(params.block_cols) + " B " + std::to_string(params.banks) + " rho1 " +
           std::to_string(params.rho1) + " rho2 " + std::to_string(params.rho2) + " N " +
           std::to_string(n);
  }
};

std::vector<Case> cases() {
  struct Shape {
    int64_t rows, cols;
  };
  struct Geometry {
    int64_t block_cols, banks;
  };
  struct Split {
    double rho1, rho2;
  };
  // 2100 rows: at 1 thread the rows span several SpMM row panels (512 KiB of Y tile rows of 8
  // vectors: 1024 rows on AVX-512, 2048 on AVX2).
  const Shape shapes[] = {{1, 1}, {7, 13}, {33, 70}, {64, 64}, {65, 130}, {100, 200}, {2100, 70}};
  // Bank widths 8, 4, 4, 1, 3 and 32: SpMV looks x up in windows when the width divides 16
  // and fits a vector, and gathers otherwise (3, 32, and 8 on 4-lane targets).
  const Geometry geometries[] = {{64, 8}, {16, 4}, {12, 3}, {8, 8}, {12, 4}, {64, 2}};
  // rho2 0.375 at bank width 8: n = 3, slots per segment not a multiple of 4 or 8.
  const Split splits[] = {{0.5, 0.5}, {0.25, 1.0}, {1.0, 0.25}, {0.3, 0.75}, {0.4, 0.375}};
  // N = 1 (SpMV), odd sizes below, between and above the vector tiles (4, 8, 16 lanes).
  const int64_t ns[] = {3, 16, 37, 70, 129};
  std::vector<Case> out;
  size_t i = 0;
  for (const Shape& s : shapes) {
    for (const Geometry& g : geometries) {
      for (const Split& p : splits) {
        const sparsity::HpParams params{p.rho1, p.rho2, g.block_cols, g.banks};
        out.push_back({s.rows, s.cols, params, 1});
        out.push_back({s.rows, s.cols, params, ns[i++ % std::size(ns)]});
      }
    }
  }
  return out;
}

std::vector<float> uniform(size_t count, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> v(count);
  for (float& f : v) f = static_cast<float>(rng.uniform() * 2.0 - 1.0);
  return v;
}

// sum_k |W[r][k]| * |X[k][c]|: the scale of the rounding error of Y[r][c].
std::vector<double> magnitudes(const Problem& p, bool quantized) {
  std::vector<double> m(static_cast<size_t>(p.rows * p.n), 0.0);
  for (int64_t r = 0; r < p.rows; ++r) {
    for (int64_t k = 0; k < p.cols; ++k) {
      const double w = std::fabs(p.dense.vals[static_cast<size_t>(r * p.cols + k)]);
      if (w == 0.0) continue;
      for (int64_t c = 0; c < p.n; ++c) {
        const size_t xi = static_cast<size_t>(k * p.n + c);
        const double x =
            quantized ? std::fabs(p.xq.values[xi] * double(p.xq.scale)) : std::fabs(p.x[xi]);
        m[static_cast<size_t>(r * p.n + c)] += w * x;
      }
    }
  }
  return m;
}

TEST(Kernels, EveryTargetMatchesTheReference) {
  const std::vector<int64_t> targets = hwy::SupportedAndGeneratedTargets();
  ASSERT_FALSE(targets.empty());
  uint64_t seed = 1;
  int runs = 0;
  for (const Case& c : cases()) {
    const auto w = uniform(static_cast<size_t>(c.rows * c.cols), seed++);
    const auto mask = sparsity::hp_mask(sparsity::magnitude_scores(w), c.rows, c.cols, c.params);
    const Problem p = make_problem(w, c.rows, c.cols, mask, c.params,
                                   uniform(static_cast<size_t>(c.cols * c.n), seed++), c.n);
    const auto mag_f32 = magnitudes(p, false);
    // int8 weights are dequantized in the reference, so its magnitudes use |w'| ~ |w|.
    const auto mag_i8 = magnitudes(p, true);
    for (const KernelEntry& e : kernel_registry()) {
      if (!runs_on(e, p)) continue;
      std::vector<float> want(static_cast<size_t>(p.rows * p.n), NAN);
      e.reference(p, want, 1);
      const bool int8 = e.operand == Operand::kHpfI8;
      // The fused kernels add the bias (and residual) before rounding and GELU's error
      // (4e-7 |x|, model/vector_math.h) after; GELU's slope is below 1.13.
      const bool fused = e.name.find("_fused") != std::string_view::npos;
      const bool gelu = e.name.ends_with("_gelu");
      const bool residual = e.name.ends_with("_residual");
      for (int64_t target : targets) {
        hwy::SetSupportedTargetsForTest(target);
        for (int threads : {1, 3}) {
          std::vector<float> got(want.size(), NAN);
          e.run(p, got, threads);
          ++runs;
          for (size_t i = 0; i < got.size(); ++i) {
            const double mag = int8 ? mag_i8[i] * 1.01 + 1e-6 : mag_f32[i];
            const double extra = fused ? std::fabs(p.bias[i / p.n]) : 0.0;
            const double res = residual ? std::fabs(p.residual[i]) : 0.0;
            double tol = 2e-6 * (mag + extra + res) + 1e-7;
            if (gelu) tol = 1.13 * tol + 4e-7 * (mag + extra);
            ASSERT_LE(std::fabs(double(got[i]) - want[i]), tol)
                << e.name << " on " << c.name() << " at (" << i / p.n << ", " << i % p.n
                << "): expected " << want[i] << ", got " << got[i] << ", target "
                << hwy::TargetName(target) << " (" << simd_target_name() << "), threads "
                << threads;
          }
        }
      }
      hwy::SetSupportedTargetsForTest(0);
    }
  }
  EXPECT_GT(runs, 1000);
}

// The fp32 SpMM reads X in place when it is one token tile wide (N = 8 vectors) and 64-byte
// aligned, and copies each column block's tile otherwise (whole vectors, then a tail): X at
// every float offset within a cache line, at N one tile wide, below, at and past it, on every
// target, 1 and 3 threads, against the reference on the same values.
TEST(Kernels, F32SpmmReadsXAtEveryAlignment) {
  const std::vector<int64_t> targets = hwy::SupportedAndGeneratedTargets();
  const int64_t rows = 150, cols = 130;  // K: two full column blocks and a partial one
  const sparsity::HpParams params{0.5, 0.5, 64, 8};
  const auto w = uniform(static_cast<size_t>(rows * cols), 91);
  const auto mask = sparsity::hp_mask(sparsity::magnitude_scores(w), rows, cols, params);
  int runs = 0;
  // 8 vectors of 4, 8 and 16 lanes (SSE4/NEON, AVX2, AVX-512), one more, and a tail.
  for (const int64_t n : {32, 64, 128, 129, 37}) {
    const Problem p = make_problem(w, rows, cols, mask, params,
                                   uniform(static_cast<size_t>(cols * n), 92 + n), n);
    const auto mag = magnitudes(p, false);
    std::vector<float> want(static_cast<size_t>(rows * n), NAN);
    spmm_hpf_f32_reference(*p.hpf_f32, p.x, n, want, 1);
    const size_t size = p.x.size();
    const auto buffer = hwy::AllocateAligned<float>(size + 16);
    for (size_t offset = 0; offset < 16; ++offset) {
      std::fill(buffer.get(), buffer.get() + size + 16, NAN);
      std::copy(p.x.begin(), p.x.end(), buffer.get() + offset);
      const std::span<const float> x(buffer.get() + offset, size);
      for (int64_t target : targets) {
        hwy::SetSupportedTargetsForTest(target);
        for (int threads : {1, 3}) {
          std::vector<float> got(want.size(), NAN);
          spmm_hpf_f32(*p.prepared_f32, x, n, got, threads);
          ++runs;
          for (size_t i = 0; i < got.size(); ++i) {
            ASSERT_LE(std::fabs(double(got[i]) - want[i]), 2e-6 * mag[i] + 1e-7)
                << "N " << n << ", X at float offset " << offset << ", at (" << i / n << ", "
                << i % n << "): expected " << want[i] << ", got " << got[i] << ", target "
                << hwy::TargetName(target) << ", threads " << threads;
          }
        }
      }
      hwy::SetSupportedTargetsForTest(0);
    }
  }
  EXPECT_GE(runs, 5 * 16 * 2);
}

TEST(Kernels, UnstructuredCsrMatchesTheReference) {
  for (int64_t n : {1, 5, 64}) {
    const auto w = uniform(77 * 91, 3);
    const auto mask = sparsity::make_mask(sparsity::magnitude_scores(w), 77, 91,
                                          sparsity::UnstructuredParams{0.1});
    const Problem p = make_problem(w, 77, 91, mask, std::nullopt, uniform(91 * n, 4), n);
    for (const KernelEntry& e : kernel_registry()) {
      if (!runs_on(e, p)) continue;
      EXPECT_TRUE(e.operand == Operand::kCsr || e.operand == Operand::kDense) << e.name;
      std::vector<float> want(static_cast<size_t>(77 * n), NAN), got(want.size(), NAN);
      e.reference(p, want, 1);
      e.run(p, got, 2);
      for (size_t i = 0; i < got.size(); ++i)
        ASSERT_NEAR(got[i], want[i], 1e-5) << e.name << " " << i;
    }
  }
}

TEST(Kernels, ShapeAndTypeErrorsAreReported) {
  const auto w = uniform(20 * 40, 5);
  const sparsity::HpParams params{0.5, 0.5, 16, 4};
  const auto mask = sparsity::hp_mask(sparsity::magnitude_scores(w), 20, 40, params);
  const Problem p = make_problem(w, 20, 40, mask, params, uniform(40 * 4, 6), 4);
  std::vector<float> y(20 * 4);
  EXPECT_THROW(spmm_hpf_f32(*p.hpf_f32, std::span(p.x).first(10), 4, y), Error);
  EXPECT_THROW(spmm_hpf_f32(*p.hpf_f32, p.x, 4, std::span(y).first(79)), Error);
  EXPECT_THROW(spmm_hpf_f32(*p.hpf_f32, p.x, 4, y, 0), Error);
  EXPECT_THROW(spmm_hpf_f32(*p.hpf_i8, p.x, 4, y), Error);
  EXPECT_THROW(spmm_hpf_i8(*p.hpf_f32, p.xq.values, p.xq.scale, 4, y), Error);
  EXPECT_THROW(spmv_hpf_f32(*p.hpf_f32, p.x, y), Error);
  EXPECT_THROW(spmm_csr_f32(p.csr, p.x, 3, y), Error);
  // Prepared matrices: the value type they were prepared from, and the same size checks.
  EXPECT_THROW(spmm_hpf_f32(*p.prepared_i8, p.x, 4, y), Error);
  EXPECT_THROW(spmm_hpf_i8(*p.prepared_f32, p.xq.values, p.xq.scale, 4, y), Error);
  EXPECT_THROW(spmm_hpf_f32(*p.prepared_f32, p.x, 4, std::span(y).first(79)), Error);
  EXPECT_THROW(spmv_hpf_f32(*p.prepared_f32, p.x, y), Error);
  EXPECT_THROW(prepare_hpf(*p.hpf_f32, 0), Error);
  EXPECT_THROW(prepare_hpf(format::pack_hpf(w, 20, 40, mask, params, format::ValueType::kF16)),
               Error);
  EXPECT_THROW(gemm_dense_f32(p.dense, p.x, 5, y), Error);
}

TEST(Kernels, ActivationQuantizationFollowsTheSharedRule) {
  const std::vector<float> x = {0.5f, -1.27f, 0.0f, 0.005f, 0.015f};
  for (const auto quantize : {quantize_activations, quantize_activations_reference}) {
    const QuantizedActivations q = quantize(x);
    EXPECT_FLOAT_EQ(q.scale, 0.01f);
    EXPECT_EQ(q.values, (std::vector<int8_t>{50, -127, 0, 1, 2}));  // halves away from zero
  }
}

// The SIMD quantizer equals its scalar twin value for value: random blocks of every length
// (vector bodies and scalar tails), exact ties in both signs at every position, and all-zero.
TEST(Kernels, ActivationQuantizationSimdEqualsReference) {
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.0f, 2.0f);
  for (const int64_t target : hwy::SupportedAndGeneratedTargets()) {
    hwy::SetSupportedTargetsForTest(target);
    for (size_t n = 0; n <= 100; ++n) {
      std::vector<float> x(n);
      for (float& v : x) v = normal(rng);
      const QuantizedActivations want = quantize_activations_reference(x);
      const QuantizedActivations got = quantize_activations(x);
      EXPECT_EQ(got.scale, want.scale) << "n = " << n << " on " << hwy::TargetName(target);
      EXPECT_EQ(got.values, want.values) << "n = " << n << " on " << hwy::TargetName(target);
    }
  }
  hwy::SetSupportedTargetsForTest(0);
  // Scale exactly 1 (max 127): k + 0.5 are ties, rounded away from zero.
  std::vector<float> ties = {127.0f};
  for (int k = -126; k <= 125; ++k) ties.push_back(static_cast<float>(k) + 0.5f);
  const QuantizedActivations q = quantize_activations(ties);
  EXPECT_EQ(q.values, quantize_activations_reference(ties).values);
  EXPECT_EQ(q.values[1], -126);  // -125.5
  EXPECT_EQ(q.values[126], -1);  // -0.5
  EXPECT_EQ(q.values[127], 1);   // 0.5
  const QuantizedActivations zeros = quantize_activations(std::vector<float>(37, 0.0f));
  EXPECT_EQ(zeros.scale, 1.0f);
  EXPECT_EQ(zeros.values, std::vector<int8_t>(37, 0));
}

// The int8 input's column quads (what spmm_hpf_i8 builds from an already quantized X) word by
// word against the layout's definition (spmm_fused.h): on AVX3 with VNNI the byte-interleave
// body of spmm_vnni.cc, on the narrower targets the portable one. N covers whole 64-token
// chunks, 16-token chunks and a partial last 16; K and Bc leave rows past K and quads past Bc.
TEST(Kernels, Int8QuadsFollowTheLayout) {
  Rng rng(11);
  struct Shape {
    int64_t k, n, bc;
  };
  const Shape shapes[] = {{64, 128, 64}, {70, 129, 64}, {13, 37, 6}, {200, 80, 12},
                          {9, 2, 8},     {130, 64, 64}, {31, 16, 3}};
  for (const int64_t target : hwy::SupportedAndGeneratedTargets()) {
    hwy::SetSupportedTargetsForTest(target);
    for (const Shape& s : shapes) {
      std::vector<int8_t> x(static_cast<size_t>(s.k * s.n));
      for (int8_t& v : x) v = static_cast<int8_t>(static_cast<int>(rng.below(255)) - 127);
      for (const int threads : {1, 3}) {
        ActivationQuads q;
        size_quads(s.k, s.n, s.bc, q);
        std::fill(q.values.begin(), q.values.end(), int32_t{0x5a5a5a5a});  // poison
        for (int t = 0; t < threads; ++t) detail::quads_from_i8_part(x.data(), q, t, threads);
        for (int64_t b = 0; b < q.blocks; ++b) {
          for (int64_t qq = 0; qq < q.quads; ++qq) {
            for (int64_t c = 0; c < q.padded_n; ++c) {
              uint32_t want = 0;
              for (int k = 0; k < 4; ++k) {
                const int64_t col = 4 * qq + k, row = b * s.bc + col;
                const int v =
                    col < s.bc && row < s.k && c < s.n ? x[static_cast<size_t>(row * s.n + c)] : 0;
                want |= static_cast<uint32_t>(v + 128) << (8 * k);
              }
              const auto got = static_cast<uint32_t>(
                  q.values[static_cast<size_t>((b * q.quads + qq) * q.padded_n + c)]);
              ASSERT_EQ(got, want) << "K " << s.k << " N " << s.n << " Bc " << s.bc << " block "
                                   << b << " quad " << qq << " token " << c << ", " << threads
                                   << " threads, target " << hwy::TargetName(target);
            }
          }
        }
      }
    }
  }
  hwy::SetSupportedTargetsForTest(0);
}

// The int8 input quads built while quantizing (spmm_fused.h's float rule) hold exactly the
// values of the rule's scalar form, on every target: ties in both signs, the one value below a
// half that the float sum rounds up, values past +-127 (clamped), zeros, ragged K (past the block
// and past K: x = 0) and N (past N: x = 0).
TEST(Kernels, QuadQuantizationEqualsTheFloatRule) {
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 30.0f);
  for (const int64_t target : hwy::SupportedAndGeneratedTargets()) {
    hwy::SetSupportedTargetsForTest(target);
    for (const auto& [k, n, bc] : {std::tuple{70, 37, 64}, std::tuple{13, 16, 12},
                                   std::tuple{300, 129, 64}, std::tuple{5, 1, 8}}) {
      std::vector<float> x(static_cast<size_t>(k * n));
      for (float& v : x) v = normal(rng);
      x[0] = 127.0f;  // scale 1: the grid is the integers
      for (int i = 1; i < std::min<int>(40, static_cast<int>(x.size())); ++i)
        x[static_cast<size_t>(i)] = static_cast<float>(i - 20) + 0.5f;
      if (x.size() > 41) {
        x[40] = 0.5f - 0x1p-25f;
        x[41] = -(0.5f - 0x1p-25f);
      }
      if (x.size() > 45) {  // past the grid in both signs: clamped to +-127
        x[42] = 200.0f;
        x[43] = -200.0f;
        x[44] = 127.5f;
        x[45] = -127.5f;
      }
      const QuantizedFloatRule want = quantize_activations_float(x, 127.0f);
      // Built by parts into a poisoned buffer (sizing leaves it unset), and by the whole call.
      ActivationQuads q;
      size_quads(k, n, bc, q);
      std::fill(q.values.begin(), q.values.end(), int32_t{0x5a5a5a5a});
      for (int t = 0; t < 2; ++t) quantize_quads_part(x, 127.0f, q, t, 2);
      ASSERT_EQ(q.scale, want.scale);
      ASSERT_EQ(quantize_quads(x, k, n, bc, 127.0f, 2).values, q.values);
      for (int64_t row = 0; row < q.blocks * bc; ++row) {
        const int64_t b = row / bc, col = row % bc;
        for (int64_t c = 0; c < q.padded_n; ++c) {
          const auto word = static_cast<uint32_t>(
              q.values[static_cast<size_t>((b * q.quads + col / 4) * q.padded_n + c)]);
          const int got = static_cast<int>((word >> (8 * (col % 4))) & 0xff) - 128;
          const int expected = row < k && c < n ? want.values[static_cast<size_t>(row * n + c)] : 0;
          ASSERT_EQ(got, expected) << "K " << k << " N " << n << " at (" << row << ", " << c
                                   << "), target " << hwy::TargetName(target);
        }
      }
    }
  }
  hwy::SetSupportedTargetsForTest(0);
  const QuantizedFloatRule r = quantize_activations_float(
      std::vector<float>{127.0f, 2.5f, -2.5f, 0.5f - 0x1p-25f, -0.5f, 0.0f}, 127.0f);
  EXPECT_EQ(r.values, (std::vector<int8_t>{127, 3, -3, 1, -1, 0}));
}

}  // namespace
}  // namespace fitformer::kernels
