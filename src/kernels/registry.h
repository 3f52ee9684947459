// The one table of kernels: each row names a kernel, the operand it needs and how to call it
// and its reference on a Problem. Tests, benchmarks and `fitformer bench kernels` loop over
// this table (over the shapes of kernels/sweep.h), so adding a kernel is adding a row.
#pragma once

#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "core/cache_aligned.h"
#include "kernels/attention.h"
#include "kernels/spmm.h"
#include "kernels/spmm_fused.h"
#include "sparsity/patterns.h"

namespace fitformer::kernels {

// All operands of one Y = W · X problem, packed once by the real packers of format/.
struct Problem {
  int64_t rows = 0, cols = 0, n = 1;                     // M, K, N
  std::optional<format::hpf::Matrix> hpf_f32, hpf_i8;    // when the mask is HP
  std::optional<PreparedHpf> prepared_f32, prepared_i8;  // prepare_hpf of the two above
  format::CsrMatrix csr;
  format::DenseMatrix dense;  // the masked weights
  // K x N, starting on a cache line as the runtime's activation buffers do (the fp32 SpMM
  // reads a line-aligned X in place and copies any other; kernels tests cover every offset).
  CacheAlignedVector<float> x;
  QuantizedActivations xq;  // x for the int8 kernels
  // With hp: x quantized by the float rule (max |x|) into the int8 kernels' input layout, as a
  // forward's producer op leaves it for the next int8 linear (spmm_fused.h).
  ActivationQuads quads;
  int64_t nonzeros = 0;  // kept weights: the useful work is 2 * nonzeros * N flops
  // For the fused kernels (spmm_fused.h): a bias [M], a residual M x N and max |x|.
  std::vector<float> bias;
  CacheAlignedVector<float> residual;  // aligned as x
  float x_max_abs = 0;
};

// Packs weights (M x K) under `mask` into every format; with hp set, mask must be its HP mask
// (pack_hpf checks). x is K x N.
Problem make_problem(std::span<const float> weights, int64_t rows, int64_t cols,
                     const sparsity::Mask& mask, const std::optional<sparsity::HpParams>& hp,
                     std::vector<float> x, int64_t n);

enum class Operand { kHpfF32, kHpfI8, kCsr, kDense };

// Kernels on a PreparedHpf carry the suffix "_prepared" and the operand of the matrix they
// were prepared from; their reference is the matrix's, so a preparation bug cannot hide.
struct KernelEntry {
  std::string_view name;  // op_format_type, as in spmm.h
  Operand operand;
  bool spmv_only;  // runs only for N = 1
  void (*run)(const Problem& p, std::span<float> y, int threads);
  void (*reference)(const Problem& p, std::span<float> y, int threads);
};

std::span<const KernelEntry> kernel_registry();

// Whether entry e can run on p (its operand is present, N fits).
bool runs_on(const KernelEntry& e, const Problem& p);

// Bytes of every operand the kernels read from p (each format of W, and X). A benchmark that
// rotates through cold_copies(p) copies of p finds no weights in the caches ("cold", as a real
// forward finds a layer's weights when the model does not fit the LLC): their operands
// together exceed twice kLastLevelCacheBytes (Zen 4's 32 MiB L3 per CCD), at least 2 copies.
inline constexpr int64_t kLastLevelCacheBytes = int64_t{32} << 20;
int64_t problem_bytes(const Problem& p);
int cold_copies(const Problem& p);

// The kernels on activations alone (no weight matrix), feature-major as the runtime holds them:
// attention (attention.h) and the column-wise layer norm (layer_norm.h). One problem carries
// the inputs of both; `out` is sized out_size().
struct ActivationProblem {
  AttentionShape shape;  // stride = batch * seq
  std::vector<int64_t> lengths;
  bool causal = false;
  std::vector<float> q, k, v;      // [heads * head_dim][stride] each
  std::vector<float> gamma, beta;  // [heads * head_dim]: the layer norm's
  size_t out_size() const { return q.size(); }
};

// The attention shapes the benchmarks time, here and against libtorch
// (bench/kernels/activation_bench.cc, bench/train/torch_attention_bench.cc): TinyBERT (12 heads
// of 26), BERT-base (12 of 64) and the quick sotu-lm (4 of 32, causal), 128 tokens, batch 1.
struct AttentionBenchShape {
  const char* name;
  AttentionShape shape;
  bool causal;
};
inline constexpr AttentionBenchShape kAttentionBenchShapes[] = {
    {"tinybert", {1, 128, 12, 26, 0}, false},
    {"bert-base", {1, 128, 12, 64, 0}, false},
    {"sotu-lm-quick", {1, 128, 4, 32, 0}, true}};

// Inputs uniform in [-scale, scale) from `seed` (scale ~2 puts softmax between flat and peaked).
ActivationProblem make_activation_problem(const AttentionShape& shape, std::vector<int64_t> lengths,
                                          bool causal, uint64_t seed, float scale = 2.0f);

struct ActivationEntry {
  std::string_view name;
  void (*run)(const ActivationProblem& p, std::span<float> out, int threads);
  void (*reference)(const ActivationProblem& p, std::span<float> out, int threads);
};
std::span<const ActivationEntry> activation_registry();

}  // namespace fitformer::kernels
