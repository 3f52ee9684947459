// linear_part: the HPF kernels' `_part` bodies, or oneDNN on a slice of rows for dense linears.
#include "runtime/team_linear.h"

#include <algorithm>
#include <cmath>

#include "kernels/split_range.h"
#include "model/sgemm.h"
#include "model/vector_math.h"

namespace fitformer::runtime {
namespace {

// y rows [r0, r1) = epilogue(W x) for a dense W through sgemm on the calling thread (oneDNN runs
// a GEMM called inside a parallel region on that thread alone).
void dense_part(const model::Linear& w, const float* x, int64_t n, float* y,
                const kernels::SpmmEpilogue& e, int thread, int threads) {
  const int64_t m = w.out_features, k = w.in_features;
  const auto [r0, r1] = kernels::split_range(m, thread, threads);
  float max = 0.0f;
  if (r0 < r1) {
    // Bias and residual first, then sgemm with beta = 1.
    kernels::SpmmEpilogue start = e;
    start.bias = w.bias;
    kernels::init_epilogue_rows(start, n, r0, r1, y);
    model::sgemm('N', 'N', r1 - r0, n, k, 1.0f, w.weight.data() + r0 * k, k, x, n, 1.0f, y + r0 * n,
                 n);
    const std::span<float> rows(y + r0 * n, static_cast<size_t>((r1 - r0) * n));
    if (e.activation == kernels::EpilogueActivation::kGelu) model::gelu_in_place(rows);
    if (e.activation == kernels::EpilogueActivation::kRelu)
      for (float& v : rows) v = std::max(v, 0.0f);
    if (e.max_abs != nullptr)
      for (float v : rows) max = std::max(max, std::fabs(v));
  }
  if (e.max_abs != nullptr) e.max_abs[thread] = max;
}

}  // namespace

bool takes_quads(const Linear& linear) {
  const auto* hpf = std::get_if<HpfLinear>(&linear);
  return hpf != nullptr && hpf->weight.header.value_type == format::ValueType::kI8;
}

int64_t quads_block_cols(const Linear& linear) {
  return std::get<HpfLinear>(linear).weight.header.block_cols;
}

void linear_part(const Linear& linear, const float* x, const kernels::ActivationQuads* quads,
                 int64_t n, float* y, const kernels::SpmmEpilogue& epilogue, int thread,
                 int threads) {
  const auto* hpf = std::get_if<HpfLinear>(&linear);
  if (hpf == nullptr) {
    dense_part(std::get<model::Linear>(linear), x, n, y, epilogue, thread, threads);
    return;
  }
  kernels::SpmmEpilogue e = epilogue;
  e.bias = hpf->bias;
  if (takes_quads(linear)) {
    kernels::spmm_hpf_i8_fused_part(hpf->prepared, *quads, y, e, thread, threads);
  } else {
    kernels::spmm_hpf_f32_fused_part(hpf->prepared, x, n, y, e, thread, threads);
  }
}

}  // namespace fitformer::runtime
