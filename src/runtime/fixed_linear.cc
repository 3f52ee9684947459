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
  const int64_t rows = static_cast<int64_t>(lengths.size()) * seq_len;
  assert(static_cast<int64_t>(input.size()) >= rows * k);
  assert(static_cast<int64_t>(output.size()) >= rows * m);
  // All sequences in one kernel call (one parallel region, long token loops), each with its
  // own scale; the bias then differs per sequence, so it is passed per token.
  std::vector<int16_t> xq(static_cast<size_t>(rows * k));
  std::vector<int64_t> bias(linear.bias.empty() ? 0 : static_cast<size_t>(rows * m));
  std::vector<float> x_scales(lengths.size());
  for (size_t b = 0; b < lengths.size(); ++b) {
    const auto first = static_cast<size_t>(static_cast<int64_t>(b) * seq_len);
    const std::span<const float> x = input.subspan(first * k, static_cast<size_t>(seq_len * k));
    x_scales[b] =
        kernels::activation_scale(x.first(static_cast<size_t>(lengths[b] * k)), w.value_type);
    kernels::quantize_activations(x, x_scales[b], w.value_type,
                                  std::span(xq).subspan(first * k, x.size()));
    if (bias.empty()) continue;
    const std::vector<int64_t> q =
        kernels::quantize_bias(linear.bias, w.row_scales, x_scales[b], w.value_type);
    for (int64_t t = 0; t < seq_len; ++t)
      std::copy(q.begin(), q.end(), bias.begin() + static_cast<std::ptrdiff_t>((first + t) * m));
  }
  std::vector<int64_t> acc(static_cast<size_t>(rows * m));
  kernels::linear_fixed(w, xq, rows, bias, acc, threads);
  std::vector<float> token_scales(static_cast<size_t>(rows));
  for (int64_t t = 0; t < rows; ++t)
    token_scales[static_cast<size_t>(t)] = x_scales[static_cast<size_t>(t / seq_len)];
  kernels::dequantize_accumulators(acc, m, w.row_scales, token_scales,
                                   output.first(static_cast<size_t>(rows * m)));
}

}  // namespace fitformer::runtime
