// Little-endian bit streams for HPF's in-bank offsets (DESIGN.md §3): field t of width w
// occupies stream bits [t*w, (t+1)*w), and stream bit p is bit p % 8 of byte p / 8. Fields
// are at most 16 bits wide (bank width <= 65536).
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

namespace fitformer::format {

// Bytes holding `count` fields of `bits` bits: ceil(count * bits / 8).
inline int64_t packed_bytes(int64_t count, int bits) {
  return (count * bits + 7) / 8;
}

// Writes value (< 2^bits) as field `index`; the stream must already hold the field.
inline void put_field(std::span<uint8_t> stream, int64_t index, int bits, uint32_t value) {
  int64_t bit = index * bits;
  for (int done = 0; done < bits;) {
    const int64_t byte = bit / 8;
    const int shift = static_cast<int>(bit % 8);
    const int take = std::min(bits - done, 8 - shift);
    const uint32_t part = (value >> done) & ((1u << take) - 1u);
    stream[static_cast<size_t>(byte)] = static_cast<uint8_t>(
        (stream[static_cast<size_t>(byte)] & ~(((1u << take) - 1u) << shift)) | (part << shift));
    done += take;
    bit += take;
  }
}

// Reads field `index` of `bits` bits (0 when bits is 0).
inline uint32_t get_field(std::span<const uint8_t> stream, int64_t index, int bits) {
  if (bits == 0) return 0;
  const int64_t bit = index * bits;
  const int64_t first = bit / 8;
  const int64_t last = (bit + bits - 1) / 8;
  uint32_t window = 0;
  for (int64_t b = last; b >= first; --b) window = (window << 8) | stream[static_cast<size_t>(b)];
  return (window >> (bit % 8)) & ((1u << bits) - 1u);
}

}  // namespace fitformer::format
