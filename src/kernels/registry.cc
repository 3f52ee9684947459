// The kernel table and the Problem builder of registry.h.
#include "kernels/registry.h"

#include <array>

namespace fitformer::kernels {
namespace {

constexpr std::array<KernelEntry, 10> kKernels = {{
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
  p.x = std::move(x);
  p.nonzeros = sparsity::kept_count(mask);
  return p;
}

std::span<const KernelEntry> kernel_registry() {
  return kKernels;
}

bool runs_on(const KernelEntry& e, const Problem& p) {
  if (e.spmv_only && p.n != 1) return false;
  const bool prepared = e.name.ends_with("_prepared");
  if (e.operand == Operand::kHpfF32)
    return p.hpf_f32.has_value() && (!prepared || p.prepared_f32.has_value());
  if (e.operand == Operand::kHpfI8)
    return p.hpf_i8.has_value() && (!prepared || p.prepared_i8.has_value());
  return true;
}

}  // namespace fitformer::kernels
