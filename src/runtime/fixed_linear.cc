// The runtime's fixed-point linear: quantize a sequence, run the accelerator's integer linear,
// dequantize.
#include "runtime/fixed_linear.h"

#include <algorithm>
#include <cassert>

namespace fitformer::runtime {

FixedLinear make_fixed_linear(const Linear& linear, format::ValueType type) {
  if (const auto* hpf = std::get_if<HpfLinear>(&linear)) {
    return {kernels::make_fixed_matrix(hpf->weight, type), hpf->bias};
  }
  const auto& dense = std::get<model::Linear>(linear);
  return {kernels::make_fixed_matrix(dense.weight, dense.out_features, dense.in_features,
                                     kDenseBlockCols, type),
          dense.bias};
}

void apply_fixed_linear(const FixedLinear& linear, std::span<const float> input, int64_t seq_len,
                        std::span<const int64_t> lengths, std::span<float> output, int threads) {
  const kernels::FixedMatrix& w = linear.weight;
  const int64_t m = w.rows, k = w.cols;
  assert(static_cast<int64_t>(input.size()) >= static_cast<int64_t>(lengths.size()) * seq_len * k);
  assert(static_cast<int64_t>(output.size()) >= static_cast<int64_t>(lengths.size()) * seq_len * m);
  // One kernel call per sequence (its own scale and bias) on its real tokens only, on buffers
  // this thread keeps: a call over the whole batch needed its bias per token (a fresh M x tokens
  // int64 block each time, faulted in and filled, which cost more than the products), and
  // the padding of a batch of short sequences is most of its tokens.
  thread_local std::vector<int16_t> xq;
  thread_local std::vector<int64_t> acc;
  thread_local std::vector<float> token_scales;
  for (size_t b = 0; b < lengths.size(); ++b) {
    const auto first = static_cast<size_t>(static_cast<int64_t>(b) * seq_len);
    const int64_t real = std::clamp<int64_t>(lengths[b], 0, seq_len);
    const std::span<float> out = output.subspan(first * m, static_cast<size_t>(seq_len * m));
    std::fill(out.begin() + real * m, out.end(), 0.0f);
    if (real == 0) continue;
    const std::span<const float> x = input.subspan(first * k, static_cast<size_t>(real * k));
    const float x_scale = kernels::activation_scale(x, w.value_type);
    xq.resize(x.size());
    kernels::quantize_activations(x, x_scale, w.value_type, xq);
    const std::vector<int64_t> bias =
        linear.bias.empty()
            ? std::vector<int64_t>()
            : kernels::quantize_bias(linear.bias, w.row_scales, x_scale, w.value_type);
    acc.resize(static_cast<size_t>(real * m));
    kernels::linear_fixed(w, xq, real, bias, acc, threads);
    token_scales.assign(static_cast<size_t>(real), x_scale);
    kernels::dequantize_accumulators(acc, m, w.row_scales, token_scales,
                                     out.first(static_cast<size_t>(real * m)));
  }
}

}  // namespace fitformer::runtime
