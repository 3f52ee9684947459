// Reads safetensors files through a read-only memory map, rejecting any header that does not
// describe exactly the bytes that follow it; writes them the way the reference library does.
#include "io/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>
#include <unordered_map>

#include "core/error.h"
#include "core/files.h"
#include "io/json_reader.h"

namespace fitformer::io {
namespace {

static_assert(std::endian::native == std::endian::little,
              "safetensors is little-endian; a big-endian host needs byte swaps");

using nlohmann::json;
using ordered_json = nlohmann::ordered_json;

struct DTypeEntry {
  DType dtype;
  std::string_view name;
  size_t size;
};

// The one name table for dtypes: parsing, printing and error messages all read it.
constexpr std::array<DTypeEntry, 8> kDTypes = {{
    {DType::kF32, "F32", 4},
    {DType::kF16, "F16", 2},
    {DType::kBF16, "BF16", 2},
    {DType::kI8, "I8", 1},
    {DType::kI16, "I16", 2},
    {DType::kI32, "I32", 4},
    {DType::kI64, "I64", 8},
    {DType::kU8, "U8", 1},
}};

constexpr std::string_view kMetadataKey = "__metadata__";

std::string dtype_list() {
  std::string list;
  for (const auto& e : kDTypes) list += (list.empty() ? "" : ", ") + std::string(e.name);
  return list;
}

// "[2, 3]"; a shape of many dimensions is cut after the first few.
std::string shape_string(std::span<const int64_t> shape) {
  constexpr size_t kShown = 8;
  std::string s = "[";
  for (size_t i = 0; i < std::min(shape.size(), kShown); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() > kShown ? ", ...]" : "]");
}

uint64_t read_u64_le(const std::byte* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// A read-only private mapping of a whole file; unmapped on destruction.
struct Mapping {
  const std::byte* data = nullptr;
  size_t size = 0;

  Mapping() = default;
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping() {
    if (data != nullptr) ::munmap(const_cast<std::byte*>(data), size);
  }
};

void map_file(const std::filesystem::path& file, Mapping& mapping) {
  const RegularFile opened(file);  // refuses a FIFO, device or folder without blocking
  mapping.size = opened.size();
  if (mapping.size < 8) {
    throw Error(file.string(), "header length", "at least 8 bytes in the file",
                std::to_string(mapping.size) + " bytes");
  }
  void* p = ::mmap(nullptr, mapping.size, PROT_READ, MAP_PRIVATE, opened.fd(), 0);
  if (p == MAP_FAILED) throw Error(file.string(), "", "a mappable file", std::strerror(errno));
  mapping.data = static_cast<const std::byte*>(p);  // the mapping keeps the file alive
}

// Reads one non-negative JSON integer that must fit in int64; `what` names it in errors.
int64_t read_count(const json& value, const std::string& file, const std::string& what) {
  if (value.is_number_unsigned() &&
      value.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return static_cast<int64_t>(value.get<uint64_t>());
  }
  throw Error(file, what, "a non-negative integer", describe_json(value));
}

TensorInfo parse_entry(const std::string& file, const std::string& name, const json& entry,
                       std::span<const std::byte> data, uint64_t offsets[2]) {
  if (!entry.is_object())
    throw Error(file, name, "an object {dtype, shape, data_offsets}", describe_json(entry));
  for (const auto& [key, value] : entry.items()) {
    if (key != "dtype" && key != "shape" && key != "data_offsets") {
      throw Error(file, name + "." + key, "only the fields dtype, shape, data_offsets",
                  "an unknown field");
    }
  }
  for (const char* key : {"dtype", "shape", "data_offsets"}) {
    if (!entry.contains(key)) throw Error(file, name + "." + key, "a value", "it missing");
  }
  TensorInfo info;
  info.name = name;

  const json& dtype = entry["dtype"];
  const auto it =
      dtype.is_string()
          ? std::find_if(kDTypes.begin(), kDTypes.end(),
                         [&](const DTypeEntry& e) { return e.name == dtype.get<std::string>(); })
          : kDTypes.end();
  if (it == kDTypes.end())
    throw Error(file, name + ".dtype", "one of " + dtype_list(), describe_json(dtype));
  info.dtype = it->dtype;

  const json& shape = entry["shape"];
  if (!shape.is_array())
    throw Error(file, name + ".shape", "an array of sizes", describe_json(shape));
  // The element count, and the byte count, must fit in 64 bits even when a zero size makes
  // the tensor empty: numel() over such a shape would overflow before reaching the zero.
  uint64_t nonzero_numel = 1;
  bool has_zero = false;
  for (const json& dim : shape) {
    const int64_t d = read_count(dim, file, name + ".shape");
    info.shape.push_back(d);
    if (d == 0) {
      has_zero = true;
    } else if (__builtin_mul_overflow(nonzero_numel, static_cast<uint64_t>(d), &nonzero_numel) ||
               nonzero_numel >
                   static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) / it->size) {
      throw Error(file, name + ".shape", "sizes whose product fits in 64 bits (as bytes)",
                  shape_string(info.shape) + "...");
    }
  }
  const uint64_t numel = has_zero ? 0 : nonzero_numel;

  const json& offs = entry["data_offsets"];
  if (!offs.is_array() || offs.size() != 2) {
    throw Error(file, name + ".data_offsets", "an array [begin, end]", describe_json(offs));
  }
  offsets[0] = static_cast<uint64_t>(read_count(offs[0], file, name + ".data_offsets"));
  offsets[1] = static_cast<uint64_t>(read_count(offs[1], file, name + ".data_offsets"));
  if (offsets[0] > offsets[1] || offsets[1] > data.size()) {
    throw Error(file, name + ".data_offsets",
                "begin <= end <= " + std::to_string(data.size()) + " (the data size)",
                describe_json(offs));
  }
  const uint64_t bytes = offsets[1] - offsets[0];
  if (numel * it->size != bytes) {
    throw Error(file, name,
                "a byte count of numel(" + shape_string(info.shape) + ") * " +
                    std::to_string(it->size) + " matching data_offsets",
                std::to_string(bytes) + " bytes");
  }
  info.bytes = data.subspan(offsets[0], bytes);
  return info;
}

}  // namespace

std::string_view dtype_name(DType dtype) {
  for (const auto& e : kDTypes) {
    if (e.dtype == dtype) return e.name;
  }
  return "?";
}

size_t dtype_size(DType dtype) {
  for (const auto& e : kDTypes) {
    if (e.dtype == dtype) return e.size;
  }
  return 0;
}

float f16_to_f32(uint16_t bits) {
  const uint32_t sign = static_cast<uint32_t>(bits & 0x8000u) << 16;
  uint32_t exponent = (bits >> 10) & 0x1fu;
  uint32_t mantissa = bits & 0x3ffu;
  uint32_t out;
  if (exponent == 0x1f) {  // inf or NaN: keep the payload, widened
    out = sign | 0x7f800000u | (mantissa << 13);
  } else if (exponent != 0) {  // normal: rebias 15 -> 127
    out = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    out = sign;
  } else {
    // Subnormal mantissa * 2^-24: shift until the implicit bit appears; each shift lowers
    // the exponent by one from that of the smallest normal, 2^-14.
    int e = -14;
    while ((mantissa & 0x400u) == 0) {
      mantissa <<= 1;
      --e;
    }
    out = sign | (static_cast<uint32_t>(e + 127) << 23) | ((mantissa & 0x3ffu) << 13);
  }
  return std::bit_cast<float>(out);
}

float bf16_to_f32(uint16_t bits) {
  // bfloat16 is the top half of an fp32, so every case (subnormal, inf, NaN) is a shift.
  return std::bit_cast<float>(static_cast<uint32_t>(bits) << 16);
}

int64_t TensorInfo::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (__builtin_mul_overflow(n, d, &n)) {
      throw Error("", name, "a shape whose element count fits in 64 bits", shape_string(shape));
    }
  }
  return n;
}

struct SafeTensorsFile::Impl {
  std::filesystem::path path;
  Mapping mapping;    // the file's bytes (open) ...
  std::string owned;  // ... or bytes handed over (parse)
  std::map<std::string, std::string> metadata;
  std::vector<TensorInfo> tensors;
  std::unordered_map<std::string, size_t> index;
};

SafeTensorsFile::SafeTensorsFile(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SafeTensorsFile::SafeTensorsFile(SafeTensorsFile&&) noexcept = default;
SafeTensorsFile& SafeTensorsFile::operator=(SafeTensorsFile&&) noexcept = default;
SafeTensorsFile::~SafeTensorsFile() = default;

SafeTensorsFile SafeTensorsFile::open(const std::filesystem::path& file) {
  auto impl = std::make_unique<Impl>();
  impl->path = file;
  map_file(file, impl->mapping);
  const std::byte* base = impl->mapping.data;
  const size_t size = impl->mapping.size;
  read_layout(*impl, base, size);
  return SafeTensorsFile(std::move(impl));
}

SafeTensorsFile SafeTensorsFile::parse(std::string bytes, const std::filesystem::path& file) {
  auto impl = std::make_unique<Impl>();
  impl->path = file;
  impl->owned = std::move(bytes);
  if (impl->owned.size() < 8) {
    throw Error(file.string(), "header length", "at least 8 bytes in the file",
                std::to_string(impl->owned.size()) + " bytes");
  }
  read_layout(*impl, reinterpret_cast<const std::byte*>(impl->owned.data()), impl->owned.size());
  return SafeTensorsFile(std::move(impl));
}

// Fills impl's metadata, tensors and index from the file's bytes (at least 8 of them).
void SafeTensorsFile::read_layout(Impl& impl, const std::byte* base, size_t size) {
  const std::string name = impl.path.string();
  const uint64_t header_len = read_u64_le(base);
  if (header_len > size - 8) {
    throw Error(name, "header length",
                "at most " + std::to_string(size - 8) + " (the bytes after it)",
                std::to_string(header_len));
  }
  const std::string_view header(reinterpret_cast<const char*>(base + 8), header_len);
  const std::span<const std::byte> data(base + 8 + header_len, size - 8 - header_len);

  const json root = parse_json(header, name, "header");
  if (!root.is_object()) throw Error(name, "header", "a JSON object", describe_json(root));

  struct Placed {
    uint64_t begin, end;
    size_t index;
  };
  std::vector<Placed> placed;
  std::vector<TensorInfo> tensors;
  for (const auto& [key, value] : root.items()) {
    if (key == kMetadataKey) {
      if (!value.is_object()) throw Error(name, key, "an object of strings", describe_json(value));
      for (const auto& [mkey, mvalue] : value.items()) {
        if (!mvalue.is_string()) {
          throw Error(name, std::string(kMetadataKey) + "." + mkey, "a string",
                      describe_json(mvalue));
        }
        impl.metadata[mkey] = mvalue.get<std::string>();
      }
      continue;
    }
    if (key.empty()) throw Error(name, "header", "tensor names that are not empty", "\"\"");
    uint64_t offsets[2];
    tensors.push_back(parse_entry(name, key, value, data, offsets));
    placed.push_back({offsets[0], offsets[1], tensors.size() - 1});
  }

  // Sorted by position, the tensors must tile the data buffer exactly: every byte belongs
  // to one tensor, so nothing hides in a gap and no two tensors alias.
  std::sort(placed.begin(), placed.end(), [](const Placed& a, const Placed& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t covered = 0;
  for (const Placed& p : placed) {
    const std::string& tname = tensors[p.index].name;
    if (p.begin < covered) {
      throw Error(name, tname + ".data_offsets", "no overlap with the previous tensor",
                  "begin " + std::to_string(p.begin) + " < " + std::to_string(covered));
    }
    if (p.begin > covered) {
      throw Error(name, tname + ".data_offsets",
                  "to start where the previous tensor ends, at " + std::to_string(covered),
                  "a gap to " + std::to_string(p.begin));
    }
    covered = p.end;
  }
  if (covered != data.size()) {
    const std::string field =
        placed.empty() ? "data_offsets" : tensors[placed.back().index].name + ".data_offsets";
    throw Error(name, field, "tensors covering all " + std::to_string(data.size()) + " data bytes",
                "the last ends at " + std::to_string(covered));
  }
  for (const Placed& p : placed) {
    impl.index.emplace(tensors[p.index].name, impl.tensors.size());
    impl.tensors.push_back(std::move(tensors[p.index]));
  }
}

const std::filesystem::path& SafeTensorsFile::path() const {
  return impl_->path;
}
const std::map<std::string, std::string>& SafeTensorsFile::metadata() const {
  return impl_->metadata;
}
const std::vector<TensorInfo>& SafeTensorsFile::tensors() const {
  return impl_->tensors;
}
bool SafeTensorsFile::contains(const std::string& name) const {
  return impl_->index.count(name) != 0;
}

const TensorInfo& SafeTensorsFile::tensor(const std::string& name) const {
  const auto it = impl_->index.find(name);
  if (it == impl_->index.end())
    throw Error(impl_->path.string(), name, "a tensor named " + name, "none");
  return impl_->tensors[it->second];
}

std::vector<float> SafeTensorsFile::read_f32(const std::string& name,
                                             std::span<const int64_t> shape) const {
  const TensorInfo& t = tensor(name);
  const std::string file = impl_->path.string();
  if (!std::equal(shape.begin(), shape.end(), t.shape.begin(), t.shape.end())) {
    throw Error(file, name, "shape " + shape_string(shape), shape_string(t.shape));
  }
  std::vector<float> out(static_cast<size_t>(t.numel()));
  const std::byte* src = t.bytes.data();
  switch (t.dtype) {
    case DType::kF32:
      // memcpy with a null pointer is undefined even for 0 bytes (an empty tensor has both).
      if (!out.empty()) std::memcpy(out.data(), src, out.size() * sizeof(float));
      break;
    case DType::kF16:
    case DType::kBF16: {
      const auto convert = t.dtype == DType::kF16 ? f16_to_f32 : bf16_to_f32;
      for (size_t i = 0; i < out.size(); ++i) {
        uint16_t bits;  // memcpy: the data start need not be 2-aligned
        std::memcpy(&bits, src + 2 * i, 2);
        out[i] = convert(bits);
      }
      break;
    }
    default:
      throw Error(file, name, "dtype F32, F16 or BF16", std::string(dtype_name(t.dtype)));
  }
  for (size_t i = 0; i < out.size(); ++i) {
    if (!std::isfinite(out[i])) {
      throw Error(file, name, "finite values",
                  std::to_string(out[i]) + " at index " + std::to_string(i));
    }
  }
  return out;
}

TensorInfo f32_tensor(std::string name, std::vector<int64_t> shape, std::span<const float> values) {
  TensorInfo info;
  info.name = std::move(name);
  info.dtype = DType::kF32;
  info.shape = std::move(shape);
  info.bytes = std::as_bytes(values);
  return info;
}

void write_safetensors(const std::filesystem::path& file, std::span<const TensorInfo> tensors,
                       const std::map<std::string, std::string>& metadata) {
  const std::string fname = file.string();
  // ordered_json keeps insertion order: metadata first, then tensors as given.
  ordered_json header = ordered_json::object();
  if (!metadata.empty()) {
    ordered_json meta = ordered_json::object();
    for (const auto& [k, v] : metadata) meta[k] = v;
    header[std::string(kMetadataKey)] = std::move(meta);
  }
  uint64_t offset = 0;
  for (const TensorInfo& t : tensors) {
    if (t.name.empty() || t.name == kMetadataKey) {
      throw Error(fname, t.name, "a tensor name that is not empty or __metadata__", t.name);
    }
    if (header.contains(t.name)) throw Error(fname, t.name, "each tensor name once", "it repeated");
    for (int64_t d : t.shape) {
      if (d < 0) throw Error(fname, t.name, "non-negative sizes", shape_string(t.shape));
    }
    const uint64_t bytes = static_cast<uint64_t>(t.numel()) * dtype_size(t.dtype);
    if (bytes != t.bytes.size()) {
      throw Error(fname, t.name,
                  std::to_string(bytes) + " bytes for shape " + shape_string(t.shape),
                  std::to_string(t.bytes.size()));
    }
    ordered_json entry = ordered_json::object();
    entry["dtype"] = std::string(dtype_name(t.dtype));
    entry["shape"] = t.shape;
    entry["data_offsets"] = {offset, offset + bytes};
    header[t.name] = std::move(entry);
    offset += bytes;
  }
  std::string text = header.dump();
  // Padding to a multiple of 8 keeps the data 8-aligned in a mapped file, as the reference
  // writer does; spaces are JSON whitespace, so readers skip them.
  text.append((8 - text.size() % 8) % 8, ' ');

  std::string out;
  out.reserve(8 + text.size() + offset);
  const uint64_t header_len = text.size();
  out.append(reinterpret_cast<const char*>(&header_len), 8);
  out += text;
  for (const TensorInfo& t : tensors) {
    out.append(reinterpret_cast<const char*>(t.bytes.data()), t.bytes.size());
  }
  write_file_atomic(file, out);
}

}  // namespace fitformer::io
