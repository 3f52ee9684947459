// The name map from each Hugging Face layout to fitformer's BERT names, and the cached
// rewrite of a folder.
#include "model/hf_import.h"

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/files.h"
#include "core/hash.h"
#include "data/folder_tokenizer.h"
#include "io/json_reader.h"
#include "model/bert_classifier.h"

namespace fitformer::model {
namespace {

namespace fs = std::filesystem;

constexpr const char* kTokenizerFiles[] = {"vocab.txt", "tokenizer.json", "tokenizer_config.json"};

// Replaces the prefix `from` of `name` by `to`; false when name does not start with it.
bool swap_prefix(std::string& name, std::string_view from, std::string_view to) {
  if (!name.starts_with(from)) return false;
  name = std::string(to) + name.substr(from.size());
  return true;
}

// modeling_distilbert's module names for BertLayer's, inside one layer.
std::string distilbert_layer_name(const std::string& rest) {
  static const std::pair<std::string_view, std::string_view> kModules[] = {
      {"attention.self.query.", "attention.q_lin."},
      {"attention.self.key.", "attention.k_lin."},
      {"attention.self.value.", "attention.v_lin."},
      {"attention.output.dense.", "attention.out_lin."},
      {"attention.output.LayerNorm.", "sa_layer_norm."},
      {"intermediate.dense.", "ffn.lin1."},
      {"output.dense.", "ffn.lin2."},
      {"output.LayerNorm.", "output_layer_norm."},
  };
  for (const auto& [bert, distil] : kModules) {
    std::string name = rest;
    if (swap_prefix(name, bert, distil)) return name;
  }
  return rest;
}

// The checkpoint's name for one of fitformer's (bert_classifier_tensor_specs) names.
std::string source_name(io::HfLayout layout, const std::string& name, const std::string& root) {
  std::string out = name;
  switch (layout) {
    case io::HfLayout::kBert:
      swap_prefix(out, "bert.", root);
      break;
    case io::HfLayout::kRoberta:
      if (!swap_prefix(out, "bert.pooler.dense.", "classifier.dense.") &&
          !swap_prefix(out, "classifier.", "classifier.out_proj."))
        swap_prefix(out, "bert.", "roberta.");
      break;
    case io::HfLayout::kDistilBert: {
      if (swap_prefix(out, "bert.pooler.dense.", "pre_classifier.")) break;
      if (swap_prefix(out, "bert.embeddings.", "distilbert.embeddings.")) break;
      std::string rest = name;
      if (swap_prefix(rest, "bert.encoder.layer.", "")) {
        const size_t dot = rest.find('.');
        out = "distilbert.transformer.layer." + rest.substr(0, dot + 1) +
              distilbert_layer_name(rest.substr(dot + 1));
      }
      break;
    }
  }
  return out;
}

// read_f32, with the "LayerNorm.gamma"/"beta" names of checkpoints converted from
// TensorFlow, which transformers renames on loading too.
std::vector<float> read_named(const io::SafeTensorsFile& w, const std::string& name,
                              std::span<const int64_t> shape) {
  static const std::pair<std::string_view, std::string_view> kOldNames[] = {
      {"LayerNorm.weight", "LayerNorm.gamma"}, {"LayerNorm.bias", "LayerNorm.beta"}};
  if (!w.contains(name)) {
    for (const auto& [suffix, old_suffix] : kOldNames) {
      if (!name.ends_with(suffix)) continue;
      const std::string old = name.substr(0, name.size() - suffix.size()) + std::string(old_suffix);
      if (w.contains(old)) return w.read_f32(old, shape);
    }
  }
  return w.read_f32(name, shape);
}

size_t count_lines(const std::string& text) {
  size_t lines = 0;
  for (char c : text) lines += c == '\n';
  return lines + (!text.empty() && text.back() != '\n');
}

}  // namespace

bool needs_hf_import(const fs::path& dir) {
  const fs::path config_file = dir / kConfigFileName;
  if (!fs::is_regular_file(config_file)) return false;
  std::string text;
  nlohmann::json root;
  try {
    text = read_file(config_file);
    root = io::parse_json(text, config_file.string());
  } catch (const Error&) {
    return false;  // the loader names the fault
  }
  if (!root.is_object()) return false;
  const auto type = root.find("model_type");
  if (type != root.end() && *type == "fitformer-causal-lm") return false;
  if (type == root.end() || *type != "bert") return true;
  for (const char* hf_file : {"tokenizer.json", "tokenizer_config.json"})
    if (fs::exists(dir / hf_file)) return true;
  if (!fs::exists(dir / "vocab.txt") && !fs::exists(dir / "tokenizer.model")) return true;
  try {
    io::parse_model_config(text, config_file);
    const io::SafeTensorsFile weights = io::SafeTensorsFile::open(dir / kWeightsFileName);
    return bert_encoder_root(weights) != "bert.";
  } catch (const Error&) {
    return true;  // the lenient reading may accept it, else it names the fault
  }
}

io::HfConfig read_hf_config(const fs::path& dir) {
  require_directory(dir, "model folder");
  const fs::path file = dir / kConfigFileName;
  return io::parse_hf_config(read_file(file), file);
}

HfFolder read_hf_folder(const fs::path& dir) {
  HfFolder out;
  out.hf = read_hf_config(dir);
  io::ModelConfig& config = out.hf.config;
  const fs::path weights_file = dir / kWeightsFileName;
  if (!fs::exists(weights_file) && fs::exists(dir / "pytorch_model.bin")) {
    throw Error(weights_file.string(), "",
                "model.safetensors (convert pytorch_model.bin first: README, \"Your own BERT\")",
                "only pytorch_model.bin");
  }
  const io::SafeTensorsFile w = io::SafeTensorsFile::open(weights_file);

  const data::WordPieceSource tokenizer = data::read_wordpiece_source(dir);
  if (config.do_lower_case && tokenizer.lower_case &&
      *config.do_lower_case != *tokenizer.lower_case) {
    throw Error(tokenizer.casing_file.string(),
                tokenizer.casing_file.filename() == "tokenizer.json" ? "normalizer.lowercase"
                                                                     : "do_lower_case",
                std::string(*config.do_lower_case ? "true" : "false") +
                    " as config.json's do_lower_case says",
                *tokenizer.lower_case ? "true" : "false");
  }
  config.do_lower_case = config.do_lower_case.value_or(tokenizer.lower_case.value_or(true));
  out.vocab_text = tokenizer.vocab_text;
  const size_t tokens = count_lines(tokenizer.vocab_text);
  if (tokens > static_cast<size_t>(config.vocab_size)) {
    throw Error(tokenizer.vocab_file.string(), "",
                "at most config.json's vocab_size " + std::to_string(config.vocab_size) + " tokens",
                std::to_string(tokens));
  }

  const std::string root = out.hf.layout == io::HfLayout::kBert ? bert_encoder_root(w) : "";
  const int64_t d = config.hidden_size;
  for (const TensorSpec& spec : bert_classifier_tensor_specs(config)) {
    Tensor t;
    t.shape = spec.shape;
    if (spec.name == "bert.embeddings.token_type_embeddings.weight" &&
        out.hf.layout == io::HfLayout::kDistilBert) {
      t.data.assign(static_cast<size_t>(t.numel()), 0.0f);  // no token types: adds nothing
    } else if (spec.name == "bert.embeddings.position_embeddings.weight" &&
               out.hf.position_offset > 0) {
      // RoBERTa: the stored table has position_offset rows before position 0.
      const int64_t rows = config.max_position_embeddings + out.hf.position_offset;
      const std::vector<float> all =
          read_named(w, source_name(out.hf.layout, spec.name, root), std::vector<int64_t>{rows, d});
      t.data.assign(all.begin() + out.hf.position_offset * d, all.end());
    } else {
      t.data = read_named(w, source_name(out.hf.layout, spec.name, root), spec.shape);
    }
    out.tensors.emplace(spec.name, std::move(t));
  }
  return out;
}

void write_imported_folder(const HfFolder& folder, const fs::path& dst) {
  const fs::path staging = dst.string() + ".partial";
  fs::remove_all(staging);
  write_model_folder(staging, folder.hf.config, folder.tensors);
  write_file_atomic(staging / "vocab.txt", folder.vocab_text);
  fs::remove_all(dst);
  fs::rename(staging, dst);
}

fs::path import_hf_folder(const fs::path& dir, const fs::path& cache_dir) {
  // Without weights there is nothing to hash: read_hf_folder names what is missing.
  if (!fs::exists(dir / kWeightsFileName)) read_hf_folder(dir);
  ContentHash hash;
  hash.add("hf-import-v1");
  for (const char* name : {kConfigFileName, kWeightsFileName}) hash.add_file((dir / name).string());
  for (const char* name : kTokenizerFiles) {
    hash.add(name);
    if (fs::exists(dir / name)) hash.add_file((dir / name).string());
  }
  const fs::path dst = cache_dir / "imported" / hash.hex();
  if (!fs::exists(dst)) write_imported_folder(read_hf_folder(dir), dst);
  return dst;
}

}  // namespace fitformer::model
