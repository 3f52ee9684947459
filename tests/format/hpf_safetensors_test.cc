// HPF inside safetensors: round trips for every value type and scale mode next to ordinary
// tensors, and corrupt metadata or tensors rejected with an error naming file, matrix and
// field.
#include "format/hpf_safetensors.h"

#include <gtest/gtest.h>

#include <cstring>

#include "common/temp_dir.h"
#include "core/error.h"
#include "format_cases.h"

namespace fitformer::format {
namespace {

hpf::Matrix sample(ValueType type, ScaleMode mode, int64_t rows = 37, int64_t cols = 150) {
  const testing::Case c{rows, cols, {0.3, 0.5, 64, 8}};
  const auto w = testing::random_weights(c.rows, c.cols, 21);
  return pack_hpf(w, c.rows, c.cols, testing::hp_mask_for(w, c), c.params, type, mode);
}

TEST(HpfSafetensors, RoundTripEveryValueType) {
  fitformer::testing::TempDir dir;
  std::map<std::string, hpf::Matrix> matrices;
  for (ValueType type : {ValueType::kF32, ValueType::kF16, ValueType::kI16, ValueType::kI8}) {
    for (ScaleMode mode : {ScaleMode::kPerMatrix, ScaleMode::kPerRow}) {
      matrices["layer." + std::string(value_type_name(type)) + "." +
               std::string(scale_mode_name(mode)) + ".weight"] = sample(type, mode);
    }
  }
  matrices["tiny"] = sample(ValueType::kF32, ScaleMode::kPerMatrix, 1, 1);
  const std::vector<float> bias = {1, 2, 3};
  const auto file = dir.path() / "model.safetensors";
  write_hpf_safetensors(file, matrices, std::vector{io::f32_tensor("bias", {3}, bias)},
                        {{"format", "pt"}});
  const auto st = io::SafeTensorsFile::open(file);
  std::vector<std::string> names;
  for (const auto& [name, m] : matrices) names.push_back(name);
  EXPECT_EQ(hpf_matrix_names(st), names);
  for (const auto& [name, m] : matrices) EXPECT_EQ(read_hpf(st, name), m) << name;
  EXPECT_EQ(st.read_f32("bias", std::vector<int64_t>{3}), bias);
  EXPECT_EQ(st.metadata().at("format"), "pt");
}

// Writes `name` after `corrupt` edits its tensors/metadata; expects read_hpf to throw an
// Error whose message names the file, the matrix and `field`.
template <typename Corrupt>
void expect_rejected(const std::string& what, const std::string& field, Corrupt corrupt,
                     const hpf::Matrix& m = sample(ValueType::kI8, ScaleMode::kPerRow)) {
  fitformer::testing::TempDir dir;
  HpfTensors t;
  add_hpf_tensors("enc.q", m, t);
  corrupt(t);
  const auto file = dir.path() / "bad.safetensors";
  io::write_safetensors(file, t.tensors, t.metadata);
  const auto st = io::SafeTensorsFile::open(file);
  try {
    read_hpf(st, "enc.q");
    ADD_FAILURE() << what << ": no error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(e.file(), file.string()) << what << ": " << msg;
    EXPECT_NE(msg.find("enc.q"), std::string::npos) << what << ": " << msg;
    EXPECT_NE(e.field().find(field), std::string::npos) << what << ": " << msg;
  }
}

io::TensorInfo& tensor(HpfTensors& t, const std::string& name) {
  for (auto& info : t.tensors) {
    if (info.name == name) return info;
  }
  throw std::runtime_error("no tensor " + name);
}

TEST(HpfSafetensors, CorruptMetadataIsRejected) {
  expect_rejected("missing k1", "enc.q.hpf.k1",
                  [](HpfTensors& t) { t.metadata.erase("enc.q.hpf.k1"); });
  expect_rejected("k1 not a number", "enc.q.hpf.k1",
                  [](HpfTensors& t) { t.metadata["enc.q.hpf.k1"] = "12x"; });
  expect_rejected("k1 negative", "enc.q.hpf.k1",
                  [](HpfTensors& t) { t.metadata["enc.q.hpf.k1"] = "-1"; });
  expect_rejected("k1 above rows", "enc.q.hpf.k1",
                  [](HpfTensors& t) { t.metadata["enc.q.hpf.k1"] = "38"; });
  expect_rejected("n above bank width", "enc.q.hpf.n",
                  [](HpfTensors& t) { t.metadata["enc.q.hpf.n"] = "9"; });
  expect_rejected("banks not dividing", "enc.q.hpf.banks",
                  [](HpfTensors& t) { t.metadata["enc.q.hpf.banks"] = "7"; });
  expect_rejected("rows too many", "enc.q.hpf.rows",
                  [](HpfTensors& t) { t.metadata["enc.q.hpf.rows"] = "70000"; });
  expect_rejected("unknown value type", "enc.q.hpf.value_type",
                  [](HpfTensors& t) { t.metadata["enc.q.hpf.value_type"] = "int8"; });
  expect_rejected("unknown scale", "enc.q.hpf.scale",
                  [](HpfTensors& t) { t.metadata["enc.q.hpf.scale"] = "row"; });
  expect_rejected("wrong format tag", "enc.q.hpf.format",
                  [](HpfTensors& t) { t.metadata["enc.q.hpf.format"] = "hpf-9"; });
  // Metadata that disagrees with the tensors.
  expect_rejected("cols changes the shape", "enc.q.hpf.rows",
                  [](HpfTensors& t) { t.metadata["enc.q.hpf.cols"] = "300"; });
  expect_rejected("value type vs dtype", "enc.q.hpf.vals",
                  [](HpfTensors& t) { t.metadata["enc.q.hpf.value_type"] = "i16"; });
  expect_rejected("per-matrix vs per-row scales", "enc.q.hpf.scales",
                  [](HpfTensors& t) { t.metadata["enc.q.hpf.scale"] = "per-matrix"; });
}

TEST(HpfSafetensors, CorruptTensorsAreRejected) {
  expect_rejected("row index out of range", "enc.q.hpf.rows", [](HpfTensors& t) {
    auto& rows = t.storage[0];
    const int32_t bad = 37;
    std::memcpy(rows.data(), &bad, 4);
    (void)tensor(t, "enc.q.hpf.rows");
  });
  expect_rejected("rows out of order", "enc.q.rows", [](HpfTensors& t) {
    int32_t a, b;
    std::memcpy(&a, t.storage[0].data(), 4);
    std::memcpy(&b, t.storage[0].data() + 4, 4);
    std::memcpy(t.storage[0].data(), &b, 4);
    std::memcpy(t.storage[0].data() + 4, &a, 4);
  });
  expect_rejected("offset outside a narrow bank", "enc.q.offs", [](HpfTensors& t) {
    // 150 columns: the last block has 22 real columns, so its bank 2 is 6 wide and its bank
    // 3 lies in the padding; setting every offset bit breaks one of them.
    auto& offs = t.storage[2];
    std::fill(offs.end() - 12, offs.end(), std::byte{0xff});
  });
  expect_rejected("scale not positive", "enc.q.scales", [](HpfTensors& t) {
    const float zero = 0.0f;
    std::memcpy(t.storage[3].data(), &zero, 4);
  });
  expect_rejected("offs tensor missing", "enc.q.hpf.offs",
                  [](HpfTensors& t) { t.tensors.erase(t.tensors.begin() + 2); });
  expect_rejected(
      "scales for a float type", "enc.q.hpf.scales",
      [](HpfTensors& t) {
        t.storage.push_back(std::vector<std::byte>(4));
        t.tensors.push_back({"enc.q.hpf.scales", io::DType::kF32, {1}, t.storage.back()});
      },
      sample(ValueType::kF32, ScaleMode::kPerMatrix));
}

}  // namespace
}  // namespace fitformer::format
