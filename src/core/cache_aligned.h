// A std::vector whose data starts on a 64-byte cache line. The SpMM reads an X tile in place
// (no copy) only when X is line-aligned (kernels/spmm_tile_simd.cc); a plain vector's buffer
// starts wherever malloc puts it (16 bytes past a page for the large ones here).
#pragma once

#include <cstddef>
#include <new>
#include <vector>

namespace fitformer {

inline constexpr std::size_t kCacheLineBytes = 64;

template <class T>
struct CacheAlignedAllocator {
  using value_type = T;
  CacheAlignedAllocator() = default;
  template <class U>
  constexpr CacheAlignedAllocator(const CacheAlignedAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) {
    return static_cast<T*>(::operator new (n * sizeof(T), std::align_val_t{kCacheLineBytes}));
  }
  void deallocate(T* p, std::size_t) noexcept {
    ::operator delete (p, std::align_val_t{kCacheLineBytes});
  }
  template <class U>
  bool operator==(const CacheAlignedAllocator<U>&) const noexcept {
    return true;
  }
};

template <class T>
using CacheAlignedVector = std::vector<T, CacheAlignedAllocator<T>>;

}  // namespace fitformer
