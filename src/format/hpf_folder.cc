// Model folders with HPF matrices, written through a staging folder.
#include "format/hpf_folder.h"

#include <vector>

#include "core/error.h"
#include "core/files.h"
#include "format/hpf_convert.h"
#include "format/hpf_safetensors.h"
#include "io/model_config.h"
#include "io/safetensors.h"

namespace fitformer::format {
namespace fs = std::filesystem;
namespace {

constexpr const char* kConfigFile = "config.json";
constexpr const char* kWeightsFile = "model.safetensors";
// Files besides config and weights that make a folder usable by `fitformer eval`.
constexpr const char* kTokenizerFiles[] = {"tokenizer.model", "vocab.txt"};

fs::path folder_path(const fs::path& dir) {
  const fs::path p = dir.lexically_normal();
  return p.has_filename() ? p : p.parent_path();
}

// The tensors of `file` not named in `matrices`.
std::vector<io::TensorInfo> other_tensors(const io::SafeTensorsFile& file,
                                          const std::map<std::string, hpf::Matrix>& matrices) {
  std::vector<io::TensorInfo> others;
  for (const io::TensorInfo& t : file.tensors())
    if (!matrices.contains(t.name)) others.push_back(t);
  return others;
}

}  // namespace

void write_model_folder_swapped(const fs::path& src, const fs::path& dst_in,
                                const std::function<void(const fs::path&)>& write_weights) {
  const fs::path dst = folder_path(dst_in);
  std::error_code ec;
  if (fs::exists(dst) && fs::equivalent(folder_path(src), dst, ec)) {
    throw Error(dst.string(), "output folder", "a folder other than the input", dst.string());
  }
  const fs::path staging = dst.string() + ".partial";
  fs::remove_all(staging);
  fs::create_directories(staging);
  write_weights(staging);
  io::save_model_config(io::load_model_config(src / kConfigFile), staging / kConfigFile);
  for (const char* name : kTokenizerFiles) {
    if (fs::exists(src / name)) write_file_atomic(staging / name, read_file(src / name));
  }
  fs::remove_all(dst);
  fs::rename(staging, dst);
}

void write_hpf_folder(const fs::path& src, const fs::path& dst,
                      const std::map<std::string, hpf::Matrix>& matrices) {
  const io::SafeTensorsFile file = io::SafeTensorsFile::open(src / kWeightsFile);
  write_model_folder_swapped(src, dst, [&](const fs::path& dir) {
    write_hpf_safetensors(dir / kWeightsFile, matrices, other_tensors(file, matrices),
                          file.metadata());
  });
}

void convert_hpf_folder(const fs::path& src, const fs::path& dst, ValueType value_type) {
  const io::SafeTensorsFile file = io::SafeTensorsFile::open(src / kWeightsFile);
  const std::vector<std::string> names = hpf_matrix_names(file);
  if (names.empty()) throw Error(file.path().string(), "tensors", "HPF matrices", "none");
  std::map<std::string, hpf::Matrix> matrices;
  for (const std::string& name : names)
    matrices.emplace(name, convert_hpf(read_hpf(file, name), value_type));
  // The matrices' old tensors and metadata are replaced by the new ones.
  std::vector<io::TensorInfo> others;
  for (const io::TensorInfo& t : file.tensors()) {
    const size_t dot = t.name.find(".hpf.");
    if (dot == std::string::npos || !matrices.contains(t.name.substr(0, dot))) others.push_back(t);
  }
  std::map<std::string, std::string> metadata = file.metadata();
  std::erase_if(metadata, [&](const auto& entry) {
    const size_t dot = entry.first.find(".hpf.");
    return dot != std::string::npos && matrices.contains(entry.first.substr(0, dot));
  });
  write_model_folder_swapped(src, dst, [&](const fs::path& dir) {
    write_hpf_safetensors(dir / kWeightsFile, matrices, others, metadata);
  });
}

}  // namespace fitformer::format
