// The whole-call entry points of spmm_fused.h: shape checks once, then one OpenMP team running
// the `_part` bodies of spmm_tile_simd.cc; and the float quantization rule in scalar form.
#include "kernels/spmm_fused.h"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <cmath>

#include "format/value_type.h"
#include "kernels/require.h"
#include "kernels/spmm_internal.h"

namespace fitformer::kernels {
namespace {

void check_fused(const PreparedHpf& w, format::ValueType type, size_t x_size, int64_t n,
                 size_t y_size, const SpmmEpilogue& e, int threads) {
  const auto& h = w.header;
  require(h.value_type == type, "w", fmt::format("value type {}", format::value_type_name(type)),
          std::string(format::value_type_name(h.value_type)));
  require(w.row_segments.size() == static_cast<size_t>(h.rows + 1), "w",
          "a matrix built by prepare_hpf", "other sizes");
  require(n >= 1, "n", "at least 1", std::to_string(n));
  require(x_size == static_cast<size_t>(h.cols * n), "x",
          fmt::format("{} values (K x N)", h.cols * n), std::to_string(x_size));
  require(y_size == static_cast<size_t>(h.rows * n), "y",
          fmt::format("{} values (M x N)", h.rows * n), std::to_string(y_size));
  require(e.bias.empty() || e.bias.size() == static_cast<size_t>(h.rows), "bias",
          fmt::format("0 or {} values", h.rows), std::to_string(e.bias.size()));
  require(e.residual.empty() || e.residual.size() == y_size, "residual",
          fmt::format("0 or {} values (M x N)", y_size), std::to_string(e.residual.size()));
  require(threads >= 1, "threads", "at least 1", std::to_string(threads));
}

}  // namespace

QuantizedFloatRule quantize_activations_float(std::span<const float> x, float max_abs) {
  QuantizedFloatRule q;
  q.scale = format::symmetric_scale(max_abs, 127);
  const float inv = 1.0f / q.scale;
  q.values.resize(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    const float p = x[i] * inv;
    const int magnitude = std::min(static_cast<int>(std::fabs(p) + 0.5f), 127);
    q.values[i] = static_cast<int8_t>(std::signbit(p) ? -magnitude : magnitude);
  }
  return q;
}

void size_quads(int64_t cols, int64_t n, int64_t block_cols, ActivationQuads& q) {
  require(cols >= 1 && n >= 1 && block_cols >= 1, "x", "K, N and Bc >= 1",
          fmt::format("K {} N {} Bc {}", cols, n, block_cols));
  q.cols = cols;
  q.n = n;
  q.padded_n = (n + 15) / 16 * 16;
  q.block_cols = block_cols;
  q.blocks = (cols + block_cols - 1) / block_cols;
  q.quads = (block_cols + 3) / 4;
  q.values.resize(static_cast<size_t>(q.blocks * q.quads * q.padded_n));
}

ActivationQuads quantize_quads(std::span<const float> x, int64_t cols, int64_t n,
                               int64_t block_cols, float max_abs, int threads) {
  ActivationQuads q;
  size_quads(cols, n, block_cols, q);
  require(x.size() == static_cast<size_t>(cols * n), "x",
          fmt::format("{} values (K x N)", cols * n), std::to_string(x.size()));
  require(threads >= 1, "threads", "at least 1", std::to_string(threads));
#pragma omp parallel num_threads(threads)
  quantize_quads_part(x, max_abs, q, omp_get_thread_num(), omp_get_num_threads());
  return q;
}

void spmm_hpf_f32_fused(const PreparedHpf& w, std::span<const float> x, int64_t n,
                        std::span<float> y, const SpmmEpilogue& epilogue, int threads) {
  check_fused(w, format::ValueType::kF32, x.size(), n, y.size(), epilogue, threads);
#pragma omp parallel num_threads(threads)
  spmm_hpf_f32_fused_part(w, x.data(), n, y.data(), epilogue, omp_get_thread_num(),
                          omp_get_num_threads());
}

void spmm_hpf_i8_fused(const PreparedHpf& w, const ActivationQuads& x, std::span<float> y,
                       const SpmmEpilogue& epilogue, int threads) {
  check_fused(w, format::ValueType::kI8, static_cast<size_t>(x.cols * x.n), x.n, y.size(), epilogue,
              threads);
  require(x.cols == w.header.cols && x.block_cols == w.header.block_cols &&
              x.values.size() == static_cast<size_t>(x.blocks * x.quads * x.padded_n),
          "x", fmt::format("quads of K {} under Bc {}", w.header.cols, w.header.block_cols),
          fmt::format("K {} Bc {}", x.cols, x.block_cols));
#pragma omp parallel num_threads(threads)
  spmm_hpf_i8_fused_part(w, x, y.data(), epilogue, omp_get_thread_num(), omp_get_num_threads());
}

void spmm_hpf_i8_fused(const PreparedHpf& w, std::span<const float> x, float x_max_abs, int64_t n,
                       std::span<float> y, const SpmmEpilogue& epilogue, int threads) {
  check_fused(w, format::ValueType::kI8, x.size(), n, y.size(), epilogue, threads);
  spmm_hpf_i8_fused(w, quantize_quads(x, w.header.cols, n, w.header.block_cols, x_max_abs, threads),
                    y, epilogue, threads);
}

}  // namespace fitformer::kernels
