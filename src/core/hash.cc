// ContentHash on top of libxxhash's streaming XXH3-128.
#include "core/hash.h"

#include <xxhash.h>

#include <cstring>
#include <fstream>
#include <vector>

#include "core/error.h"

namespace fitformer {
namespace {

XXH3_state_t* state_of(void* p) {
  return static_cast<XXH3_state_t*>(p);
}

}  // namespace

ContentHash::ContentHash() : state_(XXH3_createState()) {
  if (state_ == nullptr) throw std::bad_alloc();
  XXH3_128bits_reset(state_of(state_));
}

ContentHash::~ContentHash() {
  XXH3_freeState(state_of(state_));
}

ContentHash& ContentHash::add(std::string_view bytes) {
  const uint64_t size = bytes.size();
  XXH3_128bits_update(state_of(state_), &size, sizeof size);
  XXH3_128bits_update(state_of(state_), bytes.data(), bytes.size());
  return *this;
}

ContentHash& ContentHash::add(int64_t value) {
  return add(std::string_view(reinterpret_cast<const char*>(&value), sizeof value));
}

ContentHash& ContentHash::add(double value) {
  return add(std::string_view(reinterpret_cast<const char*>(&value), sizeof value));
}

ContentHash& ContentHash::add_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path, "", "a readable file", "cannot open it");
  std::vector<char> buffer(1 << 20);
  uint64_t total = 0;
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto got = static_cast<size_t>(in.gcount());
    XXH3_128bits_update(state_of(state_), buffer.data(), got);
    total += got;
  }
  if (in.bad()) throw Error(path, "", "a readable file", "a read error");
  XXH3_128bits_update(state_of(state_), &total, sizeof total);
  return *this;
}

std::string ContentHash::hex() const {
  const XXH128_hash_t h = XXH3_128bits_digest(state_of(state_));
  char out[33];
  std::snprintf(out, sizeof out, "%016llx%016llx", static_cast<unsigned long long>(h.high64),
                static_cast<unsigned long long>(h.low64));
  return out;
}

}  // namespace fitformer
