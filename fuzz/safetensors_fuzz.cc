// Harness: any bytes as a safetensors file, then every tensor read as fp32 where it is a float
// type and every HPF matrix it declares read back (format/hpf_safetensors.h) and decoded.
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "format/hpf.h"
#include "format/hpf_safetensors.h"
#include "fuzz_check.h"
#include "io/safetensors.h"

using namespace fitformer;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::optional<io::SafeTensorsFile> file;
  try {
    file.emplace(io::SafeTensorsFile::parse(std::string(fuzz::as_text(data, size)),
                                            "fuzz/model.safetensors"));
  } catch (const Error& e) {
    fuzz::check_error(e);
    return 0;
  }
  for (const io::TensorInfo& t : file->tensors()) {
    fuzz::require(t.numel() >= 0, "numel of an accepted tensor is non-negative");
    const bool is_float =
        t.dtype == io::DType::kF32 || t.dtype == io::DType::kF16 || t.dtype == io::DType::kBF16;
    if (!is_float) continue;
    try {
      const std::vector<float> values = file->read_f32(t.name, t.shape);
      fuzz::require(static_cast<int64_t>(values.size()) == t.numel(), "read_f32 size");
      for (float v : values) fuzz::require(std::isfinite(v), "read_f32 returned a non-finite");
    } catch (const Error& e) {
      fuzz::check_error(e);
    }
  }
  for (const std::string& name : format::hpf_matrix_names(*file)) {
    try {
      const format::hpf::Matrix m = format::read_hpf(*file, name);
      // Decoding allocates rows x cols floats: only for matrices a test file would hold.
      if (m.header.rows * m.header.cols <= (1 << 16)) {
        const std::vector<float> dense = format::hpf_to_dense(m);
        fuzz::require(static_cast<int64_t>(dense.size()) == m.header.rows * m.header.cols,
                      "hpf_to_dense size");
      }
    } catch (const Error& e) {
      fuzz::check_error(e);
    }
  }
  return 0;
}
