// HPF, the hierarchical-pruning storage format (DESIGN.md §3): what a pruned linear layer's
// weights become between sparsity/ (the mask) and kernels/ (the SpMM that runs it).
//
// Layout, for an M x K weight matrix (rows = outputs, PyTorch's Linear.weight layout) cut
// into blocks = ceil(K / Bc) column blocks, each of B banks of width bw = Bc / B:
//   rows [blocks][k1]         kept-row indices, uint16, strictly ascending within a block
//   vals [blocks][k1][B][n]   values of the kept weights of each kept row segment
//   offs [blocks][k1][B][n]   each an offset in [0, bw) inside its bank, ceil(log2 bw) bits
//                             (0 bits when bw = 1), bit-packed as in bit_pack.h
//   scales                    none (fp32, fp16), 1 (per-matrix) or M (per-row) fp32 scales
// Within a bank the used slots come first, in ascending offset order.
//
// Padding rule (sparsity/mask.h). When Bc does not divide K, the last column block is read
// as padded with zero columns: a bank that is cut short keeps min(n, real width) weights and
// a bank wholly in the padding keeps none. Every block still stores k1 rows and B * n slots
// per row so that all stored shapes stay uniform; an unused slot holds value 0 and offset 0.
// Kernels therefore must not touch banks whose first column is >= K (offset 0 of such a
// bank points past the matrix); slots of a partial bank are safe (offset 0 is a real column
// and the value is 0).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "format/value_type.h"
#include "sparsity/mask.h"
#include "sparsity/patterns.h"

namespace fitformer::format::hpf {

// Serialized header: M, K, k1 as uint32; Bc, B, n as uint16; value type and scale mode as
// one byte each (20 bytes), counted by Matrix::bytes().
inline constexpr int64_t kHeaderBytes = 20;
// rows are uint16, so M may be at most this.
inline constexpr int64_t kMaxRows = 65536;

struct Header {
  int64_t rows = 0;         // M
  int64_t cols = 0;         // K
  int64_t block_cols = 64;  // Bc
  int64_t banks = 8;        // B; divides Bc
  int64_t n = 0;            // kept weights per bank, 1..bw
  int64_t k1 = 0;           // kept row segments per column block, 1..M
  ValueType value_type = ValueType::kF32;
  ScaleMode scale_mode = ScaleMode::kPerMatrix;  // per-matrix for fp32 and fp16

  bool operator==(const Header&) const = default;
};

struct Matrix {
  Header header;
  std::vector<uint16_t> rows;
  // Exactly one of these holds blocks * k1 * B * n values, the one of header.value_type.
  std::vector<float> vals_f32;
  std::vector<uint16_t> vals_f16;  // IEEE binary16 bits
  std::vector<int16_t> vals_i16;
  std::vector<int8_t> vals_i8;
  std::vector<uint8_t> offs;  // packed_bytes(slots(), offset_bits()) bytes
  std::vector<float> scales;  // empty (float types), 1 or M

  int64_t blocks() const;             // ceil(K / Bc)
  int64_t bank_width() const;         // Bc / B
  int offset_bits() const;            // ceil(log2(bank_width))
  int64_t slots_per_segment() const;  // B * n
  int64_t slots() const;              // blocks * k1 * B * n
  // Banks of column block `block` that hold real columns: B except in a ragged last block.
  int64_t real_banks(int64_t block) const;
  // Offset of slot `slot` (flat index in [blocks][k1][B][n] order).
  int64_t offset(int64_t slot) const;
  // Value of a slot as fp32, dequantized with its row's scale.
  float value(int64_t slot, int64_t row) const;
  // Scale applied to row r's integers (1 for the float types).
  float row_scale(int64_t row) const;
  // Exact storage: header + 2 * rows + value bytes + packed offsets + 4 * scales.
  int64_t bytes() const;

  bool operator==(const Matrix&) const = default;
};

// Checks every invariant of the layout above (sizes, geometry, ascending rows < M, offsets
// < bw, ascending used offsets within a bank, zero unused slots, finite positive scales) and
// throws Error(file, field, ...) with field "<name>.<part>" at the first violation.
void validate(const Matrix& matrix, const std::string& file, const std::string& name);

}  // namespace fitformer::format::hpf

namespace fitformer::format {

// Packs the kept weights of an M x K row-major matrix. `mask` must be exactly what
// sparsity::hp_mask would give for (rows, cols, params) in structure: per column block k1
// rows hold weights and each of their banks holds min(n, real width) of them, with (k1, n)
// from sparsity::hp_counts(rows, params); otherwise Error naming "mask" and the block, row
// and bank at fault. Integer types quantize per value_type.h; fp32/fp16 ignore `scale`.
// Throws Error for M > 65536 or mismatched sizes.
hpf::Matrix pack_hpf(std::span<const float> weights, int64_t rows, int64_t cols,
                     const sparsity::Mask& mask, const sparsity::HpParams& params,
                     ValueType value_type = ValueType::kF32,
                     ScaleMode scale = ScaleMode::kPerMatrix);

// The dense M x K matrix the format stores (pruned weights 0), dequantized.
std::vector<float> hpf_to_dense(const hpf::Matrix& matrix);

}  // namespace fitformer::format
