// Parses and writes config.json for the two model families, checking every field so that a
// wrong config fails here, naming its key, rather than as a shape mismatch in the weights.
#include "io/model_config.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/files.h"
#include "core/nearest_name.h"
#include "io/json_reader.h"

namespace fitformer::io {
namespace {

using nlohmann::json;

struct FamilyEntry {
  ModelFamily family;
  std::string_view model_type;
};
constexpr std::array<FamilyEntry, 2> kFamilies = {{
    {ModelFamily::kCausalLm, "fitformer-causal-lm"},
    {ModelFamily::kBertClassifier, "bert"},
}};

constexpr std::array<std::string_view, 2> kActivations = {"gelu", "relu"};
constexpr std::array<std::string_view, 3> kProblemTypes = {
    "single_label_classification", "multi_label_classification", "regression"};

// Keys both families read, then those only BERT has, then HuggingFace bookkeeping that
// carries no meaning for inference (keys starting with "_" are bookkeeping too).
constexpr std::array<std::string_view, 13> kCommonKeys = {"model_type",
                                                          "vocab_size",
                                                          "hidden_size",
                                                          "num_hidden_layers",
                                                          "num_attention_heads",
                                                          "intermediate_size",
                                                          "hidden_act",
                                                          "hidden_dropout_prob",
                                                          "attention_probs_dropout_prob",
                                                          "max_position_embeddings",
                                                          "initializer_range",
                                                          "layer_norm_eps",
                                                          "pad_token_id"};
constexpr std::array<std::string_view, 9> kBertKeys = {"type_vocab_size",
                                                       "id2label",
                                                       "label2id",
                                                       "num_labels",
                                                       "problem_type",
                                                       "classifier_dropout",
                                                       "position_embedding_type",
                                                       "pooler_hidden_act",
                                                       "do_lower_case"};
constexpr std::array<std::string_view, 2> kPoolerActivations = {"tanh", "relu"};
constexpr std::array<std::string_view, 4> kBookkeepingKeys = {"architectures", "torch_dtype",
                                                              "transformers_version", "use_cache"};
constexpr std::string_view kGradientCheckpointing = "gradient_checkpointing";

template <size_t N>
bool contains(const std::array<std::string_view, N>& list, std::string_view key) {
  return std::find(list.begin(), list.end(), key) != list.end();
}

template <size_t N>
std::string join(const std::array<std::string_view, N>& list) {
  std::string s;
  for (auto item : list) s += (s.empty() ? "" : ", ") + std::string(item);
  return s;
}

// Reads fields out of the parsed object, each check naming the file and the key.
struct Reader {
  const json& root;
  std::string file;

  const json* get(const char* key) const {
    const auto it = root.find(key);
    return it == root.end() ? nullptr : &*it;
  }

  void read_int(const char* key, int& out, int min_value, int max_value) const {
    const json* v = get(key);
    if (v == nullptr) return;
    // An unsigned JSON integer above INT64_MAX would read back negative as int64.
    const bool in_range = v->is_number_integer() &&
                          !(v->is_number_unsigned() && v->get<uint64_t>() > uint64_t{INT32_MAX}) &&
                          v->get<int64_t>() >= min_value && v->get<int64_t>() <= max_value;
    if (!in_range) {
      throw Error(
          file, key,
          "an integer in [" + std::to_string(min_value) + ", " + std::to_string(max_value) + "]",
          describe_json(*v));
    }
    out = static_cast<int>(v->get<int64_t>());
  }

  void read_double(const char* key, double& out, double min_value, double max_value,
                   const std::string& range) const {
    const json* v = get(key);
    if (v == nullptr) return;
    if (!v->is_number() || !(v->get<double>() >= min_value) || !(v->get<double>() < max_value)) {
      throw Error(file, key, "a number " + range, describe_json(*v));
    }
    out = v->get<double>();
  }

  template <size_t N>
  void read_choice(const char* key, std::string& out,
                   const std::array<std::string_view, N>& allowed) const {
    const json* v = get(key);
    if (v == nullptr) return;
    if (!v->is_string() || !contains(allowed, v->get<std::string>())) {
      throw Error(file, key, "one of " + join(allowed), describe_json(*v));
    }
    out = v->get<std::string>();
  }
};

void check_keys(const json& root, ModelFamily family, const std::string& file) {
  for (const auto& [key, value] : root.items()) {
    if (contains(kCommonKeys, key) || contains(kBookkeepingKeys, key) ||
        key == kGradientCheckpointing || key.starts_with("_")) {
      continue;
    }
    if (family == ModelFamily::kBertClassifier && contains(kBertKeys, key)) continue;
    std::string allowed = join(kCommonKeys);
    if (family == ModelFamily::kBertClassifier) allowed += ", " + join(kBertKeys);
    allowed += ", " + join(kBookkeepingKeys) + ", gradient_checkpointing, or keys starting with _";
    // The likeliest key goes first: the full list is longer than an error line may be. A
    // copy: clang 14 cannot capture a structured binding in a lambda.
    const std::string typed = key.substr(0, 64);
    std::string_view closest = kCommonKeys[0];
    const auto consider = [&](std::string_view candidate) {
      if (edit_distance(typed, candidate) < edit_distance(typed, closest)) closest = candidate;
    };
    for (auto k : kCommonKeys) consider(k);
    if (family == ModelFamily::kBertClassifier)
      for (auto k : kBertKeys) consider(k);
    throw Error(file, key, "a known key, e.g. " + std::string(closest) + " (all: " + allowed + ")",
                "an unknown key");
  }
}

// id2label {"0": name, ...} must name ids 0..n-1; label2id, if given, must be its inverse.
void read_labels(const Reader& r, ModelConfig& config) {
  const json* id2label = r.get("id2label");
  const json* label2id = r.get("label2id");
  if (id2label != nullptr) {
    if (!id2label->is_object() || id2label->empty()) {
      throw Error(r.file, "id2label", "an object {\"0\": name, ...}", describe_json(*id2label));
    }
    if (id2label->size() > static_cast<size_t>(ModelLimits::kLabels)) {
      throw Error(r.file, "id2label", "at most " + std::to_string(ModelLimits::kLabels) + " labels",
                  describe_json(*id2label));
    }
    config.label_names.assign(id2label->size(), std::string());
    std::vector<bool> seen(id2label->size(), false);
    for (const auto& [key, value] : id2label->items()) {
      size_t id = 0;
      const bool digits =
          !key.empty() && key.size() < 10 &&
          std::all_of(key.begin(), key.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (digits) id = std::stoul(key);
      if (!digits || id >= seen.size() || seen[id]) {
        throw Error(r.file, "id2label", "ids 0.." + std::to_string(seen.size() - 1) + ", each once",
                    "\"" + key + "\"");
      }
      if (!value.is_string())
        throw Error(r.file, "id2label." + key, "a label name", describe_json(value));
      seen[id] = true;
      config.label_names[id] = value.get<std::string>();
    }
    config.num_labels = static_cast<int>(config.label_names.size());
  }
  if (label2id != nullptr) {
    if (id2label == nullptr) throw Error(r.file, "label2id", "id2label beside it", "none");
    json inverse = json::object();
    for (size_t i = 0; i < config.label_names.size(); ++i) inverse[config.label_names[i]] = i;
    if (*label2id != inverse)
      throw Error(r.file, "label2id", "the inverse of id2label", describe_json(*label2id));
  }
  if (const json* n = r.get("num_labels"); n != nullptr) {
    const int from_names = config.num_labels;
    r.read_int("num_labels", config.num_labels, 1, ModelLimits::kLabels);
    if (id2label != nullptr && config.num_labels != from_names) {
      throw Error(r.file, "num_labels", "the size of id2label, " + std::to_string(from_names),
                  describe_json(*n));
    }
  }
}

void check_consistency(const ModelConfig& c, const std::string& file) {
  if (c.vocab_size <= 0) throw Error(file, "vocab_size", "an integer >= 1", "it missing");
  if (c.hidden_size % c.num_attention_heads != 0) {
    throw Error(file, "num_attention_heads",
                "a divisor of hidden_size " + std::to_string(c.hidden_size),
                std::to_string(c.num_attention_heads));
  }
  if (c.pad_token_id >= c.vocab_size) {
    throw Error(file, "pad_token_id", "an id below vocab_size " + std::to_string(c.vocab_size),
                std::to_string(c.pad_token_id));
  }
  if (approx_parameter_count(c) > ModelLimits::kParameters) {
    throw Error(file, "hidden_size",
                "sizes giving at most " + std::to_string(ModelLimits::kParameters) + " parameters",
                std::to_string(approx_parameter_count(c)));
  }
}

}  // namespace

std::string_view model_type_name(ModelFamily family) {
  for (const auto& e : kFamilies) {
    if (e.family == family) return e.model_type;
  }
  return "?";
}

int64_t approx_parameter_count(const ModelConfig& c) {
  const int64_t h = c.hidden_size, ff = c.intermediate_size;
  const int64_t tables = int64_t{c.vocab_size} + c.max_position_embeddings + c.type_vocab_size +
                         c.num_labels + h;  // embeddings, positions, heads (pooler: h x h)
  return tables * h + int64_t{c.num_hidden_layers} * (4 * h * h + 2 * h * ff);
}

ModelConfig default_model_config(ModelFamily family) {
  ModelConfig c;
  c.family = family;
  if (family == ModelFamily::kBertClassifier) {
    // transformers.BertConfig's defaults (bert-base), which HuggingFace fills in for absent keys.
    c.vocab_size = 30522;
    c.hidden_size = 768;
    c.num_hidden_layers = 12;
    c.num_attention_heads = 12;
    c.intermediate_size = 3072;
    c.hidden_act = "gelu";
    c.layer_norm_eps = 1e-12;
  } else {
    // nn.TransformerEncoderLayer's defaults; the vocabulary has none and must be given.
    c.vocab_size = 0;
    c.hidden_act = "relu";
    c.layer_norm_eps = 1e-5;
  }
  return c;
}

ModelConfig parse_model_config(const std::string& json_text, const std::filesystem::path& file) {
  const std::string fname = file.string();
  const json root = parse_json(json_text, fname);
  if (!root.is_object()) throw Error(fname, "", "a JSON object", describe_json(root));

  const auto type_it = root.find("model_type");
  if (type_it == root.end()) {
    throw Error(fname, "model_type", "one of fitformer-causal-lm, bert", "it missing");
  }
  const auto family_it =
      std::find_if(kFamilies.begin(), kFamilies.end(), [&](const FamilyEntry& e) {
        return type_it->is_string() && e.model_type == type_it->get<std::string>();
      });
  if (family_it == kFamilies.end()) {
    throw Error(fname, "model_type", "one of fitformer-causal-lm, bert", describe_json(*type_it));
  }
  const ModelFamily family = family_it->family;
  check_keys(root, family, fname);

  ModelConfig c = default_model_config(family);
  const Reader r{root, fname};
  using L = ModelLimits;
  r.read_int("vocab_size", c.vocab_size, 1, L::kVocabSize);
  r.read_int("hidden_size", c.hidden_size, 1, L::kHiddenSize);
  r.read_int("num_hidden_layers", c.num_hidden_layers, 1, L::kLayers);
  r.read_int("num_attention_heads", c.num_attention_heads, 1, L::kHiddenSize);
  r.read_int("intermediate_size", c.intermediate_size, 1, L::kIntermediateSize);
  r.read_int("max_position_embeddings", c.max_position_embeddings, 1, L::kPositions);
  r.read_int("pad_token_id", c.pad_token_id, 0, L::kVocabSize);
  r.read_choice("hidden_act", c.hidden_act, kActivations);
  r.read_double("hidden_dropout_prob", c.hidden_dropout_prob, 0.0, 1.0, "in [0, 1)");
  r.read_double("attention_probs_dropout_prob", c.attention_probs_dropout_prob, 0.0, 1.0,
                "in [0, 1)");
  r.read_double("initializer_range", c.initializer_range, 0.0, HUGE_VAL, ">= 0");
  r.read_double("layer_norm_eps", c.layer_norm_eps, std::numeric_limits<double>::min(), 1.0,
                "in (0, 1)");
  if (family == ModelFamily::kBertClassifier) {
    r.read_int("type_vocab_size", c.type_vocab_size, 1, L::kTypeVocabSize);
    read_labels(r, c);
    std::string position = "absolute";
    r.read_choice("position_embedding_type", position, std::array<std::string_view, 1>{"absolute"});
    if (const json* v = r.get("problem_type"); v != nullptr && !v->is_null()) {
      std::string problem;
      r.read_choice("problem_type", problem, kProblemTypes);
      c.problem_type = problem;
    }
    r.read_choice("pooler_hidden_act", c.pooler_hidden_act, kPoolerActivations);
    if (const json* v = r.get("do_lower_case"); v != nullptr) {
      if (!v->is_boolean()) throw Error(fname, "do_lower_case", "true or false", describe_json(*v));
      c.do_lower_case = v->get<bool>();
    }
    if (const json* v = r.get("classifier_dropout"); v != nullptr && !v->is_null()) {
      double p = 0;
      r.read_double("classifier_dropout", p, 0.0, 1.0, "in [0, 1) or null");
      c.classifier_dropout = p;
    }
  }
  if (const json* v = r.get("architectures"); v != nullptr) {
    const bool strings = v->is_array() && std::all_of(v->begin(), v->end(),
                                                      [](const json& a) { return a.is_string(); });
    if (!strings) throw Error(fname, "architectures", "an array of class names", describe_json(*v));
  }
  check_consistency(c, fname);
  return c;
}

ModelConfig load_model_config(const std::filesystem::path& file) {
  return parse_model_config(read_file(file), file);
}

std::string model_config_json(const ModelConfig& c) {
  if (!c.label_names.empty() && c.label_names.size() != static_cast<size_t>(c.num_labels)) {
    // id2label would silently override num_labels on the way back in.
    throw Error("", "label_names", std::to_string(c.num_labels) + " names (num_labels) or none",
                std::to_string(c.label_names.size()));
  }
  // nlohmann::json keeps keys sorted, as transformers writes them (sort_keys=True).
  json j;
  j["model_type"] = std::string(model_type_name(c.family));
  j["vocab_size"] = c.vocab_size;
  j["hidden_size"] = c.hidden_size;
  j["num_hidden_layers"] = c.num_hidden_layers;
  j["num_attention_heads"] = c.num_attention_heads;
  j["intermediate_size"] = c.intermediate_size;
  j["max_position_embeddings"] = c.max_position_embeddings;
  j["hidden_act"] = c.hidden_act;
  j["layer_norm_eps"] = c.layer_norm_eps;
  j["hidden_dropout_prob"] = c.hidden_dropout_prob;
  j["attention_probs_dropout_prob"] = c.attention_probs_dropout_prob;
  j["initializer_range"] = c.initializer_range;
  j["pad_token_id"] = c.pad_token_id;
  if (c.family == ModelFamily::kBertClassifier) {
    j["architectures"] = {"BertForSequenceClassification"};
    j["type_vocab_size"] = c.type_vocab_size;
    j["position_embedding_type"] = "absolute";
    j["classifier_dropout"] = c.classifier_dropout ? json(*c.classifier_dropout) : json(nullptr);
    if (c.problem_type) j["problem_type"] = *c.problem_type;
    if (c.pooler_hidden_act != "tanh") j["pooler_hidden_act"] = c.pooler_hidden_act;
    if (c.do_lower_case) j["do_lower_case"] = *c.do_lower_case;
    if (c.label_names.empty()) {
      // transformers' PretrainedConfig turns num_labels into LABEL_i names itself.
      j["num_labels"] = c.num_labels;
    } else {
      json id2label = json::object(), label2id = json::object();
      for (size_t i = 0; i < c.label_names.size(); ++i) {
        id2label[std::to_string(i)] = c.label_names[i];
        label2id[c.label_names[i]] = i;
      }
      j["id2label"] = std::move(id2label);
      j["label2id"] = std::move(label2id);
    }
  }
  return j.dump(2) + "\n";
}

void save_model_config(const ModelConfig& config, const std::filesystem::path& file) {
  write_file_atomic(file, model_config_json(config));
}

}  // namespace fitformer::io
