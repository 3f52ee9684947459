// HPF matrices as safetensors tensors plus namespaced metadata, and their validated reading.
#include "format/hpf_safetensors.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <charconv>
#include <cstring>

#include "core/error.h"
#include "format/bit_pack.h"

namespace fitformer::format {
namespace {

constexpr std::string_view kFormatTag = "hpf-1";

template <typename T>
std::span<const std::byte> bytes_of(const std::vector<T>& v) {
  return std::as_bytes(std::span(v));
}

io::DType vals_dtype(ValueType type) {
  switch (type) {
    case ValueType::kF32:
      return io::DType::kF32;
    case ValueType::kF16:
      return io::DType::kF16;
    case ValueType::kI16:
      return io::DType::kI16;
    case ValueType::kI8:
      return io::DType::kI8;
  }
  return io::DType::kF32;
}

std::string tensor_name(const std::string& name, const char* part) {
  return name + ".hpf." + part;
}

// Reads the metadata entry <name>.hpf.<field>; Error naming it when absent.
const std::string& meta(const io::SafeTensorsFile& file, const std::string& name,
                        const char* field) {
  const auto& md = file.metadata();
  const auto it = md.find(tensor_name(name, field));
  if (it == md.end()) {
    throw Error(file.path().string(), tensor_name(name, field), "a metadata entry", "none");
  }
  return it->second;
}

int64_t meta_int(const io::SafeTensorsFile& file, const std::string& name, const char* field) {
  const std::string& text = meta(file, name, field);
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty() || value < 0) {
    throw Error(file.path().string(), tensor_name(name, field), "a non-negative decimal integer",
                "\"" + text + "\"");
  }
  return value;
}

// The tensor <name>.hpf.<part> with the expected dtype and shape, as a byte copy.
template <typename T>
std::vector<T> read_tensor(const io::SafeTensorsFile& file, const std::string& name,
                           const char* part, io::DType dtype, const std::vector<int64_t>& shape) {
  const std::string tname = tensor_name(name, part);
  const std::string path = file.path().string();
  if (!file.contains(tname)) throw Error(path, tname, "a tensor", "none");
  const io::TensorInfo& t = file.tensor(tname);
  if (t.dtype != dtype) {
    throw Error(path, tname, "dtype " + std::string(io::dtype_name(dtype)),
                std::string(io::dtype_name(t.dtype)));
  }
  if (t.shape != shape) {
    throw Error(path, tname, fmt::format("shape [{}]", fmt::join(shape, ", ")),
                fmt::format("[{}]", fmt::join(t.shape, ", ")));
  }
  std::vector<T> out(t.bytes.size() / sizeof(T));
  if (!out.empty()) std::memcpy(out.data(), t.bytes.data(), out.size() * sizeof(T));
  return out;
}

}  // namespace

void add_hpf_tensors(const std::string& name, const hpf::Matrix& m, HpfTensors& out) {
  hpf::validate(m, "", name);
  const hpf::Header& h = m.header;
  const int64_t blocks = m.blocks();
  std::vector<int32_t> rows(m.rows.begin(), m.rows.end());
  out.storage.emplace_back(bytes_of(rows).begin(), bytes_of(rows).end());
  out.tensors.push_back(
      {tensor_name(name, "rows"), io::DType::kI32, {blocks, h.k1}, out.storage.back()});
  std::span<const std::byte> vals;
  switch (h.value_type) {
    case ValueType::kF32:
      vals = bytes_of(m.vals_f32);
      break;
    case ValueType::kF16:
      vals = bytes_of(m.vals_f16);
      break;
    case ValueType::kI16:
      vals = bytes_of(m.vals_i16);
      break;
    case ValueType::kI8:
      vals = bytes_of(m.vals_i8);
      break;
  }
  out.storage.emplace_back(vals.begin(), vals.end());
  out.tensors.push_back({tensor_name(name, "vals"),
                         vals_dtype(h.value_type),
                         {blocks, h.k1, h.banks, h.n},
                         out.storage.back()});
  out.storage.emplace_back(bytes_of(m.offs).begin(), bytes_of(m.offs).end());
  out.tensors.push_back({tensor_name(name, "offs"),
                         io::DType::kU8,
                         {static_cast<int64_t>(m.offs.size())},
                         out.storage.back()});
  if (!m.scales.empty()) {
    out.storage.emplace_back(bytes_of(m.scales).begin(), bytes_of(m.scales).end());
    out.tensors.push_back({tensor_name(name, "scales"),
                           io::DType::kF32,
                           {static_cast<int64_t>(m.scales.size())},
                           out.storage.back()});
  }
  auto put = [&](const char* field, std::string value) {
    out.metadata[tensor_name(name, field)] = std::move(value);
  };
  put("format", std::string(kFormatTag));
  put("rows", std::to_string(h.rows));
  put("cols", std::to_string(h.cols));
  put("block_cols", std::to_string(h.block_cols));
  put("banks", std::to_string(h.banks));
  put("n", std::to_string(h.n));
  put("k1", std::to_string(h.k1));
  put("value_type", std::string(value_type_name(h.value_type)));
  put("scale", std::string(scale_mode_name(h.scale_mode)));
}

void write_hpf_safetensors(const std::filesystem::path& file,
                           const std::map<std::string, hpf::Matrix>& matrices,
                           std::span<const io::TensorInfo> other_tensors,
                           const std::map<std::string, std::string>& other_metadata) {
  HpfTensors all;
  all.storage.reserve(4 * matrices.size());  // spans into storage must not move
  all.tensors.assign(other_tensors.begin(), other_tensors.end());
  all.metadata = other_metadata;
  for (const auto& [name, m] : matrices) add_hpf_tensors(name, m, all);
  io::write_safetensors(file, all.tensors, all.metadata);
}

std::vector<std::string> hpf_matrix_names(const io::SafeTensorsFile& file) {
  std::vector<std::string> names;
  const std::string suffix = ".hpf.format";
  for (const auto& [key, value] : file.metadata()) {
    if (key.size() > suffix.size() && key.ends_with(suffix)) {
      names.push_back(key.substr(0, key.size() - suffix.size()));
    }
  }
  return names;
}

hpf::Matrix read_hpf(const io::SafeTensorsFile& file, const std::string& name) {
  const std::string path = file.path().string();
  if (meta(file, name, "format") != kFormatTag) {
    throw Error(path, tensor_name(name, "format"), "\"" + std::string(kFormatTag) + "\"",
                "\"" + meta(file, name, "format") + "\"");
  }
  hpf::Matrix m;
  hpf::Header& h = m.header;
  h.rows = meta_int(file, name, "rows");
  h.cols = meta_int(file, name, "cols");
  h.block_cols = meta_int(file, name, "block_cols");
  h.banks = meta_int(file, name, "banks");
  h.n = meta_int(file, name, "n");
  h.k1 = meta_int(file, name, "k1");
  try {
    h.value_type = parse_value_type(meta(file, name, "value_type"));
    h.scale_mode = parse_scale_mode(meta(file, name, "scale"));
  } catch (const Error& e) {
    throw Error(path, tensor_name(name, e.field().c_str()), e.expected(), e.found());
  }
  // Geometry first (so the shapes below are meaningful), then tensors, then the layout.
  auto range = [&](const char* field, int64_t v, int64_t lo, int64_t hi) {
    if (v < lo || v > hi) {
      throw Error(path, tensor_name(name, field), fmt::format("an integer in [{}, {}]", lo, hi),
                  std::to_string(v));
    }
  };
  range("rows", h.rows, 1, hpf::kMaxRows);
  range("cols", h.cols, 1, INT32_MAX);
  range("block_cols", h.block_cols, 1, 65535);
  range("banks", h.banks, 1, h.block_cols);
  if (h.block_cols % h.banks != 0) {
    throw Error(path, tensor_name(name, "banks"),
                fmt::format("a divisor of block_cols {}", h.block_cols), std::to_string(h.banks));
  }
  range("n", h.n, 1, m.bank_width());
  range("k1", h.k1, 1, h.rows);
  const int64_t blocks = m.blocks();
  const std::vector<int32_t> rows =
      read_tensor<int32_t>(file, name, "rows", io::DType::kI32, {blocks, h.k1});
  for (int32_t r : rows) {
    if (r < 0 || r >= h.rows) {
      throw Error(path, tensor_name(name, "rows"), fmt::format("row indices in [0, {})", h.rows),
                  std::to_string(r));
    }
    m.rows.push_back(static_cast<uint16_t>(r));
  }
  const std::vector<int64_t> vshape = {blocks, h.k1, h.banks, h.n};
  const io::DType vdtype = vals_dtype(h.value_type);
  switch (h.value_type) {
    case ValueType::kF32:
      m.vals_f32 = read_tensor<float>(file, name, "vals", vdtype, vshape);
      break;
    case ValueType::kF16:
      m.vals_f16 = read_tensor<uint16_t>(file, name, "vals", vdtype, vshape);
      break;
    case ValueType::kI16:
      m.vals_i16 = read_tensor<int16_t>(file, name, "vals", vdtype, vshape);
      break;
    case ValueType::kI8:
      m.vals_i8 = read_tensor<int8_t>(file, name, "vals", vdtype, vshape);
      break;
  }
  m.offs = read_tensor<uint8_t>(file, name, "offs", io::DType::kU8,
                                {packed_bytes(m.slots(), m.offset_bits())});
  if (is_integer(h.value_type)) {
    const int64_t count = h.scale_mode == ScaleMode::kPerRow ? h.rows : 1;
    m.scales = read_tensor<float>(file, name, "scales", io::DType::kF32, {count});
  } else if (file.contains(tensor_name(name, "scales"))) {
    throw Error(path, tensor_name(name, "scales"),
                "no scales for value type " + std::string(value_type_name(h.value_type)),
                "a tensor");
  }
  hpf::validate(m, path, name);
  return m;
}

}  // namespace fitformer::format
