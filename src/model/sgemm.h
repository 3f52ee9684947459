// The one wrapper of oneDNN's row-major GEMM that the dense engine and the runtime's dense
// steps call.
#pragma once

#include <cstdint>

namespace fitformer::model {

// C (m x n) = alpha op(A) op(B) + beta C, row-major, op = transpose where trans is 'T' (as
// dnnl_sgemm). Only bad dimensions make it fail, a caller's bug: std::logic_error.
void sgemm(char transa, char transb, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
           int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

}  // namespace fitformer::model
