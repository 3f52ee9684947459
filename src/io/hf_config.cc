// Translates a Hugging Face config.json into the strict BERT config of io/model_config.h:
// this file decides what is renamed, defaulted, ignored with a warning or refused; the field
// checks themselves stay in parse_model_config.
#include "io/hf_config.h"

#include <algorithm>
#include <array>
#include <map>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/json_reader.h"

namespace fitformer::io {
namespace {

using nlohmann::json;

struct LayoutEntry {
  HfLayout layout;
  std::string_view model_type;
};
constexpr std::array<LayoutEntry, 3> kLayouts = {{
    {HfLayout::kBert, "bert"},
    {HfLayout::kDistilBert, "distilbert"},
    {HfLayout::kRoberta, "roberta"},
}};

// Keys transformers writes that change nothing at inference of a sequence classifier:
// bookkeeping, generation settings (PretrainedConfig's defaults, serialized by older
// versions), special token ids the tokenizer holds anyway, training-only dropouts of heads
// we do not have.
constexpr std::string_view kHarmlessKeys[] = {"architectures",
                                              "finetuning_task",
                                              "torch_dtype",
                                              "transformers_version",
                                              "use_cache",
                                              "gradient_checkpointing",
                                              "output_past",
                                              "output_attentions",
                                              "output_hidden_states",
                                              "return_dict",
                                              "torchscript",
                                              "tie_word_embeddings",
                                              "tokenizer_class",
                                              "prefix",
                                              "task_specific_params",
                                              "bos_token_id",
                                              "eos_token_id",
                                              "sep_token_id",
                                              "cls_token_id",
                                              "decoder_start_token_id",
                                              "chunk_size_feed_forward",
                                              "qa_dropout",
                                              "tie_weights_",
                                              "use_bfloat16",
                                              "tf_legacy_loss",
                                              "max_length",
                                              "min_length",
                                              "do_sample",
                                              "early_stopping",
                                              "num_beams",
                                              "num_beam_groups",
                                              "diversity_penalty",
                                              "temperature",
                                              "top_k",
                                              "top_p",
                                              "typical_p",
                                              "repetition_penalty",
                                              "length_penalty",
                                              "no_repeat_ngram_size",
                                              "encoder_no_repeat_ngram_size",
                                              "bad_words_ids",
                                              "num_return_sequences",
                                              "output_scores",
                                              "return_dict_in_generate",
                                              "forced_bos_token_id",
                                              "forced_eos_token_id",
                                              "remove_invalid_values",
                                              "exponential_decay_length_penalty",
                                              "suppress_tokens",
                                              "begin_suppress_tokens",
                                              "cross_attention_hidden_size",
                                              "sinusoidal_pos_embds",
                                              "classifier_activation"};

// Keys that would make another model than ours unless they hold transformers' default.
struct DefaultOnly {
  std::string_view key;
  const char* default_json;
};
constexpr std::array<DefaultOnly, 4> kDefaultOnlyKeys = {{
    {"is_decoder", "false"},
    {"add_cross_attention", "false"},
    {"is_encoder_decoder", "false"},
    {"pruned_heads", "{}"},
}};

// DistilBertConfig's names for BertConfig's fields.
const std::map<std::string, std::string>& distilbert_names() {
  static const std::map<std::string, std::string> names = {
      {"dim", "hidden_size"},
      {"n_layers", "num_hidden_layers"},
      {"n_heads", "num_attention_heads"},
      {"hidden_dim", "intermediate_size"},
      {"activation", "hidden_act"},
      {"dropout", "hidden_dropout_prob"},
      {"attention_dropout", "attention_probs_dropout_prob"},
      {"seq_classif_dropout", "classifier_dropout"},
  };
  return names;
}

std::string why_ignored(std::string_view key) {
  if (key == "torch_dtype") return "weights are converted to fp32 as they are read";
  if (key == "architectures") return "the layout comes from model_type and the tensor names";
  if (key == "sinusoidal_pos_embds") return "the stored position embeddings are used as they are";
  return "no effect on inference";
}

// architectures' class names are worth reading; other values as errors describe them.
std::string describe_value(const json& value) {
  if (value.is_array() && value.size() <= 2 &&
      std::all_of(value.begin(), value.end(), [](const json& v) { return v.is_string(); })) {
    std::string names;
    for (const json& v : value) names += (names.empty() ? "" : ", ") + describe_json(v);
    return "[" + names + "]";
  }
  return describe_json(value);
}

}  // namespace

HfConfig parse_hf_config(const std::string& json_text, const std::filesystem::path& path) {
  const std::string file = path.string();
  const json root = parse_json(json_text, file);
  if (!root.is_object()) throw Error(file, "", "a JSON object", describe_json(root));
  const auto type_it = root.find("model_type");
  const auto layout_it = std::find_if(kLayouts.begin(), kLayouts.end(), [&](const LayoutEntry& e) {
    return type_it != root.end() && type_it->is_string() && *type_it == e.model_type;
  });
  if (layout_it == kLayouts.end()) {
    throw Error(file, "model_type",
                "bert, distilbert or roberta (a BERT-style classifier) or fitformer-causal-lm",
                type_it == root.end() ? "it missing" : describe_json(*type_it));
  }
  HfConfig out;
  out.layout = layout_it->layout;
  out.model_type = std::string(layout_it->model_type);
  const bool distil = out.layout == HfLayout::kDistilBert;

  // The strict parser's input: every key that means something, under BertConfig's name.
  json bert = json::object();
  for (const auto& [key, value] : root.items()) {
    if (key.starts_with("_") || key == "model_type") continue;  // _name_or_path, _commit_hash
    if (std::find(std::begin(kHarmlessKeys), std::end(kHarmlessKeys), key) !=
        std::end(kHarmlessKeys)) {
      if (key == "sinusoidal_pos_embds" && distil) continue;  // read: see why_ignored
      out.warnings.push_back(file + ": " + key + " " + describe_value(value) + " ignored (" +
                             why_ignored(key) + ")");
      continue;
    }
    // A copy: clang 14 cannot capture a structured binding in a lambda.
    const std::string name = key;
    const auto special = std::find_if(kDefaultOnlyKeys.begin(), kDefaultOnlyKeys.end(),
                                      [&](const DefaultOnly& d) { return d.key == name; });
    if (special != kDefaultOnlyKeys.end()) {
      if (value != json::parse(special->default_json)) {
        throw Error(file, key, std::string(special->default_json) + " (a plain encoder)",
                    describe_json(value));
      }
      continue;
    }
    const auto renamed = distil ? distilbert_names().find(key) : distilbert_names().end();
    bert[renamed != distilbert_names().end() ? renamed->second : key] = value;
  }

  bert["model_type"] = "bert";
  if (distil) {
    // DistilBertConfig's defaults where they differ from BertConfig's; its embeddings have no
    // token types and every layer norm uses eps 1e-12 (hard-coded in modeling_distilbert);
    // its head is pre_classifier, relu, classifier.
    if (!bert.contains("num_hidden_layers")) bert["num_hidden_layers"] = 6;
    if (!bert.contains("classifier_dropout")) bert["classifier_dropout"] = 0.2;
    for (const char* key : {"type_vocab_size", "layer_norm_eps", "pooler_hidden_act"}) {
      if (bert.contains(key))
        throw Error(file, key, "no such key in a distilbert config", describe_json(bert[key]));
    }
    bert["type_vocab_size"] = 1;
    bert["layer_norm_eps"] = 1e-12;
    bert["pooler_hidden_act"] = "relu";
  }
  if (out.layout == HfLayout::kRoberta) {
    if (!bert.contains("pad_token_id")) bert["pad_token_id"] = 1;  // RobertaConfig's default
    // Positions run from pad_token_id + 1 (create_position_ids_from_input_ids), so the rows
    // below are never read and a sequence may use max_position_embeddings - offset of them.
    const json& pad = bert["pad_token_id"];
    if (!pad.is_number_unsigned() || pad.get<uint64_t>() > uint64_t{ModelLimits::kVocabSize})
      throw Error(file, "pad_token_id", "a token id", describe_json(pad));
    out.position_offset = static_cast<int>(pad.get<uint64_t>()) + 1;
    const json positions = bert.value("max_position_embeddings", json(512));
    if (!positions.is_number_integer() || positions.get<int64_t>() <= out.position_offset) {
      throw Error(file, "max_position_embeddings",
                  "an integer above pad_token_id + 1 = " + std::to_string(out.position_offset),
                  describe_json(positions));
    }
    bert["max_position_embeddings"] = positions.get<int64_t>() - out.position_offset;
  }
  try {
    out.config = parse_model_config(bert.dump(), path);
  } catch (const Error& e) {
    // Name the key as this file spells it.
    for (const auto& [distil_key, bert_key] : distilbert_names()) {
      if (distil && e.field() == bert_key)
        throw Error(e.file(), distil_key, e.expected(), e.found());
    }
    throw;
  }
  return out;
}

}  // namespace fitformer::io
