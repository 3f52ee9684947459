// Pruned folders: what the pruner writes (HP at every encoder linear, all else untouched),
// the round trip prune -> densify -> prune giving the same file and identical outputs, and
// load errors for corrupt or missing HPF metadata that name the file and the tensor.
#include "runtime/magnitude_prune.h"

#include <gtest/gtest.h>

#include <functional>

#include "common/temp_dir.h"
#include "core/error.h"
#include "core/files.h"
#include "format/hpf_safetensors.h"
#include "model/engine_cases.h"
#include "runtime/sparse_model.h"
#include "runtime_cases.h"
#include "sparsity/hierarchical.h"

namespace fitformer::runtime {
namespace {

using fitformer::testing::TempDir;
using model::testing::random_batch;
using testing::hp;
using testing::make_folders;
using testing::small_config;

TEST(Prune, WritesHpfAtEveryEncoderLinearOnly) {
  const io::ModelConfig c = small_config(io::ModelFamily::kCausalLm);
  TempDir dir;
  model::write_model_folder(dir.path() / "dense", c, testing::random_weights(c, 1));
  write_file_atomic(dir.path() / "dense" / "tokenizer.model", "spm");
  const std::vector<PrunedLinear> report =
      prune_model_folder(dir.path() / "dense", dir.path() / "pruned", hp(0.8));
  ASSERT_EQ(report.size(), 8u);
  const auto file = io::SafeTensorsFile::open(dir.path() / "pruned" / model::kWeightsFileName);
  std::vector<std::string> expected;
  for (const model::EncoderLinear& e : model::causal_lm_encoder_linears(c)) {
    expected.push_back(e.weight_name);
    EXPECT_FALSE(file.contains(e.weight_name)) << e.weight_name;
    EXPECT_TRUE(file.contains(e.bias_name)) << e.bias_name;
  }
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(format::hpf_matrix_names(file), expected);
  EXPECT_TRUE(file.contains("decoder.weight"));
  EXPECT_TRUE(file.contains("encoder.weight"));
  for (const PrunedLinear& p : report) EXPECT_NEAR(p.density, 0.2, 0.05) << p.name;
  EXPECT_EQ(read_file(dir.path() / "pruned" / "tokenizer.model"), "spm");
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "pruned.partial"));
  EXPECT_EQ(io::load_model_config(dir.path() / "pruned" / model::kConfigFileName), c);
}

// Pruning the masked weights again with the same spec finds the same masks, so the round
// trip gives the same bytes, and loading it the same outputs bit for bit.
TEST(Prune, RoundTripIsIdentical) {
  for (const io::ModelFamily family :
       {io::ModelFamily::kCausalLm, io::ModelFamily::kBertClassifier}) {
    for (const format::ValueType type : {format::ValueType::kF32, format::ValueType::kI8}) {
      const io::ModelConfig c = small_config(family);
      const HpPruneSpec spec = testing::hp(0.9, {}, 0.25, type);
      TempDir dir;
      const auto f = make_folders(dir.path(), c, spec, 31);
      prune_model_folder(f.masked, dir.path() / "again", spec);
      const std::string where =
          testing::family_name(c) + " " + std::string(format::value_type_name(type));
      if (type == format::ValueType::kF32) {
        // (int8 requantizes dequantized values, whose scales may move by an ulp.)
        EXPECT_EQ(read_file(f.pruned / model::kWeightsFileName),
                  read_file(dir.path() / "again" / model::kWeightsFileName))
            << where;
      }
      const model::TokenBatch batch = random_batch(3, 13, c.vocab_size, testing::type_vocab(c), 2);
      const model::Tensor a = sparse_forward(load_sparse_model(f.pruned), batch, {1});
      const model::Tensor b = sparse_forward(load_sparse_model(dir.path() / "again"), batch, {1});
      if (type == format::ValueType::kF32) {
        EXPECT_EQ(a.data, b.data) << where;
      } else {
        ASSERT_EQ(a.data.size(), b.data.size());
        for (size_t i = 0; i < a.data.size(); ++i) ASSERT_NEAR(a.data[i], b.data[i], 1e-3) << where;
      }
    }
  }
}

TEST(Prune, RejectsBadSpecsAndPrunedInput) {
  const io::ModelConfig c = small_config(io::ModelFamily::kBertClassifier);
  TempDir dir;
  const auto f = make_folders(dir.path(), c, hp(0.5), 4);
  try {
    prune_model_folder(f.dense, dir.path() / "x", hp(0.9, 0.05));
    ADD_FAILURE() << "rho1 below the target density accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bert.encoder.layer.0.attention.self.query.weight"),
              std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("rho1"), std::string::npos) << e.what();
  }
  EXPECT_THROW(prune_model_folder(f.dense, dir.path() / "x", hp(0.5, 0.5, 0.5)), Error);
  EXPECT_THROW(prune_model_folder(f.pruned, dir.path() / "x", {}), Error);
  EXPECT_THROW(prune_model_folder(f.dense, f.dense, {}), Error);
  EXPECT_THROW(
      prune_model_folder(f.dense, dir.path() / "x", hp(0.5, {}, {}, format::ValueType::kF16)),
      Error);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "x"));
}

// Copies the pruned folder with its tensors and metadata edited, loads it and expects an
// Error whose message names the weights file and `tensor`.
void expect_load_error(const std::function<void(std::vector<io::TensorInfo>&,
                                                std::map<std::string, std::string>&)>& edit,
                       const std::string& tensor,
                       io::ModelFamily family = io::ModelFamily::kCausalLm) {
  const io::ModelConfig c = small_config(family);
  TempDir dir;
  const auto f = make_folders(dir.path(), c, hp(0.9), 5);
  const auto file = io::SafeTensorsFile::open(f.pruned / model::kWeightsFileName);
  std::vector<io::TensorInfo> tensors = file.tensors();
  std::map<std::string, std::string> metadata = file.metadata();
  edit(tensors, metadata);
  const auto bad = dir.path() / "bad";
  io::write_safetensors(bad / model::kWeightsFileName, tensors, metadata);
  io::save_model_config(c, bad / model::kConfigFileName);
  try {
    load_sparse_model(bad);
    ADD_FAILURE() << "loaded despite a bad " << tensor;
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find((bad / model::kWeightsFileName).string()), std::string::npos) << what;
    EXPECT_NE(what.find(tensor), std::string::npos) << what;
  }
}

TEST(SparseModelLoad, CorruptOrMissingHpfMetadataNamesFileAndTensor) {
  const std::string w = "transformer_encoder.layers.1.linear1.weight";
  using Tensors = std::vector<io::TensorInfo>;
  using Metadata = std::map<std::string, std::string>;
  expect_load_error([&](Tensors&, Metadata& m) { m[w + ".hpf.k1"] = "x"; }, w + ".hpf.k1");
  expect_load_error([&](Tensors&, Metadata& m) { m[w + ".hpf.k1"] = "1000"; }, w + ".hpf.k1");
  expect_load_error([&](Tensors&, Metadata& m) { m.erase(w + ".hpf.n"); }, w + ".hpf.n");
  expect_load_error([&](Tensors&, Metadata& m) { m[w + ".hpf.format"] = "hpf-0"; },
                    w + ".hpf.format");
  expect_load_error([&](Tensors&, Metadata& m) { m[w + ".hpf.value_type"] = "f16"; }, w + ".hpf");
  // The whole metadata of a matrix gone: its tensors remain and are named.
  expect_load_error(
      [&](Tensors&, Metadata& m) {
        std::erase_if(m, [&](const auto& e) { return e.first.starts_with(w + ".hpf."); });
      },
      w + ".hpf.format");
  // A matrix of another shape than the config's.
  expect_load_error([&](Tensors&, Metadata& m) { m[w + ".hpf.cols"] = "40"; }, w);
  // An HPF tensor missing.
  expect_load_error(
      [&](Tensors& t, Metadata&) {
        std::erase_if(t, [&](const io::TensorInfo& i) { return i.name == w + ".hpf.offs"; });
      },
      w + ".hpf.offs");
  // A bias missing next to its HPF weight.
  expect_load_error(
      [&](Tensors& t, Metadata&) {
        std::erase_if(t, [](const io::TensorInfo& i) {
          return i.name == "transformer_encoder.layers.0.self_attn.in_proj_bias";
        });
      },
      "transformer_encoder.layers.0.self_attn.in_proj_bias");
}

TEST(SparseModelLoad, HpfOutsideEncoderLinearsIsRejected) {
  const io::ModelConfig c = small_config(io::ModelFamily::kBertClassifier);
  TempDir dir;
  const auto f = make_folders(dir.path(), c, hp(0.5), 6);
  // Store the pooler as HPF in an otherwise valid pruned file.
  const auto file = io::SafeTensorsFile::open(f.pruned / model::kWeightsFileName);
  const auto dense = io::SafeTensorsFile::open(f.dense / model::kWeightsFileName);
  const std::string pooler = "bert.pooler.dense.weight";
  const std::vector<float> w = dense.read_f32(pooler, std::vector<int64_t>{48, 48});
  sparsity::HpParams params;
  params.rho1 = 0.5;
  params.rho2 = 1.0;
  const auto mask = sparsity::hp_mask(sparsity::magnitude_scores(w), 48, 48, params);
  std::vector<io::TensorInfo> others;
  for (const io::TensorInfo& t : file.tensors()) {
    if (t.name != pooler) others.push_back(t);
  }
  std::map<std::string, std::string> metadata = file.metadata();
  std::map<std::string, format::hpf::Matrix> matrices;
  for (const std::string& name : format::hpf_matrix_names(file)) {
    matrices.emplace(name, format::read_hpf(file, name));
    std::erase_if(metadata, [&](const auto& e) { return e.first.starts_with(name + ".hpf."); });
    std::erase_if(others,
                  [&](const io::TensorInfo& t) { return t.name.starts_with(name + ".hpf."); });
  }
  matrices.emplace(pooler, format::pack_hpf(w, 48, 48, mask, params));
  const auto bad = dir.path() / "bad";
  format::write_hpf_safetensors(bad / model::kWeightsFileName, matrices, others, metadata);
  io::save_model_config(c, bad / model::kConfigFileName);
  try {
    load_sparse_model(bad);
    ADD_FAILURE() << "loaded an HPF pooler";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(pooler), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace fitformer::runtime
