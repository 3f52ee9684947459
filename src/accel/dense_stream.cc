// The dense design's quantized weights, stream port and off-chip image (layout in
// dense_stream.h).
#include "accel/dense_stream.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/indexing.h"

namespace fitformer::accel {
DenseMatrix quantize_dense(std::span<const float> w, int64_t rows, int64_t cols,
                           Precision precision, format::ScaleMode scale_mode) {
  if (rows < 1 || cols < 1 || w.size() != at(rows * cols)) {
    throw Error("", "weights", fmt::format("{} x {} values", rows, cols),
                fmt::format("{}", w.size()));
  }
  if (precision == Precision::kFp32) throw Error("", "precision", "int8 or int16", "fp32");
  const int32_t qmax = precision_qmax(precision);
  DenseMatrix d{rows, cols, precision, scale_mode, {}, {}};
  d.values.resize(w.size());
  const bool per_row = scale_mode == format::ScaleMode::kPerRow;
  auto max_abs = [&](int64_t r0, int64_t r1) {
    float m = 0;
    for (int64_t i = r0 * cols; i < r1 * cols; ++i) m = std::max(m, std::fabs(w[at(i)]));
    return m;
  };
  if (!per_row) d.scales.push_back(format::symmetric_scale(max_abs(0, rows), qmax));
  for (int64_t r = 0; r < rows; ++r) {
    if (per_row) d.scales.push_back(format::symmetric_scale(max_abs(r, r + 1), qmax));
    const float s = d.scales.back();
    for (int64_t k = 0; k < cols; ++k) {
      d.values[at(r * cols + k)] =
          static_cast<int16_t>(format::quantize_symmetric(w[at(r * cols + k)], s, qmax));
    }
  }
  return d;
}

int64_t dense_beat_bytes(const AccelSpec& spec) {
  const int64_t p = spec.pes;
  const double per_cycle = offchip_bytes_per_cycle(spec);
  const int64_t cap = 4 * (p & -p);
  int64_t beat = 1;
  while (beat < cap && static_cast<double>(beat) < per_cycle) beat *= 2;
  const int64_t group = spec.banks * precision_bytes(spec.precision);
  auto fits = [&](int64_t b) { return (p * group) % b == 0 && (group - 1 + b) / group <= p; };
  while (beat > 1 && !fits(beat)) beat /= 2;
  return beat;
}

RtlLayer dense_layer(const AccelSpec& spec, int64_t rows, int64_t cols, bool bias,
                     bool per_row_requant) {
  RtlLayer l;
  l.rows = rows;
  l.cols = cols;
  l.k1 = rows;
  l.n = bank_width(spec);
  l.blocks = ceil_div(cols, spec.block_cols);
  l.rounds = ceil_div(rows, spec.pes);
  l.out_banks = spec.pes;
  l.q_rows = l.rounds;
  l.bias = bias;
  l.per_row_requant = per_row_requant;
  l.rows_bytes = 0;
  l.block_buffer_bytes = l.rounds * spec.pes * spec.block_cols * precision_bytes(spec.precision);
  l.block_bytes = l.block_buffer_bytes;
  l.first_extra_bytes = (bias ? l.q_rows * spec.pes * rtl_bias_bytes(spec.precision) : 0) +
                        (per_row_requant ? l.q_rows * spec.pes * 8 : 0);
  return l;
}

RtlWeightImage dense_image(const AccelSpec& spec, const DenseMatrix& w,
                           std::span<const int64_t> bias,
                           std::span<const kernels::Requant> requant) {
  validate_spec(spec);
  if (w.precision != spec.precision || w.values.size() != at(w.rows * w.cols)) {
    throw Error("", "weights",
                fmt::format("{} dense values, rows x cols of them", precision_name(spec.precision)),
                fmt::format("{}, {} values for {} x {}", precision_name(w.precision),
                            w.values.size(), w.rows, w.cols));
  }
  const RtlLayer layer = dense_layer(spec, w.rows, w.cols, !bias.empty(), !requant.empty());
  const int64_t p = spec.pes, bw = bank_width(spec), bc = spec.block_cols;
  const int64_t vbytes = precision_bytes(spec.precision);
  RtlWeightImage img;
  img.first_extra = rtl_row_parameters(spec, w.rows, bias, requant);
  for (int64_t b = 0; b < layer.blocks; ++b) {
    std::vector<uint8_t>& out = img.blocks.emplace_back();
    out.reserve(at(layer.block_bytes));
    for (int64_t r = 0; r < layer.rounds; ++r) {
      for (int64_t c = 0; c < bw; ++c) {
        for (int64_t pe = 0; pe < p; ++pe) {
          const int64_t row = r * p + pe;
          for (int64_t j = 0; j < spec.banks; ++j) {
            const int64_t k = b * bc + j * bw + c;
            const int64_t v = row < w.rows && k < w.cols ? w.values[at(row * w.cols + k)] : 0;
            append_le(out, static_cast<uint64_t>(v), vbytes);
          }
        }
      }
    }
  }
  return img;
}

}  // namespace fitformer::accel
