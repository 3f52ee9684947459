// sgemm: dnnl_sgemm with its status turned into an exception.
#include "model/sgemm.h"

#include <dnnl.h>

#include <stdexcept>
#include <string>

namespace fitformer::model {

void sgemm(char transa, char transb, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
           int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  const dnnl_status_t status =
      dnnl_sgemm(transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  if (status != dnnl_success) {
    throw std::logic_error("dnnl_sgemm failed with status " + std::to_string(status));
  }
}

}  // namespace fitformer::model
