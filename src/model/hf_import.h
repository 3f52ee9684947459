// Bringing your own Hugging Face classifier: a folder of config.json, model.safetensors and
// vocab.txt (or tokenizer.json, with tokenizer_config.json) in the layout of
// BertForSequenceClassification, DistilBertForSequenceClassification or
// RobertaForSequenceClassification, rewritten as a fitformer BERT folder (model_type bert,
// "bert.*" names, casing in config.json) that every later step (prune, score, deploy) reads.
// The rewrite is exact: the same logits, only the names and the bookkeeping change.
#pragma once

#include <filesystem>
#include <string>

#include "io/hf_config.h"
#include "model/weights.h"

namespace fitformer::model {

struct HfFolder {
  io::HfConfig hf;         // the parsed config (fitformer's, in hf.config) and its warnings
  NamedTensors tensors;    // named as bert_classifier_tensor_specs(hf.config) names them
  std::string vocab_text;  // vocab.txt's form
};

// Whether fitformer's loaders cannot read `dir` as it is and it must be imported first: a
// DistilBERT or RoBERTa config, a BERT folder with Hugging Face's tokenizer files or no
// vocab.txt, a config.json only the lenient reading accepts, or encoder names without "bert.".
// False for fitformer's own folders (model_type fitformer-causal-lm, or a BERT folder it
// wrote) and for a folder without a readable config.json (the loader then names the fault).
bool needs_hf_import(const std::filesystem::path& dir);

// config.json alone (cheap): the layout, fitformer's config and the warnings.
io::HfConfig read_hf_config(const std::filesystem::path& dir);

// The whole folder in fitformer's layout. DistilBERT: q_lin/k_lin/v_lin/out_lin, ffn.lin1/2,
// sa_layer_norm/output_layer_norm, pre_classifier as the pooler (relu), zero token-type
// embeddings. RoBERTa: "roberta.*", classifier.dense as the pooler and classifier.out_proj
// as the classifier, position rows from position_offset on. Old "LayerNorm.gamma/beta" names
// read as weight/bias. Throws Error naming the file and the tensor or field that is missing
// or wrong (pytorch_model.bin alone: the conversion to model.safetensors is needed first).
HfFolder read_hf_folder(const std::filesystem::path& dir);

// Writes dst with config.json, model.safetensors and vocab.txt, through a sibling folder
// renamed into place (dst exists only complete).
void write_imported_folder(const HfFolder& folder, const std::filesystem::path& dst);

// The import of `dir` under cache_dir/imported/<hash of its files>, written on first use.
std::filesystem::path import_hf_folder(const std::filesystem::path& dir,
                                       const std::filesystem::path& cache_dir);

}  // namespace fitformer::model
