// The HPF SpMM of spmm.h with the steps around it done where its output tile is still in cache,
// for the sparse runtime's encoder layers: the bias and a residual added by starting the
// accumulators at them, GELU applied to each finished tile, the largest |Y| kept for the next
// int8 linear's activation scale, and, for int8 weights, the fp32 activations quantized while
// they are copied into the kernel's input layout (no separate quantizing pass). Each kernel
// also comes as a `_part`: one thread's share, for a caller that runs one OpenMP team for a
// whole layer (no parallel region and no barrier inside).
//
// Layout as spmm.h: X feature-major K x N, Y feature-major M x N (row r holds output feature r
// of all N tokens), fully overwritten. Y = epilogue(W X):
//   Y[r][c] = act(sum_k W[r][k] X[k][c] + bias[r] + residual[r][c])
// act = GELU, ReLU or identity.
//
// int8 activations: the float rule of quantize_activations_float: with s = max|X| / 127
// (format::symmetric_scale), inv = 1 / s and p = x * inv, both rounded to float,
// q = sign(p) * min(trunc(|p| + 0.5), 127): halves round away from zero, as
// format::quantize_symmetric's rule, but in float (the sum |p| + 0.5 rounds too, so p just below
// a half, 0.5 - 2^-25, goes up), a few cheap lane operations instead of a division in double.
// The kernels and their references share this rule exactly.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/cache_aligned.h"
#include "format/hpf.h"
#include "kernels/prepared_hpf.h"

namespace fitformer::kernels {

// The activation applied last: GELU (the exact erf form, model::gelu_in_place's
// approximation) or ReLU.
enum class EpilogueActivation { kNone, kGelu, kRelu };

struct SpmmEpilogue {
  std::span<const float> bias;      // [M] or empty
  std::span<const float> residual;  // M x N, Y's layout, or empty; must not overlap Y
  EpilogueActivation activation = EpilogueActivation::kNone;
  // When set: max_abs[thread] = max |Y| over that thread's rows (one entry per thread of the
  // call; entries of threads without rows are 0). The caller takes the max of the entries.
  float* max_abs = nullptr;
};

// X quantized by the float rule above into the int8 kernels' input layout: per column block of
// Bc columns, ceil(Bc / 4) column quads, each quad holding 4 rows of X per token as one int32
// (byte k = row 4q + k, as unsigned q + 128, 128 past the block or K), tokens padded to a
// multiple of 16: values[(b * quads + q) * padded_n + c]. One build serves every int8 linear
// with that input and that Bc (say Q, K and V).
struct ActivationQuads {
  int64_t cols = 0, n = 0, padded_n = 0;  // K, N, N rounded up to 16
  int64_t block_cols = 0, blocks = 0, quads = 0;
  float scale = 1.0f;  // s: X ~= q * s
  // Line-aligned: with padded_n a multiple of 16, every quad row starts on a cache line, so the
  // kernels' 64-byte loads of X never straddle two lines. Not zeroed when sized: both builders
  // (quantize_quads_part, quads_from_i8) write every word, padding included.
  UnsetCacheAlignedVector<int32_t> values;
};

// The float rule over a whole block (one scale from max |x|), the scalar definition: what
// ActivationQuads hold, and the input of spmm_hpf_i8_fused_reference.
struct QuantizedFloatRule {
  std::vector<int8_t> values;
  float scale = 1.0f;
};
QuantizedFloatRule quantize_activations_float(std::span<const float> x, float max_abs);

// Sizes q for X of K x N under column blocks of Bc (no quantizing); then every thread of the
// team runs quantize_quads_part with max_abs = max |X| (the producer's SpmmEpilogue::max_abs,
// or any larger bound), and all must finish (a barrier) before a kernel reads q.
void size_quads(int64_t cols, int64_t n, int64_t block_cols, ActivationQuads& q);
void quantize_quads_part(std::span<const float> x, float max_abs, ActivationQuads& q, int thread,
                         int threads);
ActivationQuads quantize_quads(std::span<const float> x, int64_t cols, int64_t n,
                               int64_t block_cols, float max_abs, int threads = 1);

// fp32. Preconditions as spmm.h's (Error naming the argument), plus bias of M or 0 entries,
// residual of M x N or 0, max_abs null or with `threads` entries.
void spmm_hpf_f32_fused(const PreparedHpf& w, std::span<const float> x, int64_t n,
                        std::span<float> y, const SpmmEpilogue& epilogue, int threads = 1);
void spmm_hpf_f32_fused_reference(const format::hpf::Matrix& w, std::span<const float> x, int64_t n,
                                  std::span<float> y, const SpmmEpilogue& epilogue,
                                  int threads = 1);

// int8 weights, fp32 activations with max |x| = x_max_abs, quantized by the float rule. The
// _quads overload takes them already quantized (x.cols == K, x.block_cols == Bc).
void spmm_hpf_i8_fused(const PreparedHpf& w, std::span<const float> x, float x_max_abs, int64_t n,
                       std::span<float> y, const SpmmEpilogue& epilogue, int threads = 1);
void spmm_hpf_i8_fused(const PreparedHpf& w, const ActivationQuads& x, std::span<float> y,
                       const SpmmEpilogue& epilogue, int threads = 1);
void spmm_hpf_i8_fused_reference(const format::hpf::Matrix& w, std::span<const float> x,
                                 float x_max_abs, int64_t n, std::span<float> y,
                                 const SpmmEpilogue& epilogue, int threads = 1);

// Rows [r0, r1) of Y (M x n) set to bias + residual (0 where absent): where a fused kernel's
// accumulation starts, and where a dense linear's GEMM with beta = 1 does.
void init_epilogue_rows(const SpmmEpilogue& epilogue, int64_t n, int64_t r0, int64_t r1, float* y);

// One thread's share of the two kernels above: output rows are split so that every thread
// gets about the same number of kept row segments (PreparedHpf::row_segments). The caller
// checks shapes (the whole-call versions do) and owns the synchronization.
void spmm_hpf_f32_fused_part(const PreparedHpf& w, const float* x, int64_t n, float* y,
                             const SpmmEpilogue& epilogue, int thread, int threads);
void spmm_hpf_i8_fused_part(const PreparedHpf& w, const ActivationQuads& x, float* y,
                            const SpmmEpilogue& epilogue, int thread, int threads);

}  // namespace fitformer::kernels
