// The runtime Linear: oneDNN for dense layers, the HPF kernels for pruned ones, with the
// layout change between the engine's token-major rows and the kernels' feature-major columns.
#include "runtime/linear.h"

#include <algorithm>
#include <cassert>
#include <stdexcept>

#include "kernels/spmm.h"
#include "runtime/transpose.h"

namespace fitformer::runtime {
namespace {

// Y (M x N) = W X for X (K x N), by the kernel of W's value type; SpMV when N = 1.
void run_hpf(const kernels::PreparedHpf& w, std::span<const float> x, int64_t n, std::span<float> y,
             int threads) {
  if (w.header.value_type == format::ValueType::kI8) {
    const kernels::QuantizedActivations xq = kernels::quantize_activations(x);
    if (n == 1) {
      kernels::spmv_hpf_i8(w, xq.values, xq.scale, y, threads);
    } else {
      kernels::spmm_hpf_i8(w, xq.values, xq.scale, n, y, threads);
    }
  } else if (n == 1) {
    kernels::spmv_hpf_f32(w, x, y, threads);
  } else {
    kernels::spmm_hpf_f32(w, x, n, y, threads);
  }
}

void apply_hpf(const HpfLinear& linear, std::span<const float> input, int64_t rows,
               std::span<float> output, LinearScratch& scratch, int threads, Layout in_layout,
               Layout out_layout) {
  const int64_t m = linear.weight.header.rows, k = linear.weight.header.cols;
  assert(static_cast<int64_t>(input.size()) >= rows * k);
  assert(static_cast<int64_t>(output.size()) >= rows * m);
  if (rows == 0) return;
  // One row is the same block in both layouts: K x 1 in, M x 1 out, no transposes.
  std::span<const float> x = input.first(static_cast<size_t>(k * rows));
  if (rows > 1 && in_layout == Layout::kTokenMajor) {
    scratch.x_cols.resize(static_cast<size_t>(k * rows));
    transpose(input.data(), rows, k, {}, scratch.x_cols.data());
    x = scratch.x_cols;
  }
  if (rows > 1 && out_layout == Layout::kTokenMajor) {
    scratch.y_cols.resize(static_cast<size_t>(m * rows));
    run_hpf(linear.prepared, x, rows, scratch.y_cols, threads);
    transpose(scratch.y_cols.data(), m, rows, linear.bias, output.data());
    return;
  }
  const std::span<float> y = output.first(static_cast<size_t>(m * rows));
  run_hpf(linear.prepared, x, rows, y, threads);
  if (linear.bias.empty()) return;
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t r = 0; r < rows; ++r) y[i * rows + r] += linear.bias[i];
  }
}

}  // namespace

HpfLinear make_hpf_linear(format::hpf::Matrix weight, std::vector<float> bias) {
  kernels::PreparedHpf prepared = kernels::prepare_hpf(weight);
  return HpfLinear{std::move(weight), std::move(bias), std::move(prepared)};
}

int64_t out_features(const Linear& linear) {
  if (const auto* hpf = std::get_if<HpfLinear>(&linear)) return hpf->weight.header.rows;
  return std::get<model::Linear>(linear).out_features;
}

int64_t in_features(const Linear& linear) {
  if (const auto* hpf = std::get_if<HpfLinear>(&linear)) return hpf->weight.header.cols;
  return std::get<model::Linear>(linear).in_features;
}

void apply_linear(const Linear& linear, std::span<const float> input, int64_t rows,
                  std::span<float> output, LinearScratch& scratch, int threads, Layout input_layout,
                  Layout output_layout) {
  if (const auto* hpf = std::get_if<HpfLinear>(&linear)) {
    apply_hpf(*hpf, input, rows, output, scratch, threads, input_layout, output_layout);
    return;
  }
  if (input_layout != Layout::kTokenMajor || output_layout != Layout::kTokenMajor) {
    throw std::logic_error("runtime::apply_linear: a dense Linear takes token-major blocks only");
  }
  model::apply_linear(std::get<model::Linear>(linear), input, rows, output);
}

}  // namespace fitformer::runtime
