// Layer data for the simulator from a model folder: the encoder linears' weights in workload
// order, the dense heads left random, a mismatched workload refused.
#include "devices/fpga_sim.h"

#include <gtest/gtest.h>

#include <variant>

#include "common/temp_dir.h"
#include "core/error.h"
#include "model/causal_lm.h"
#include "model/weights.h"

namespace fitformer::devices {
namespace {

io::ModelConfig tiny_config() {
  io::ModelConfig c = io::default_model_config(io::ModelFamily::kCausalLm);
  c.vocab_size = 64;
  c.hidden_size = 64;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 2;
  c.intermediate_size = 128;
  return c;
}

TEST(FpgaSim, ModelFolderWeightsFollowTheWorkload) {
  testing::TempDir dir;
  const io::ModelConfig c = tiny_config();
  const auto tensors = model::random_tensors(model::causal_lm_tensor_specs(c), 3);
  model::write_model_folder(dir.path(), c, tensors);
  sparsity::HpPlan plan;
  plan.sparsity = 0.75;
  const accel::Workload w = accel::build_workload(c, 8, 1, plan);
  const LayerWeights weights = model_folder_weights(dir.path(), w);
  const auto encoder = model::causal_lm_encoder_linears(c);
  ASSERT_EQ(weights.size(), encoder.size() + 1);  // + the dense decoder
  for (size_t i = 0; i < encoder.size(); ++i) {
    EXPECT_EQ(weights[i], tensors.at(encoder[i].weight_name).data) << encoder[i].weight_name;
  }
  EXPECT_TRUE(weights.back().empty());

  // The data runs through the simulator with no stall for HP.
  const auto layers = layer_data(w, format::Precision::kInt8, sparsity::Pattern::kHp, 1, weights);
  ASSERT_EQ(layers.size(), weights.size());
  EXPECT_TRUE(std::holds_alternative<format::hpf::Matrix>(layers[0].weights));

  const accel::Workload other =
      accel::build_workload(io::default_model_config(io::ModelFamily::kCausalLm), 8, 1, {});
  EXPECT_THROW(model_folder_weights(dir.path(), other), Error);
}

TEST(FpgaSim, OtherPatternsBecomeStreams) {
  const accel::Workload w = accel::build_workload(tiny_config(), 8, 1, sparsity::HpPlan{});
  const auto layers =
      random_layer_data(w, format::Precision::kInt8, sparsity::Pattern::kUnstructured, 1);
  ASSERT_TRUE(std::holds_alternative<accel::StreamMatrix>(layers[0].weights));
  EXPECT_EQ(std::get<accel::StreamMatrix>(layers[0].weights).order,
            accel::StreamOrder::kBankInterleaved);
  EXPECT_TRUE(std::holds_alternative<format::hpf::Matrix>(layers.back().weights));  // decoder
  // A packer given: the pruned layers in its order, HP's too; the dense decoder stays HPF.
  for (sparsity::Pattern p : {sparsity::Pattern::kUnstructured, sparsity::Pattern::kHp}) {
    const auto padded =
        random_layer_data(w, format::Precision::kInt8, p, 1, accel::StreamOrder::kPadded);
    ASSERT_TRUE(std::holds_alternative<accel::StreamMatrix>(padded[0].weights));
    EXPECT_TRUE(std::get<accel::StreamMatrix>(padded[0].weights).padded());
    EXPECT_TRUE(std::holds_alternative<format::hpf::Matrix>(padded.back().weights));
  }
  EXPECT_THROW(random_layer_data(w, format::Precision::kInt8, sparsity::Pattern::kNm, 1), Error);
}

}  // namespace
}  // namespace fitformer::devices
