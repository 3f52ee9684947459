// The kernels that run compressed linear layers on a CPU: Y = W · X with W an M x K weight
// matrix (HPF, CSR or dense) and X a K x N block of N token columns. Every kernel has a
// deliberately naive `_reference` twin with the same signature (decode W to dense, accumulate
// in double) that the tests compare it with; the fast ones are one Google Highway body per
// instruction set, dispatched once per call (int8 HPF on x86 with AVX512-VNNI: a hand-written
// vpdpbusd body when the dispatched target is AVX-512), threaded with OpenMP: SpMM over output
// rows, HPF SpMV over (column block, group of 16 kept rows) units with per-thread copies of y.
//
// Layout: X is row-major K x N (row k holds input feature k of all N tokens), Y row-major
// M x N; the kernels overwrite all of Y. SpMV is the N = 1 case with its own loop (there is
// no token dimension to vectorize over); the HPF SpMM entry points run it when N = 1.
// `threads` >= 1 is the OpenMP team size for this call. Preconditions, checked once per call
// (Error naming the argument otherwise): W's value type is the kernel's, x.size() == K * N,
// y.size() == M * N, n >= 1, threads >= 1, and W's arrays have the sizes its header implies.
// X must be finite: an HPF slot left unused by the padding rule multiplies a real X value by 0.
//
// int8: W holds int8 with per-matrix or per-row scales s_w (format/value_type.h), X is int8
// with one scale s_x (quantize_activations); products accumulate exactly in int32 over each
// kept row segment (at most Bc products of |127 * 127|, far from overflow; the VNNI body adds
// 128 to X and subtracts 128 times the segment's weight sum, exact in int32 up to Bc ~ 65000)
// and each segment's sum joins Y[r] in fp32 as s_w[r] * s_x * sum.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "format/baselines.h"
#include "format/hpf.h"
#include "kernels/prepared_hpf.h"

namespace fitformer::kernels {

// fp32 HPF.
void spmm_hpf_f32(const format::hpf::Matrix& w, std::span<const float> x, int64_t n,
                  std::span<float> y, int threads = 1);
void spmm_hpf_f32_reference(const format::hpf::Matrix& w, std::span<const float> x, int64_t n,
                            std::span<float> y, int threads = 1);
void spmv_hpf_f32(const format::hpf::Matrix& w, std::span<const float> x, std::span<float> y,
                  int threads = 1);
void spmv_hpf_f32_reference(const format::hpf::Matrix& w, std::span<const float> x,
                            std::span<float> y, int threads = 1);

// int8 HPF with int8 activations.
void spmm_hpf_i8(const format::hpf::Matrix& w, std::span<const int8_t> x, float x_scale, int64_t n,
                 std::span<float> y, int threads = 1);
void spmm_hpf_i8_reference(const format::hpf::Matrix& w, std::span<const int8_t> x, float x_scale,
                           int64_t n, std::span<float> y, int threads = 1);
void spmv_hpf_i8(const format::hpf::Matrix& w, std::span<const int8_t> x, float x_scale,
                 std::span<float> y, int threads = 1);
void spmv_hpf_i8_reference(const format::hpf::Matrix& w, std::span<const int8_t> x, float x_scale,
                           std::span<float> y, int threads = 1);

// The same four kernels on a PreparedHpf (prepare_hpf(w) once, then any number of calls):
// the layout the SIMD bodies run on. The overloads above taking the HPF matrix itself build
// that copy on every call, which costs about as much as an SpMV (see docs/kernels.md); a
// runtime that keeps its layers should prepare them at load time. Same preconditions and
// results; `w` must have been prepared from an fp32 (resp. int8) matrix.
void spmm_hpf_f32(const PreparedHpf& w, std::span<const float> x, int64_t n, std::span<float> y,
                  int threads = 1);
void spmv_hpf_f32(const PreparedHpf& w, std::span<const float> x, std::span<float> y,
                  int threads = 1);
void spmm_hpf_i8(const PreparedHpf& w, std::span<const int8_t> x, float x_scale, int64_t n,
                 std::span<float> y, int threads = 1);
void spmv_hpf_i8(const PreparedHpf& w, std::span<const int8_t> x, float x_scale, std::span<float> y,
                 int threads = 1);

// fp32 CSR: the baseline for unstructured sparsity (any N, including 1).
void spmm_csr_f32(const format::CsrMatrix& w, std::span<const float> x, int64_t n,
                  std::span<float> y, int threads = 1);
void spmm_csr_f32_reference(const format::CsrMatrix& w, std::span<const float> x, int64_t n,
                            std::span<float> y, int threads = 1);

// fp32 dense through oneDNN's dnnl_sgemm: the baseline every sparse kernel is measured against.
void gemm_dense_f32(const format::DenseMatrix& w, std::span<const float> x, int64_t n,
                    std::span<float> y, int threads = 1);
void gemm_dense_f32_reference(const format::DenseMatrix& w, std::span<const float> x, int64_t n,
                              std::span<float> y, int threads = 1);

// Activations quantized for the int8 kernels by format/value_type.h's rule with one scale
// for the whole block (s = max|x| / 127). x must be finite. The SIMD version and its scalar
// twin give identical values.
struct QuantizedActivations {
  std::vector<int8_t> values;
  float scale = 1.0f;
};
QuantizedActivations quantize_activations(std::span<const float> x);
QuantizedActivations quantize_activations_reference(std::span<const float> x);

// Name of the Highway target the SIMD kernels dispatch to now ("AVX3", "AVX2", ...).
const char* simd_target_name();

}  // namespace fitformer::kernels
