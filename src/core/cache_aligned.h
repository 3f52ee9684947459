// A std::vector whose data starts on a 64-byte cache line. The SpMM reads an X tile in place
// (no copy) only when X is line-aligned (kernels/spmm_tile_simd.cc); a plain vector's buffer
// starts wherever malloc puts it (16 bytes past a page for the large ones here).
#pragma once

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>
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

// The same allocator, except that resize() leaves new elements default-initialized (for
// int and float: unset) instead of zeroed: for buffers whose every element is written before it
// is read, where zeroing would be a second pass over memory on every call.
template <class T>
struct UnsetCacheAlignedAllocator : CacheAlignedAllocator<T> {
  template <class U>
  struct rebind {
    using other = UnsetCacheAlignedAllocator<U>;
  };
  UnsetCacheAlignedAllocator() = default;
  template <class U>
  constexpr UnsetCacheAlignedAllocator(const UnsetCacheAlignedAllocator<U>&) noexcept {}
  template <class U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

template <class T>
using UnsetCacheAlignedVector = std::vector<T, UnsetCacheAlignedAllocator<T>>;

}  // namespace fitformer
