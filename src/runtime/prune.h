// Pruned model folders: a dense model folder pruned in memory with HP by magnitude and
// written as HPF (what `fitformer prune` runs after fine-tuning, and how tests and benchmarks
// build pruned models), and the way back to a dense folder holding the masked weights.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "format/value_type.h"

namespace fitformer::runtime {

// HP parameters applied to every encoder linear (sparsity/hierarchical.h): each matrix gets
// the split of `sparsity` with rho1 fixed (hp_split_for_rho1) or rho2 fixed
// (hp_split_for_rho2); at most one may be set, neither means rho2 = 0.5.
struct HpPruneSpec {
  double sparsity = 0.9;
  std::optional<double> rho1;
  std::optional<double> rho2;
  int64_t block_cols = 64;  // Bc
  int64_t banks = 8;        // B
  // kF32, or kI8 / kI16 with per-row scales (format/value_type.h's rule). load_sparse_model
  // runs f32 and i8; i16 is the accelerator's int16 deployment.
  format::ValueType value_type = format::ValueType::kF32;
};

// One pruned matrix, as chosen: the stored integers and the density reached.
struct PrunedLinear {
  std::string name;  // the weight tensor's name
  int64_t rows = 0, cols = 0;
  int64_t k1 = 0, n = 0;
  double density = 0;  // kept / (rows * cols)
};

// Reads the dense folder src (config.json + model.safetensors, either family), replaces each
// encoder linear's weight (model::*_encoder_linears) with its HPF matrix under the HP mask of
// |W| (sparsity::hp_mask + format::pack_hpf), keeps every other tensor and the metadata as
// they are, and writes dst with config.json and tokenizer.model / vocab.txt when src has
// them. dst is assembled in a sibling "<dst>.partial" folder and renamed into place, so an
// interrupted run never leaves half a folder at dst (an older dst is replaced). Throws Error
// naming the file and tensor for a bad folder, an src that already holds HPF matrices, or HP
// parameters that do not fit a matrix (dst equal to src included).
std::vector<PrunedLinear> prune_model_folder(const std::filesystem::path& src,
                                             const std::filesystem::path& dst,
                                             const HpPruneSpec& spec);

// The dense folder a pruned folder stands for: every HPF matrix decoded to fp32
// (format::hpf_to_dense: pruned weights 0, integers dequantized), all else copied, written the
// same way. model::load_* then runs the masked weights on the dense engine.
void densify_model_folder(const std::filesystem::path& src, const std::filesystem::path& dst);

}  // namespace fitformer::runtime
