// Runs a sized accelerator's workload through the cycle simulator (accel/cycle_sim.h) with
// random weights pruned by any pattern: HP as HPF, the others (unstructured, block-wise,
// bank-balanced) as weight streams of the same kept count on the same hardware, so their
// bank-conflict stalls and idle PEs show (DESIGN.md §4; `fitformer simulate`).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

#include "accel/cycle_sim.h"
#include "accel/workload.h"
#include "sparsity/patterns.h"

namespace fitformer::devices {

// One LayerData per LinearOp of the workload, in order. Weights uniform in [-1, 1) from
// `seed` (one seed per layer derived from it), pruned by magnitude:
//  - kHp: hp_mask with the op's own k1 and n, packed as HPF (per-row scales), or as a stream
//    in `packer`'s order when one is given (the same mask through the other packer);
//  - kUnstructured, kBlock (Br 16 x Bc), kBankBalanced: make_mask at the op's HP density
//    (kept slots / (M x K)), packed as a stream (accel/stream_matrix.h) in `packer`'s order,
//    bank-interleaved when none is given.
// Layers kept dense (LinearOp::pruned false, or k1 = M and n = Bc / B) are dense HPF for
// every pattern and packer. Activations are uniform over the precision's range, biases zero.
// Throws Error for another pattern.
std::vector<accel::LayerData> random_layer_data(
    const accel::Workload& workload, format::Precision precision, sparsity::Pattern pattern,
    uint64_t seed, std::optional<accel::StreamOrder> packer = std::nullopt);

// fp32 weights [M][K] per LinearOp of a workload, in order; an empty entry means random.
using LayerWeights = std::vector<std::vector<float>>;

// The same with the given weights where an entry is not empty (its size must be M x K). For
// the dense design every layer is a DenseMatrix (per-row scales) of its whole weight matrix and
// the pattern is not used.
std::vector<accel::LayerData> layer_data(const accel::Workload& workload,
                                         format::Precision precision, sparsity::Pattern pattern,
                                         uint64_t seed, const LayerWeights& weights,
                                         std::optional<accel::StreamOrder> packer = std::nullopt,
                                         accel::Design design = accel::Design::kHp);

// The encoder linears' weights of a dense model folder (model::*_encoder_linears, matched in
// order to the workload's pruned LinearOps, shapes checked); the dense head layers (decoder,
// pooler, classifier) stay empty. A folder holding HPF matrices is refused: pass its dense
// twin (runtime::densify_model_folder). Throws Error naming the folder and the tensor.
LayerWeights model_folder_weights(const std::filesystem::path& dir,
                                  const accel::Workload& workload);

// simulate_workload on random_layer_data.
accel::SimResult simulate_random(const accel::AccelSpec& spec, const accel::Mapping& mapping,
                                 const accel::Workload& workload, sparsity::Pattern pattern,
                                 uint64_t seed);

}  // namespace fitformer::devices
