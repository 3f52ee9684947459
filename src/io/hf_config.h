// The config.json of a Hugging Face sequence classifier (BERT, DistilBERT or RoBERTa) read
// into fitformer's BERT config: keys renamed where DistilBERT names them otherwise, the
// architectural differences made explicit (RoBERTa's position offset, DistilBERT's relu head
// and missing token types), and HF's harmless bookkeeping keys set aside with a warning
// rather than refused. What would change the model's output stays an error.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "io/model_config.h"

namespace fitformer::io {

// Which layout a Hugging Face folder has; each maps onto fitformer's BERT classifier.
enum class HfLayout { kBert, kDistilBert, kRoberta };

struct HfConfig {
  HfLayout layout = HfLayout::kBert;
  std::string model_type;  // as config.json spells it: "bert", "distilbert", "roberta"
  // fitformer's config (model_type bert). For RoBERTa max_position_embeddings counts the
  // positions a sequence can use: the checkpoint's minus position_offset.
  ModelConfig config;
  // RoBERTa numbers positions from pad_token_id + 1 (rows below are never used); 0 otherwise.
  int position_offset = 0;
  // One line each, "config.json: KEY ... ignored (why)", for the caller to print.
  std::vector<std::string> warnings;
};

// Parses config.json text; `file` names it in errors and warnings. model_type must be bert,
// distilbert or roberta. Keys that change nothing at inference (architectures,
// finetuning_task, torch_dtype, transformers_version, generation defaults, token ids of
// special tokens, ...) give a warning each; settings fitformer cannot honour (is_decoder,
// add_cross_attention, position_embedding_type other than absolute, pruned_heads, an unknown
// activation) and unknown keys throw Error naming the key as config.json spells it.
HfConfig parse_hf_config(const std::string& json_text, const std::filesystem::path& file);

}  // namespace fitformer::io
