// HPF matrices inside a safetensors file, so that a pruned model is one self-describing file:
// each matrix `name` becomes the tensors
//   <name>.hpf.rows    I32 [blocks, k1]        (safetensors has no U16; values < 65536)
//   <name>.hpf.vals    F32|F16|I16|I8 [blocks, k1, B, n]
//   <name>.hpf.offs    U8 [packed bytes]       (the bit stream of hpf.h, as is)
//   <name>.hpf.scales  F32 [1 or M]            (integer value types only)
// and the `__metadata__` entries <name>.hpf.<field> for the fields format ("hpf-1"), rows,
// cols, block_cols, banks, n, k1, value_type (f32|f16|i16|i8) and scale (per-matrix|per-row).
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "format/hpf.h"
#include "io/safetensors.h"

namespace fitformer::format {

// The tensors and metadata of one or more HPF matrices; `tensors` point into `storage`,
// which this object owns (keep it alive until written).
struct HpfTensors {
  std::vector<io::TensorInfo> tensors;
  std::map<std::string, std::string> metadata;
  std::vector<std::vector<std::byte>> storage;
};

// Appends matrix `name` to `out` (throws Error naming the matrix if it is invalid).
void add_hpf_tensors(const std::string& name, const hpf::Matrix& matrix, HpfTensors& out);

// Writes HPF matrices (by name) plus ordinary tensors and metadata to one file atomically.
void write_hpf_safetensors(const std::filesystem::path& file,
                           const std::map<std::string, hpf::Matrix>& matrices,
                           std::span<const io::TensorInfo> other_tensors = {},
                           const std::map<std::string, std::string>& other_metadata = {});

// Names of the HPF matrices in a file (those with a <name>.hpf.format entry), sorted.
std::vector<std::string> hpf_matrix_names(const io::SafeTensorsFile& file);

// Reads matrix `name` back, validating every metadata field, tensor dtype and shape and the
// layout (hpf::validate). Throws Error(file, "<name>.hpf.<field>" or "<name>.<part>", ...)
// naming the file, the matrix and the field at fault.
hpf::Matrix read_hpf(const io::SafeTensorsFile& file, const std::string& name);

}  // namespace fitformer::format
