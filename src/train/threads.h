// Thread counts for libtorch on this machine: torch's intra-op pool and OpenBLAS's own pool,
// which at::set_num_threads does not reach in Debian's build (BLAS is OpenBLAS, not MKL).
#pragma once

namespace fitformer::train {

// Sets torch's intra-op threads and, when OpenBLAS is loaded, its thread count to `threads`
// (at least 1). Without the second, each GEMM wakes OpenBLAS's pool of one thread per core on
// top of torch's OpenMP team, and on a busy 2-core host a step runs several times slower.
void set_torch_threads(int threads);

}  // namespace fitformer::train
