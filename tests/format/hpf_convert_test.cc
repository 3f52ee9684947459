// Re-encoding an HPF matrix keeps its mask: the mask read back from rows/offs is the packer's
// input (kept zeros and ragged banks included), and an fp32 matrix converted to int8 or int16
// equals packing the original weights at that type directly, value for value and scale for
// scale; the folder forms carry every other tensor and refuse to overwrite their source.
#include "format/hpf_convert.h"

#include <gtest/gtest.h>

#include "common/temp_dir.h"
#include "core/error.h"
#include "format/hpf_folder.h"
#include "format/hpf_safetensors.h"
#include "format_cases.h"
#include "io/model_config.h"
#include "sparsity/hierarchical.h"

namespace fitformer::format {
namespace {

namespace fs = std::filesystem;

using testing::hp_cases;
using testing::random_weights;

sparsity::Mask case_mask(const testing::Case& c, const std::vector<float>& w) {
  return sparsity::hp_mask(sparsity::magnitude_scores(w), c.rows, c.cols, c.params);
}

TEST(HpfConvert, TheStoredMaskIsThePackersInput) {
  uint64_t seed = 1;
  for (const testing::Case& c : hp_cases()) {
    const std::vector<float> w = random_weights(c.rows, c.cols, seed++);
    const sparsity::Mask mask = case_mask(c, w);
    const hpf::Matrix m = pack_hpf(w, c.rows, c.cols, mask, c.params);
    EXPECT_EQ(hpf_mask(m), mask) << c.name();
    EXPECT_EQ(sparsity::hp_counts(c.rows, hpf_params(m)).k1, m.header.k1) << c.name();
    EXPECT_EQ(sparsity::hp_counts(c.rows, hpf_params(m)).n, m.header.n) << c.name();
  }
}

TEST(HpfConvert, AKeptZeroStaysKept) {
  // 1 x 8, one bank of 8 keeping 4: the scores rank an exact zero among the kept.
  const std::vector<float> w = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 3.0f, -2.0f};
  const sparsity::HpParams params{1.0, 0.5, 8, 1};
  const sparsity::Mask mask = sparsity::hp_mask(sparsity::magnitude_scores(w), 1, 8, params);
  const hpf::Matrix m = pack_hpf(w, 1, 8, mask, params);
  EXPECT_EQ(hpf_mask(m), mask);
  EXPECT_EQ(sparsity::kept_count(hpf_mask(m)), 4);
}

TEST(HpfConvert, Fp32ConvertedEqualsPackingAtTheType) {
  uint64_t seed = 100;
  for (const testing::Case& c : hp_cases()) {
    const std::vector<float> w = random_weights(c.rows, c.cols, seed++);
    const sparsity::Mask mask = case_mask(c, w);
    const hpf::Matrix f32 = pack_hpf(w, c.rows, c.cols, mask, c.params);
    for (const ValueType type : {ValueType::kI8, ValueType::kI16, ValueType::kF16}) {
      const hpf::Matrix want =
          pack_hpf(w, c.rows, c.cols, mask, c.params, type, ScaleMode::kPerRow);
      EXPECT_EQ(convert_hpf(f32, type), want) << c.name() << " " << value_type_name(type);
    }
    EXPECT_EQ(convert_hpf(f32, ValueType::kF32), f32) << c.name();
  }
}

// A folder of one HPF matrix ("w") and one dense tensor ("b"), with config and metadata.
std::filesystem::path write_folder(const std::filesystem::path& dir, const hpf::Matrix& m,
                                   const std::vector<float>& bias) {
  std::filesystem::create_directories(dir);
  io::save_model_config(io::default_model_config(io::ModelFamily::kBertClassifier),
                        dir / "config.json");
  const io::TensorInfo b = io::f32_tensor("b", {static_cast<int64_t>(bias.size())}, bias);
  write_hpf_safetensors(dir / "model.safetensors", {{"w", m}}, std::span(&b, 1),
                        {{"note", "kept"}});
  return dir;
}

TEST(HpfFolder, ConvertKeepsEveryOtherTensorAndTheMetadata) {
  ::fitformer::testing::TempDir dir;
  const testing::Case c{65, 63, {0.3, 0.75, 16, 4}};
  const std::vector<float> w = random_weights(c.rows, c.cols, 7), bias = {1.5f, -2.0f};
  const sparsity::Mask mask = case_mask(c, w);
  const auto src =
      write_folder(dir.path() / "src", pack_hpf(w, c.rows, c.cols, mask, c.params), bias);
  convert_hpf_folder(src, dir.path() / "i8", ValueType::kI8);
  const io::SafeTensorsFile file =
      io::SafeTensorsFile::open(dir.path() / "i8" / "model.safetensors");
  EXPECT_EQ(hpf_matrix_names(file), std::vector<std::string>{"w"});
  EXPECT_EQ(read_hpf(file, "w"),
            pack_hpf(w, c.rows, c.cols, mask, c.params, ValueType::kI8, ScaleMode::kPerRow));
  EXPECT_EQ(file.read_f32("b", std::vector<int64_t>{2}), bias);
  EXPECT_EQ(file.metadata().at("note"), "kept");
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "i8" / "config.json"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "i8.partial"));

  EXPECT_THROW(convert_hpf_folder(src, src, ValueType::kI8), Error);
  // A folder without HPF matrices has nothing to convert.
  const fs::path dense = dir.path() / "dense";
  fs::create_directories(dense);
  fs::copy_file(src / "config.json", dense / "config.json");
  const io::TensorInfo b = io::f32_tensor("b", {2}, bias);
  io::write_safetensors(dense / "model.safetensors", std::span(&b, 1), {});
  EXPECT_THROW(convert_hpf_folder(dense, dir.path() / "x", ValueType::kI8), Error);
  EXPECT_FALSE(fs::exists(dir.path() / "x"));
}

}  // namespace
}  // namespace fitformer::format
