// How the kernels' `_part` bodies (and the runtime's team steps around them) share a range of
// items between the threads of one OpenMP team.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>

namespace fitformer::kernels {

// Items [begin, end) of thread t of nt: contiguous, sizes differing by at most one.
inline std::pair<int64_t, int64_t> split_range(int64_t count, int t, int nt) {
  const int64_t base = count / nt, extra = count % nt;
  const int64_t begin = t * base + std::min<int64_t>(t, extra);
  return {begin, begin + base + (t < extra ? 1 : 0)};
}

}  // namespace fitformer::kernels
