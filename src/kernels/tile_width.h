// Turns a run-time tile width of 1..8 (token vectors, features) into the compile-time one the
// kernels' register tiles are templated on: one dispatch instead of a switch per kernel.
#pragma once

#include <cstdint>
#include <type_traits>

namespace fitformer::kernels {

// The widest register tile a kernel dispatches to (8 vectors of accumulators).
inline constexpr int kMaxTileWidth = 8;

// Calls f(std::integral_constant<int, N>{}) for N = n when 1 <= n <= kMaxTileWidth, else
// nothing. Always inlined, so that inside a Highway per-target body (or a VNNI function) the
// call to f lands in a caller compiled for that target, where f is then inlined too.
template <typename F>
__attribute__((always_inline)) inline void with_tile_width(int64_t n, F&& f) {
  switch (n) {
    case 1:
      f(std::integral_constant<int, 1>{});
      break;
    case 2:
      f(std::integral_constant<int, 2>{});
      break;
    case 3:
      f(std::integral_constant<int, 3>{});
      break;
    case 4:
      f(std::integral_constant<int, 4>{});
      break;
    case 5:
      f(std::integral_constant<int, 5>{});
      break;
    case 6:
      f(std::integral_constant<int, 6>{});
      break;
    case 7:
      f(std::integral_constant<int, 7>{});
      break;
    case 8:
      f(std::integral_constant<int, 8>{});
      break;
    default:
      break;
  }
}

}  // namespace fitformer::kernels
