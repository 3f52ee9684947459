// Pruned model folders without retraining: a dense model folder pruned in memory with HP by
// magnitude and written as HPF (how `devices predict`, `bench model`, tests and benchmarks
// build pruned models from dense or random weights; a model pruned with retraining gets its
// HPF form from the trainer's own masks, train/prune_finetune.h), and the way back to a
// dense folder holding the masked weights.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "format/value_type.h"
#include "sparsity/hp_plan.h"

namespace fitformer::runtime {

// What prune_model_folder writes: the plan every encoder linear is pruned with
// (sparsity::split per matrix), and the HPF value type: kF32, or kI8 / kI16 with per-row
// scales (format/value_type.h's rule; format::precision_value_type gives a precision's).
// load_sparse_model runs f32 and i8; i16 is the accelerator's int16 deployment.
struct HpPruneSpec : sparsity::HpPlan {
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
// them (format::write_hpf_folder: assembled beside dst and renamed into place). Throws Error
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
