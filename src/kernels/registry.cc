// The kernel table and the Problem builder of registry.h.
#include "kernels/registry.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "core/random.h"
#include "kernels/layer_norm.h"

namespace fitformer::kernels {
namespace {

SpmmEpilogue gelu_epilogue(const Problem& p) {
  SpmmEpilogue e;
  e.bias = p.bias;
  e.activation = EpilogueActivation::kGelu;
  return e;
}

SpmmEpilogue residual_epilogue(const Problem& p) {
  SpmmEpilogue e;
  e.bias = p.bias;
  e.residual = p.residual;
  return e;
}

constexpr std::array<KernelEntry, 15> kKernels = {{
    {"spmm_hpf_f32", Operand::kHpfF32, false,
     [](const Problem& p, std::span<float> y, int t) { spmm_hpf_f32(*p.hpf_f32, p.x, p.n, y, t); },
     [](const Problem& p, std::span<float> y, int t) {
       spmm_hpf_f32_reference(*p.hpf_f32, p.x, p.n, y, t);
     }},
    {"spmv_hpf_f32", Operand::kHpfF32, true,
     [](const Problem& p, std::span<float> y, int t) { spmv_hpf_f32(*p.hpf_f32, p.x, y, t); },
     [](const Problem& p, std::span<float> y, int t) {
       spmv_hpf_f32_reference(*p.hpf_f32, p.x, y, t);
     }},
    {"spmm_hpf_i8", Operand::kHpfI8, false,
     [](const Problem& p, std::span<float> y, int t) {
       spmm_hpf_i8(*p.hpf_i8, p.xq.values, p.xq.scale, p.n, y, t);
     },
     [](const Problem& p, std::span<float> y, int t) {
       spmm_hpf_i8_reference(*p.hpf_i8, p.xq.values, p.xq.scale, p.n, y, t);
     }},
    {"spmv_hpf_i8", Operand::kHpfI8, true,
     [](const Problem& p, std::span<float> y, int t) {
       spmv_hpf_i8(*p.hpf_i8, p.xq.values, p.xq.scale, y, t);
     },
     [](const Problem& p, std::span<float> y, int t) {
       spmv_hpf_i8_reference(*p.hpf_i8, p.xq.values, p.xq.scale, y, t);
     }},
    {"spmm_hpf_f32_prepared", Operand::kHpfF32, false,
     [](const Problem& p, std::span<float> y, int t) {
       spmm_hpf_f32(*p.prepared_f32, p.x, p.n, y, t);
     },
     [](const Problem& p, std::span<float> y, int t) {
       spmm_hpf_f32_reference(*p.hpf_f32, p.x, p.n, y, t);
     }},
    {"spmv_hpf_f32_prepared", Operand::kHpfF32, true,
     [](const Problem& p, std::span<float> y, int t) { spmv_hpf_f32(*p.prepared_f32, p.x, y, t); },
     [](const Problem& p, std::span<float> y, int t) {
       spmv_hpf_f32_reference(*p.hpf_f32, p.x, y, t);
     }},
    {"spmm_hpf_i8_prepared", Operand::kHpfI8, false,
     [](const Problem& p, std::span<float> y, int t) {
       spmm_hpf_i8(*p.prepared_i8, p.xq.values, p.xq.scale, p.n, y, t);
     },
     [](const Problem& p, std::span<float> y, int t) {
       spmm_hpf_i8_reference(*p.hpf_i8, p.xq.values, p.xq.scale, p.n, y, t);
     }},
    {"spmv_hpf_i8_prepared", Operand::kHpfI8, true,
     [](const Problem& p, std::span<float> y, int t) {
       spmv_hpf_i8(*p.prepared_i8, p.xq.values, p.xq.scale, y, t);
     },
     [](const Problem& p, std::span<float> y, int t) {
       spmv_hpf_i8_reference(*p.hpf_i8, p.xq.values, p.xq.scale, y, t);
     }},
    {"spmm_hpf_f32_fused_gelu", Operand::kHpfF32, false,
     [](const Problem& p, std::span<float> y, int t) {
       spmm_hpf_f32_fused(*p.prepared_f32, p.x, p.n, y, gelu_epilogue(p), t);
     },
     [](const Problem& p, std::span<float> y, int t) {
       spmm_hpf_f32_fused_reference(*p.hpf_f32, p.x, p.n, y, gelu_epilogue(p), t);
     }},
    {"spmm_hpf_f32_fused_residual", Operand::kHpfF32, false,
     [](const Problem& p, std::span<float> y, int t) {
       spmm_hpf_f32_fused(*p.prepared_f32, p.x, p.n, y, residual_epilogue(p), t);
     },
     [](const Problem& p, std::span<float> y, int t) {
       spmm_hpf_f32_fused_reference(*p.hpf_f32, p.x, p.n, y, residual_epilogue(p), t);
     }},
    {"spmm_hpf_i8_fused_gelu", Operand::kHpfI8, false,
     [](const Problem& p, std::span<float> y, int t) {
       spmm_hpf_i8_fused(*p.prepared_i8, p.x, p.x_max_abs, p.n, y, gelu_epilogue(p), t);
     },
     [](const Problem& p, std::span<float> y, int t) {
       spmm_hpf_i8_fused_reference(*p.hpf_i8, p.x, p.x_max_abs, p.n, y, gelu_epilogue(p), t);
     }},
    {"spmm_hpf_i8_fused_residual", Operand::kHpfI8, false,
     [](const Problem& p, std::span<float> y, int t) {
       spmm_hpf_i8_fused(*p.prepared_i8, p.x, p.x_max_abs, p.n, y, residual_epilogue(p), t);
     },
     [](const Problem& p, std::span<float> y, int t) {
       spmm_hpf_i8_fused_reference(*p.hpf_i8, p.x, p.x_max_abs, p.n, y, residual_epilogue(p), t);
     }},
    // The int8 kernel alone, as the forward calls it: X already in quads (built by the
    // producer's quantization), no epilogue. spmm_hpf_i8_prepared also builds the quads from a
    // row-major int8 X; the fp32 kernel reads its X as it is.
    {"spmm_hpf_i8_fused_quads", Operand::kHpfI8, false,
     [](const Problem& p, std::span<float> y, int t) {
       spmm_hpf_i8_fused(*p.prepared_i8, p.quads, y, SpmmEpilogue{}, t);
     },
     [](const Problem& p, std::span<float> y, int t) {
       spmm_hpf_i8_fused_reference(*p.hpf_i8, p.x, p.x_max_abs, p.n, y, SpmmEpilogue{}, t);
     }},
    {"spmm_csr_f32", Operand::kCsr, false,
     [](const Problem& p, std::span<float> y, int t) { spmm_csr_f32(p.csr, p.x, p.n, y, t); },
     [](const Problem& p, std::span<float> y, int t) {
       spmm_csr_f32_reference(p.csr, p.x, p.n, y, t);
     }},
    {"gemm_dense_f32", Operand::kDense, false,
     [](const Problem& p, std::span<float> y, int t) { gemm_dense_f32(p.dense, p.x, p.n, y, t); },
     [](const Problem& p, std::span<float> y, int t) {
       gemm_dense_f32_reference(p.dense, p.x, p.n, y, t);
     }},
}};

}  // namespace

Problem make_problem(std::span<const float> weights, int64_t rows, int64_t cols,
                     const sparsity::Mask& mask, const std::optional<sparsity::HpParams>& hp,
                     std::vector<float> x, int64_t n) {
  Problem p;
  p.rows = rows;
  p.cols = cols;
  p.n = n;
  if (hp) {
    p.hpf_f32 = format::pack_hpf(weights, rows, cols, mask, *hp, format::ValueType::kF32);
    p.hpf_i8 = format::pack_hpf(weights, rows, cols, mask, *hp, format::ValueType::kI8,
                                format::ScaleMode::kPerRow);
    p.prepared_f32 = prepare_hpf(*p.hpf_f32);
    p.prepared_i8 = prepare_hpf(*p.hpf_i8);
  }
  p.csr = format::pack_csr(weights, mask);
  p.dense = format::pack_dense(weights, mask);
  p.xq = quantize_activations(x);
  for (float v : x) p.x_max_abs = std::max(p.x_max_abs, std::fabs(v));
  p.x.assign(x.begin(), x.end());
  if (hp) p.quads = quantize_quads(p.x, cols, n, p.hpf_i8->header.block_cols, p.x_max_abs);
  p.nonzeros = sparsity::kept_count(mask);
  // Bias and residual of the size of the inputs, from fixed seeds.
  Rng rng(rows * 7919 + cols * 31 + n);
  p.bias.resize(static_cast<size_t>(rows));
  for (float& b : p.bias) b = static_cast<float>(rng.uniform() - 0.5);
  p.residual.resize(static_cast<size_t>(rows * n));
  for (float& r : p.residual) r = static_cast<float>(2.0 * rng.uniform() - 1.0);
  return p;
}

std::span<const KernelEntry> kernel_registry() {
  return kKernels;
}

bool runs_on(const KernelEntry& e, const Problem& p) {
  if (e.spmv_only && p.n != 1) return false;
  const bool prepared = e.name.ends_with("_prepared") || e.name.find("_fused") != e.name.npos;
  if (e.operand == Operand::kHpfF32)
    return p.hpf_f32.has_value() && (!prepared || p.prepared_f32.has_value());
  if (e.operand == Operand::kHpfI8)
    return p.hpf_i8.has_value() && (!prepared || p.prepared_i8.has_value());
  return true;
}

int64_t problem_bytes(const Problem& p) {
  int64_t bytes = p.dense.bytes() + p.csr.bytes() + static_cast<int64_t>(p.x.size() * 4) +
                  static_cast<int64_t>(p.quads.values.size() * 4);
  for (const auto* m : {&p.hpf_f32, &p.hpf_i8})
    if (m->has_value()) bytes += (*m)->bytes();
  for (const auto* m : {&p.prepared_f32, &p.prepared_i8})
    if (m->has_value()) bytes += (*m)->bytes();
  return bytes;
}

int cold_copies(const Problem& p) {
  const int64_t bytes = std::max<int64_t>(1, problem_bytes(p));
  return static_cast<int>(std::max<int64_t>(2, (2 * kLastLevelCacheBytes + bytes - 1) / bytes));
}

namespace {

constexpr std::array<ActivationEntry, 2> kActivationKernels = {{
    {"attention_f32",
     [](const ActivationProblem& p, std::span<float> out, int t) {
       attention_f32(p.q, p.k, p.v, p.shape, p.lengths, p.causal, out, t);
     },
     [](const ActivationProblem& p, std::span<float> out, int t) {
       attention_f32_reference(p.q, p.k, p.v, p.shape, p.lengths, p.causal, out, t);
     }},
    {"layer_norm_columns_f32",
     [](const ActivationProblem& p, std::span<float> out, int t) {
       std::copy(p.q.begin(), p.q.end(), out.begin());
       layer_norm_columns_f32(out, p.shape.stride, p.gamma, p.beta, 1e-5f, nullptr, t);
     },
     [](const ActivationProblem& p, std::span<float> out, int t) {
       std::copy(p.q.begin(), p.q.end(), out.begin());
       layer_norm_columns_f32_reference(out, p.shape.stride, p.gamma, p.beta, 1e-5f, nullptr, t);
     }},
}};

}  // namespace

ActivationProblem make_activation_problem(const AttentionShape& shape, std::vector<int64_t> lengths,
                                          bool causal, uint64_t seed, float scale) {
  ActivationProblem p;
  p.shape = shape;
  p.shape.stride = shape.batch * shape.seq;
  p.lengths = std::move(lengths);
  p.causal = causal;
  const int64_t width = shape.heads * shape.head_dim;
  Rng rng(seed);
  for (auto* v : {&p.q, &p.k, &p.v}) {
    v->resize(static_cast<size_t>(width * p.shape.stride));
    for (float& f : *v) f = static_cast<float>((2.0 * rng.uniform() - 1.0) * scale);
  }
  p.gamma.resize(static_cast<size_t>(width));
  p.beta.resize(static_cast<size_t>(width));
  for (float& g : p.gamma) g = static_cast<float>(1.0 + 0.2 * (rng.uniform() - 0.5));
  for (float& b : p.beta) b = static_cast<float>(0.2 * (rng.uniform() - 0.5));
  return p;
}

std::span<const ActivationEntry> activation_registry() {
  return kActivationKernels;
}

}  // namespace fitformer::kernels
