// Dense fp32 GEMM through oneDNN (dnnl_sgemm), the baseline of every sparse kernel.
#include <fmt/format.h>
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>

#include "core/error.h"
#include "kernels/spmm.h"

namespace fitformer::kernels {

void gemm_dense_f32(const format::DenseMatrix& w, std::span<const float> x, int64_t n,
                    std::span<float> y, int threads) {
  if (w.vals.size() != static_cast<size_t>(w.rows * w.cols) || n < 1 ||
      x.size() != static_cast<size_t>(w.cols * n) || y.size() != static_cast<size_t>(w.rows * n) ||
      threads < 1) {
    throw Error(
        "", "w, x, y, n, threads", "M x K, K x N and M x N values, N >= 1, threads >= 1",
        fmt::format("{}, {}, {}, N {}, threads {}", w.vals.size(), x.size(), y.size(), n, threads));
  }
  // Debian's oneDNN threads with OpenMP and takes its team size from omp_get_max_threads.
  const int before = omp_get_max_threads();
  omp_set_num_threads(threads);
  // Row-major Y[M x N] = W[M x K] · X[K x N].
  const dnnl_status_t status = dnnl_sgemm('N', 'N', w.rows, n, w.cols, 1.0f, w.vals.data(), w.cols,
                                          x.data(), n, 0.0f, y.data(), n);
  omp_set_num_threads(before);
  if (status != dnnl_success) {
    throw Error("", "dnnl_sgemm", "dnnl_success",
                fmt::format("status {}", static_cast<int>(status)));
  }
}

}  // namespace fitformer::kernels
