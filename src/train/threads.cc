// Torch and OpenBLAS thread counts; OpenBLAS is reached through the dynamic linker so that a
// libtorch built on another BLAS still works.
#include "train/threads.h"

#include <ATen/Parallel.h>
#include <dlfcn.h>

#include <algorithm>

namespace fitformer::train {

void set_torch_threads(int threads) {
  threads = std::max(1, threads);
  at::set_num_threads(threads);
  using SetThreads = void (*)(int);
  if (void* f = ::dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))
    reinterpret_cast<SetThreads>(f)(threads);
}

}  // namespace fitformer::train
