// The runtime Linear: oneDNN for dense layers, the HPF kernels for pruned ones, with the
// layout change between the engine's token-major rows and the kernels' feature-major columns.
#include "runtime/linear.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <stdexcept>

#include "kernels/spmm.h"

namespace fitformer::runtime {
namespace {

// Tile edge of the transposes: a 32 x 32 fp32 tile is 4 KiB read and 4 KiB written, well
// inside L1, so neither side of the transpose strides through memory a cache line at a time.
constexpr int64_t kTile = 32;

// Four floats as one vector through GCC's (and Clang's) vector extension: SSE or NEON
// registers on any target, without an instruction-set-specific path. Inside a tile, 4 x 4
// blocks are transposed in registers (four loads, eight shuffles, four stores) instead of
// moving one float at a time: 2.5x faster on the engine's shapes (128 x 312, 128 x 1200),
// where the transposes otherwise cost about as much as the sparse kernel itself.
using Float4 = float __attribute__((vector_size(16)));

Float4 load4(const float* p) {
  Float4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

void store4(float* p, Float4 v) {
  std::memcpy(p, &v, sizeof v);
}

// dst[c * rows + r] = src[r * cols + c] + bias[r] (bias empty: + 0). Both layout changes of
// apply_hpf: token rows into the kernels' columns, and the kernel's output rows (bias per
// output feature) back to token rows.
void transpose(const float* src, int64_t rows, int64_t cols, std::span<const float> bias,
               float* dst) {
  auto bias_at = [&](int64_t r) { return bias.empty() ? 0.0f : bias[r]; };
  for (int64_t r0 = 0; r0 < rows; r0 += kTile) {
    const int64_t r1 = std::min(rows, r0 + kTile);
    for (int64_t c0 = 0; c0 < cols; c0 += kTile) {
      const int64_t c1 = std::min(cols, c0 + kTile);
      int64_t r = r0;
      for (; r + 4 <= r1; r += 4) {
        const Float4 b = bias.empty() ? Float4{0, 0, 0, 0} : load4(bias.data() + r);
        const float* s = src + r * cols;
        int64_t c = c0;
        for (; c + 4 <= c1; c += 4) {
          const Float4 a0 = load4(s + c), a1 = load4(s + cols + c), a2 = load4(s + 2 * cols + c),
                       a3 = load4(s + 3 * cols + c);
          const Float4 lo01 =
              __builtin_shufflevector(a0, a1, 0, 4, 1, 5);  // a0[0] a1[0] a0[1] a1[1]
          const Float4 hi01 = __builtin_shufflevector(a0, a1, 2, 6, 3, 7);
          const Float4 lo23 = __builtin_shufflevector(a2, a3, 0, 4, 1, 5);
          const Float4 hi23 = __builtin_shufflevector(a2, a3, 2, 6, 3, 7);
          store4(dst + c * rows + r, __builtin_shufflevector(lo01, lo23, 0, 1, 4, 5) + b);
          store4(dst + (c + 1) * rows + r, __builtin_shufflevector(lo01, lo23, 2, 3, 6, 7) + b);
          store4(dst + (c + 2) * rows + r, __builtin_shufflevector(hi01, hi23, 0, 1, 4, 5) + b);
          store4(dst + (c + 3) * rows + r, __builtin_shufflevector(hi01, hi23, 2, 3, 6, 7) + b);
        }
        for (; c < c1; ++c) {
          for (int64_t k = 0; k < 4; ++k) dst[c * rows + r + k] = s[k * cols + c] + bias_at(r + k);
        }
      }
      for (; r < r1; ++r) {
        for (int64_t c = c0; c < c1; ++c) dst[c * rows + r] = src[r * cols + c] + bias_at(r);
      }
    }
  }
}

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
