// Content hashes that name cached results: the same inputs give the same key on any machine.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace fitformer {

// Incremental 128-bit hash (XXH3) over a sequence of tagged parts. Each part is written
// with its length, so ("ab","c") and ("a","bc") differ.
class ContentHash {
 public:
  ContentHash();
  ~ContentHash();
  ContentHash(const ContentHash&) = delete;
  ContentHash& operator=(const ContentHash&) = delete;

  ContentHash& add(std::string_view bytes);
  ContentHash& add(int64_t value);
  ContentHash& add(double value);
  // Adds the whole contents of a file; throws Error if it cannot be read.
  ContentHash& add_file(const std::string& path);

  // 32 lowercase hex digits.
  std::string hex() const;

 private:
  void* state_;  // XXH3_state_t, kept out of this header
};

}  // namespace fitformer
