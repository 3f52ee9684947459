// Model folders (config.json, model.safetensors, tokenizer) whose weights hold HPF matrices:
// written from a dense folder and the matrices that replace its tensors, or re-encoded at
// another value type. Every folder is assembled beside its destination and renamed into
// place, so an interrupted run never leaves half a folder.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <string>

#include "format/hpf.h"
#include "format/value_type.h"
#include "sparsity/patterns.h"

namespace fitformer::format {

// Whether a pruned model folder gets its HPF form (<folder>/hpf, which the trainer writes from
// its final masks and fitformer runs): HP with one plan for every layer, since the folder's
// metadata records one plan. The trainer and the prune job both ask here, so they agree.
inline bool has_hpf_form(sparsity::Pattern pattern, bool per_layer_settings) {
  return pattern == sparsity::Pattern::kHp && !per_layer_settings;
}

// Writes a fresh "<dst>.partial" folder with write_weights(staging) (model.safetensors), then
// src's config.json (read and written again) and src's tokenizer files (tokenizer.model,
// vocab.txt) when present, and renames it to dst (an older dst is replaced). Throws Error
// (field "output folder") when dst is src.
void write_model_folder_swapped(
    const std::filesystem::path& src, const std::filesystem::path& dst,
    const std::function<void(const std::filesystem::path&)>& write_weights);

// dst: the folder src with each tensor named in `matrices` replaced by that HPF matrix; every
// other tensor and src's metadata kept as they are.
void write_hpf_folder(const std::filesystem::path& src, const std::filesystem::path& dst,
                      const std::map<std::string, hpf::Matrix>& matrices);

// dst: src's HPF matrices re-encoded at `value_type` by convert_hpf (same mask; per-row scales
// for the integer types), every other tensor and the metadata kept. Throws Error naming the
// file when src holds no HPF matrix.
void convert_hpf_folder(const std::filesystem::path& src, const std::filesystem::path& dst,
                        ValueType value_type);

}  // namespace fitformer::format
