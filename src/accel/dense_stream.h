// The dense baseline design's weights and off-chip stream (docs/accelerator.md (b), issue 13
// item 6): plain dense int8/int16 values with per-row or per-matrix scales, and no row indices,
// no in-bank offsets and no commit crossbar, unlike the HP design's HPF image (rtl_image.h).
//
// Array mapping (rtl/hpa_top.sv with INDEXED = 0). Output banks NB = P: PE p owns rows p, p + P,
// p + 2P, ... (bank p, word r / P). In each column block the M rows run in R = ceil(M / P)
// rounds of P PEs, round r giving row r * P + p to PE p (rows past M are dummy rows of zeros);
// a row segment takes bw = Bc / B cycles, slot c reading offset c of every input bank. So
// Q = ceil(M / NB) = R, every round's P results go to P different banks (no conflicts) and the
// row index is the round, which the commit stage counts.
//
// Image of one column block ("item"), little-endian:
//   values   R * bw * P groups of B values (W bits each), in (round, slot, PE) order: group
//            (r, c, p) holds w[r * P + p][block * Bc + j * bw + c] for bank j = 0..B-1, zero
//            past M or K
// The first item of a layer starts with the row parameters for Q * P rows (rows >= M 0), in
// the layout of rtl_image.h: bias (4 B int8, 8 B int16), then requantization (M0 uint32, shift
// uint8, 3 zero bytes), each present only when the layer has it.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "accel/accel_spec.h"
#include "accel/rtl_image.h"
#include "format/value_type.h"
#include "kernels/fixed_point.h"

namespace fitformer::accel {

// A dense matrix quantized by format/value_type.h's rule.
struct DenseMatrix {
  int64_t rows = 0, cols = 0;
  Precision precision = Precision::kInt8;
  format::ScaleMode scale_mode = format::ScaleMode::kPerRow;
  std::vector<int16_t> values;  // [rows][cols]
  std::vector<float> scales;    // `rows` entries (per row) or one (per matrix)
};

// Quantizes w [rows][cols] (fp32) to the precision (int8 or int16) with symmetric scales per
// row or per matrix. Throws Error for a size mismatch or fp32.
DenseMatrix quantize_dense(std::span<const float> w, int64_t rows, int64_t cols,
                           Precision precision, format::ScaleMode scale_mode);

// Bytes per beat of the dense design's stream port: the smallest power of two covering the
// off-chip bytes per cycle, at most 4 x the largest power of two dividing P (so the bias and
// requantization sections, of Q * P * 4, 8 or 8 bytes, end on a beat boundary), lowered until
// the values section does too (P x B x W / 8 bytes a multiple of the beat) and a beat completes
// at most one value group per PE.
int64_t dense_beat_bytes(const AccelSpec& spec);

// One layer of the dense design as the array runs it: k1 = M, n = bw, rounds R = Q =
// ceil(M / P), out_banks P, rows_bytes 0, block_bytes = R * P * Bc * W / 8 (the values), the
// first block's row parameters as described above. Feeds rtl_descriptor unchanged.
RtlLayer dense_layer(const AccelSpec& spec, int64_t rows, int64_t cols, bool bias,
                     bool per_row_requant);

// The image above; bias empty or M entries (quantized), requant empty or M entries. Throws
// Error naming the field on a mismatch (precision, sizes).
RtlWeightImage dense_image(const AccelSpec& spec, const DenseMatrix& w,
                           std::span<const int64_t> bias,
                           std::span<const kernels::Requant> requant);

}  // namespace fitformer::accel
