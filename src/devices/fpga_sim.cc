// Random layer data for the cycle simulator, for HP and the patterns it is compared with.
#include "devices/fpga_sim.h"

#include <fmt/format.h>

#include <algorithm>
#include <variant>

#include "accel/stream_matrix.h"
#include "core/error.h"
#include "core/random.h"
#include "format/hpf.h"
#include "format/hpf_safetensors.h"
#include "model/bert_classifier.h"
#include "model/causal_lm.h"
#include "model/weights.h"
#include "sparsity/hierarchical.h"

namespace fitformer::devices {
namespace {

std::vector<float> random_matrix(int64_t rows, int64_t cols, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> w(static_cast<size_t>(rows * cols));
  for (float& v : w) v = static_cast<float>(rng.uniform() * 2.0 - 1.0);
  return w;
}

std::vector<int16_t> random_activations(int64_t count, format::Precision precision, uint64_t seed) {
  Rng rng(seed);
  const int32_t q = format::precision_qmax(precision);
  std::vector<int16_t> x(static_cast<size_t>(count));
  for (int16_t& v : x) v = static_cast<int16_t>(static_cast<int64_t>(rng.below(2 * q + 1)) - q);
  return x;
}

sparsity::PatternParams stream_params(sparsity::Pattern pattern, double density,
                                      const accel::Workload& w) {
  switch (pattern) {
    case sparsity::Pattern::kUnstructured:
      return sparsity::UnstructuredParams{.density = density};
    case sparsity::Pattern::kBlock:
      return sparsity::BlockWiseParams{
          .density = density, .block_rows = 16, .block_cols = w.block_cols};
    case sparsity::Pattern::kBankBalanced:
      return sparsity::BankBalancedParams{
          .density = density, .block_cols = w.block_cols, .banks = w.banks};
    default:
      throw Error("simulate", "pattern", "hp, unstructured, block or bank-balanced",
                  std::string(sparsity::pattern_name(pattern)));
  }
}

}  // namespace

std::vector<accel::LayerData> random_layer_data(const accel::Workload& workload,
                                                format::Precision precision,
                                                sparsity::Pattern pattern, uint64_t seed,
                                                std::optional<accel::StreamOrder> packer) {
  return layer_data(workload, precision, pattern, seed, {}, packer);
}

std::vector<accel::LayerData> layer_data(const accel::Workload& workload,
                                         format::Precision precision, sparsity::Pattern pattern,
                                         uint64_t seed, const LayerWeights& weights,
                                         std::optional<accel::StreamOrder> packer,
                                         accel::Design design) {
  if (pattern != sparsity::Pattern::kHp) stream_params(pattern, 0.5, workload);  // validates
  std::vector<accel::LayerData> layers;
  const int64_t bw = workload.block_cols / workload.banks;
  uint64_t layer_seed = seed;
  size_t index = 0;
  for (const accel::Op& op : workload.ops) {
    const auto* lin = std::get_if<accel::LinearOp>(&op);
    if (!lin) continue;
    ++layer_seed;
    const bool given = index < weights.size() && !weights[index].empty();
    if (given && weights[index].size() != static_cast<size_t>(lin->rows * lin->cols)) {
      throw Error("simulate", lin->name, std::to_string(lin->rows * lin->cols) + " weights",
                  std::to_string(weights[index].size()));
    }
    const auto w = given ? weights[index] : random_matrix(lin->rows, lin->cols, layer_seed * 7919);
    ++index;
    const bool dense = !lin->pruned || (lin->k1 == lin->rows && lin->n == bw);
    accel::LayerData data;
    if (design == accel::Design::kDense) {
      data.weights =
          accel::quantize_dense(w, lin->rows, lin->cols, precision, format::ScaleMode::kPerRow);
    } else if (dense || pattern == sparsity::Pattern::kHp) {
      const sparsity::HpParams hp{
          .rho1 = static_cast<double>(lin->k1) / static_cast<double>(lin->rows),
          .rho2 = static_cast<double>(lin->n) / static_cast<double>(bw),
          .block_cols = workload.block_cols,
          .banks = workload.banks};
      const auto mask = sparsity::hp_mask(sparsity::magnitude_scores(w), lin->rows, lin->cols, hp);
      if (!dense && packer) {
        data.weights =
            accel::pack_stream(w, lin->rows, lin->cols, mask, workload.block_cols, workload.banks,
                               precision, format::ScaleMode::kPerRow, *packer);
      } else {
        data.weights =
            format::pack_hpf(w, lin->rows, lin->cols, mask, hp,
                             format::precision_value_type(precision), format::ScaleMode::kPerRow);
      }
    } else {
      const double kept =
          static_cast<double>(((lin->cols + workload.block_cols - 1) / workload.block_cols) *
                              lin->k1 * workload.banks * lin->n);
      const double density = std::min(1.0, kept / static_cast<double>(lin->rows * lin->cols));
      const auto mask = sparsity::make_mask(sparsity::magnitude_scores(w), lin->rows, lin->cols,
                                            stream_params(pattern, density, workload));
      data.weights = accel::pack_stream(w, lin->rows, lin->cols, mask, workload.block_cols,
                                        workload.banks, precision, format::ScaleMode::kPerRow,
                                        packer.value_or(accel::StreamOrder::kBankInterleaved));
    }
    data.x = random_activations(lin->tokens * lin->cols, precision, layer_seed * 104729);
    layers.push_back(std::move(data));
  }
  return layers;
}

LayerWeights model_folder_weights(const std::filesystem::path& dir,
                                  const accel::Workload& workload) {
  const io::ModelConfig config = io::load_model_config(dir / model::kConfigFileName);
  const model::ModelFolder folder = model::open_model_folder(dir, config.family);
  if (!format::hpf_matrix_names(folder.weights).empty()) {
    throw Error(dir.string(), model::kWeightsFileName, "a dense folder (densify a pruned one)",
                "HPF matrices");
  }
  const std::vector<model::EncoderLinear> encoder =
      config.family == io::ModelFamily::kCausalLm
          ? model::causal_lm_encoder_linears(config)
          : model::bert_classifier_encoder_linears(config,
                                                   model::bert_encoder_root(folder.weights));
  LayerWeights out;
  size_t next = 0;
  for (const accel::Op& op : workload.ops) {
    const auto* lin = std::get_if<accel::LinearOp>(&op);
    if (!lin) continue;
    if (!lin->pruned) {
      out.emplace_back();
      continue;
    }
    if (next >= encoder.size() || encoder[next].out_features != lin->rows ||
        encoder[next].in_features != lin->cols) {
      throw Error(dir.string(), lin->name,
                  fmt::format("an encoder linear of {} x {}", lin->rows, lin->cols),
                  next < encoder.size() ? encoder[next].weight_name : "none left");
    }
    out.push_back(
        model::read_weight(folder.weights, encoder[next].weight_name, {lin->rows, lin->cols}));
    ++next;
  }
  return out;
}

accel::SimResult simulate_random(const accel::AccelSpec& spec, const accel::Mapping& mapping,
                                 const accel::Workload& workload, sparsity::Pattern pattern,
                                 uint64_t seed) {
  const auto layers = random_layer_data(workload, spec.precision, pattern, seed);
  return accel::simulate_workload(spec, mapping, workload, layers);
}

}  // namespace fitformer::devices
