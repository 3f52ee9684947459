// safetensors files (the format of HuggingFace's `safetensors`): an 8-byte little-endian
// header length, a JSON header {name: {dtype, shape, data_offsets}, "__metadata__": {..}},
// then the tensor bytes. Read memory-mapped with every field validated; written atomically.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace fitformer::io {

enum class DType { kF32, kF16, kBF16, kI8, kI16, kI32, kI64, kU8 };

// "F32", "F16", ... as spelled in the header; the parse throws Error for any other name.
std::string_view dtype_name(DType dtype);
size_t dtype_size(DType dtype);

// IEEE binary16 and bfloat16 bit patterns to fp32, exact (every value of both is an fp32
// value), including subnormals, infinities and NaN payloads.
float f16_to_f32(uint16_t bits);
float bf16_to_f32(uint16_t bits);

struct TensorInfo {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  std::span<const std::byte> bytes;  // points into the mapped file (or the writer's buffer)

  // Product of the sizes; throws Error naming the tensor if it overflows int64 (a file's
  // shapes are checked at opening, so this never throws for a tensor of an open file).
  int64_t numel() const;
};

// A safetensors file, memory-mapped read-only for its lifetime.
class SafeTensorsFile {
 public:
  // Maps and validates: a regular file (never blocks on a FIFO), header length within the
  // file, valid JSON without NUL bytes (io/json_reader.h: depth capped, no repeated keys),
  // known dtypes, shapes whose element and byte counts fit in 64 bits and match the
  // offsets, offsets in range that cover the data buffer without overlap or gap, string
  // metadata. Throws Error naming the file and the tensor (or header field) at fault.
  static SafeTensorsFile open(const std::filesystem::path& file);

  // The same validation over bytes held in memory (which the object keeps); `file` names
  // them in errors. For tests and fuzzing.
  static SafeTensorsFile parse(std::string bytes, const std::filesystem::path& file);

  SafeTensorsFile(SafeTensorsFile&&) noexcept;
  SafeTensorsFile& operator=(SafeTensorsFile&&) noexcept;
  ~SafeTensorsFile();

  const std::filesystem::path& path() const;
  const std::map<std::string, std::string>& metadata() const;
  const std::vector<TensorInfo>& tensors() const;  // in the order of their bytes
  bool contains(const std::string& name) const;
  // Throws Error(file, name, "a tensor named ...") if absent.
  const TensorInfo& tensor(const std::string& name) const;
  // Copy as fp32 (from F32, F16 or BF16), checking the expected shape; throws Error
  // naming file and tensor on a missing tensor, wrong dtype, wrong shape, or a NaN or
  // infinite value (no weight is one; such a model only computes NaN).
  std::vector<float> read_f32(const std::string& name, std::span<const int64_t> shape) const;

 private:
  struct Impl;
  explicit SafeTensorsFile(std::unique_ptr<Impl> impl);
  static void read_layout(Impl& impl, const std::byte* base, size_t size);
  std::unique_ptr<Impl> impl_;
};

// A TensorInfo over caller-owned fp32 values (row-major, numel(shape) of them), for writing.
TensorInfo f32_tensor(std::string name, std::vector<int64_t> shape, std::span<const float> values);

// Writes tensors (in the given order) and string metadata to `file` atomically. Throws Error
// for an empty, reserved or repeated name, or bytes that do not match dtype and shape.
void write_safetensors(const std::filesystem::path& file, std::span<const TensorInfo> tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace fitformer::io
