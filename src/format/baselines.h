// The formats HPF is compared against (DESIGN.md §3), each packed from a keep-mask over an
// M x K row-major matrix, decodable to dense for tests, and reporting its exact size. Values
// are kept as fp32; bytes(value_bytes) counts them at any width (4 = fp32, 1 = int8) so that
// sizes compare with HPF at the same precision. Index widths are fixed per format and
// written next to each; every count includes all index and pointer arrays.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "sparsity/mask.h"

namespace fitformer::format {

// All M * K values.
struct DenseMatrix {
  int64_t rows = 0, cols = 0;
  std::vector<float> vals;
  int64_t bytes(int64_t value_bytes = 4) const { return rows * cols * value_bytes; }
};
// The masked weights (pruned ones zeroed).
DenseMatrix pack_dense(std::span<const float> weights, const sparsity::Mask& mask);

// Compressed sparse rows: row_ptr[M + 1] and col_idx[nnz] as int32, vals[nnz].
struct CsrMatrix {
  int64_t rows = 0, cols = 0;
  std::vector<int32_t> row_ptr, col_idx;
  std::vector<float> vals;
  int64_t nnz() const { return static_cast<int64_t>(vals.size()); }
  int64_t bytes(int64_t value_bytes = 4) const {
    return 4 * (rows + 1) + (4 + value_bytes) * nnz();
  }
};
CsrMatrix pack_csr(std::span<const float> weights, const sparsity::Mask& mask);

// Block CSR: the grid of Br x Bc blocks (ragged at the bottom and right), a block stored
// densely (Br * Bc values, padding included) when it holds any kept weight; block_row_ptr
// [ceil(M/Br) + 1] and block_col[blocks] as int32.
struct BcsrMatrix {
  int64_t rows = 0, cols = 0, block_rows = 4, block_cols = 4;
  std::vector<int32_t> block_row_ptr, block_col;
  std::vector<float> vals;  // [stored blocks][Br][Bc]
  int64_t bytes(int64_t value_bytes = 4) const {
    return 4 * static_cast<int64_t>(block_row_ptr.size() + block_col.size()) +
           value_bytes * static_cast<int64_t>(vals.size());
  }
};
BcsrMatrix pack_bcsr(std::span<const float> weights, const sparsity::Mask& mask, int64_t block_rows,
                     int64_t block_cols);

// CSB, the bank-balanced format of Cao et al. (FPGA 2019): every row is cut into banks of
// width bw; every bank stores the same n = (largest kept count of any bank) values and their
// in-bank indices of ceil(log2 bw) bits, bit-packed; shorter banks are padded with value 0
// and index 0. No row pointers (balance makes them implicit); n is a 16-bit header field.
struct CsbMatrix {
  int64_t rows = 0, cols = 0, bank_width = 8, n = 0;
  std::vector<float> vals;       // [M][ceil(K / bw)][n]
  std::vector<uint8_t> indices;  // packed, same order
  int index_bits() const;
  int64_t bytes(int64_t value_bytes = 4) const {
    return 2 + value_bytes * static_cast<int64_t>(vals.size()) +
           static_cast<int64_t>(indices.size());
  }
};
CsbMatrix pack_csb(std::span<const float> weights, const sparsity::Mask& mask, int64_t bank_width);

// CBR (column-balanced block rows): per column block of width Bc, the rows holding any kept
// weight, each stored as a dense segment of the block's real width; block_ptr[blocks + 1]
// int32, row indices uint16.
struct CbrMatrix {
  int64_t rows = 0, cols = 0, block_cols = 64;
  std::vector<int32_t> block_ptr;
  std::vector<uint16_t> row_idx;
  std::vector<float> vals;  // segments in block order, each min(Bc, K - block start) wide
  int64_t bytes(int64_t value_bytes = 4) const {
    return 4 * static_cast<int64_t>(block_ptr.size()) + 2 * static_cast<int64_t>(row_idx.size()) +
           value_bytes * static_cast<int64_t>(vals.size());
  }
};
CbrMatrix pack_cbr(std::span<const float> weights, const sparsity::Mask& mask, int64_t block_cols);

// Dense M x K matrices decoded from each format.
std::vector<float> to_dense(const CsrMatrix& m);
std::vector<float> to_dense(const BcsrMatrix& m);
std::vector<float> to_dense(const CsbMatrix& m);
std::vector<float> to_dense(const CbrMatrix& m);

}  // namespace fitformer::format
