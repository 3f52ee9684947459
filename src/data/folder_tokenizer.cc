// Reads Hugging Face's tokenizer files into what our WordPiece needs, refusing any setting
// that would make it tokenize differently from transformers' BertTokenizer.
#include "data/folder_tokenizer.h"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/error.h"
#include "core/files.h"
#include "io/json_reader.h"

namespace fitformer::data {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::array<std::string_view, 4> kWordPieceClasses = {
    "BertTokenizer", "BertTokenizerFast", "DistilBertTokenizer", "DistilBertTokenizerFast"};

std::string bool_text(bool b) {
  return b ? "true" : "false";
}

const json* find_key(const json& object, const char* key) {
  const auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

std::optional<bool> read_bool(const json& object, const char* key, const std::string& file,
                              const std::string& field) {
  const json* v = find_key(object, key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_boolean()) throw Error(file, field, "true or false", io::describe_json(*v));
  return v->get<bool>();
}

// Our WordPiece strips accents exactly when it lower-cases (BertTokenizer's strip_accents
// None); an explicit other choice would tokenize differently.
void check_strip_accents(const json& object, const char* key, std::optional<bool> lower_case,
                         const std::string& file, const std::string& field) {
  const json* v = find_key(object, key);
  if (v == nullptr || v->is_null()) return;
  const bool lower = lower_case.value_or(true);
  if (!v->is_boolean() || v->get<bool>() != lower) {
    throw Error(file, field, "null or " + bool_text(lower) + " (accents go with lower-casing)",
                io::describe_json(*v));
  }
}

void require_true(const json& object, const char* key, const std::string& file,
                  const std::string& field) {
  const json* v = find_key(object, key);
  if (v != nullptr && !(v->is_boolean() && v->get<bool>()))
    throw Error(file, field, "true (the only way fitformer tokenizes)", io::describe_json(*v));
}

json parse_object(std::string_view text, const std::string& file) {
  json root = io::parse_json(text, file);
  if (!root.is_object()) throw Error(file, "", "a JSON object", io::describe_json(root));
  return root;
}

}  // namespace

std::optional<bool> parse_tokenizer_config(std::string_view json_text, const fs::path& path) {
  const std::string file = path.string();
  const json root = parse_object(json_text, file);
  if (const json* c = find_key(root, "tokenizer_class"); c != nullptr) {
    const bool known =
        c->is_string() && std::find(kWordPieceClasses.begin(), kWordPieceClasses.end(),
                                    c->get<std::string>()) != kWordPieceClasses.end();
    if (!known) {
      throw Error(file, "tokenizer_class",
                  "a WordPiece tokenizer (BertTokenizer, DistilBertTokenizer, or their Fast forms)",
                  io::describe_json(*c));
    }
  }
  const std::optional<bool> lower = read_bool(root, "do_lower_case", file, "do_lower_case");
  check_strip_accents(root, "strip_accents", lower, file, "strip_accents");
  require_true(root, "tokenize_chinese_chars", file, "tokenize_chinese_chars");
  require_true(root, "do_basic_tokenize", file, "do_basic_tokenize");
  return lower;
}

WordPieceSource parse_tokenizer_json(std::string_view json_text, const fs::path& path) {
  const std::string file = path.string();
  const json root = parse_object(json_text, file);
  const json* model = find_key(root, "model");
  if (model == nullptr || !model->is_object())
    throw Error(file, "model", "an object", model ? io::describe_json(*model) : "it missing");
  const json* type = find_key(*model, "type");
  if (type == nullptr || *type != "WordPiece") {
    throw Error(file, "model.type",
                "\"WordPiece\" (BERT's tokenizer; BPE and Unigram are not read)",
                type ? io::describe_json(*type) : "it missing");
  }
  if (const json* p = find_key(*model, "continuing_subword_prefix"); p != nullptr && *p != "##")
    throw Error(file, "model.continuing_subword_prefix", "\"##\"", io::describe_json(*p));
  if (const json* m = find_key(*model, "max_input_chars_per_word"); m != nullptr && *m != 100)
    throw Error(file, "model.max_input_chars_per_word", "100", io::describe_json(*m));
  if (const json* u = find_key(*model, "unk_token"); u != nullptr && *u != "[UNK]")
    throw Error(file, "model.unk_token", "\"[UNK]\"", io::describe_json(*u));

  const json* vocab = find_key(*model, "vocab");
  if (vocab == nullptr || !vocab->is_object() || vocab->empty()) {
    throw Error(file, "model.vocab", "an object {token: id, ...}",
                vocab ? io::describe_json(*vocab) : "it missing");
  }
  std::vector<std::string> pieces(vocab->size());
  std::vector<bool> seen(vocab->size(), false);
  for (const auto& [token, id] : vocab->items()) {
    const bool valid =
        id.is_number_unsigned() && id.get<uint64_t>() < pieces.size() && !seen[id.get<uint64_t>()];
    if (!valid) {
      throw Error(file, "model.vocab." + token,
                  "an id in 0.." + std::to_string(pieces.size() - 1) + ", each once",
                  io::describe_json(id));
    }
    // vocab.txt holds one token per line: a line break inside one could not be written.
    if (token.empty() || token.find_first_of("\r\n") != std::string::npos)
      throw Error(file, "model.vocab", "tokens without line breaks", io::describe_json(token));
    seen[id.get<uint64_t>()] = true;
    pieces[id.get<uint64_t>()] = token;
  }
  WordPieceSource source;
  for (const std::string& piece : pieces) source.vocab_text += piece + "\n";
  source.vocab_file = path;

  const json* normalizer = find_key(root, "normalizer");
  if (normalizer != nullptr && !normalizer->is_null()) {
    if (!normalizer->is_object() || find_key(*normalizer, "type") == nullptr ||
        (*normalizer)["type"] != "BertNormalizer") {
      throw Error(file, "normalizer.type", "\"BertNormalizer\"",
                  normalizer->is_object() && normalizer->contains("type")
                      ? io::describe_json((*normalizer)["type"])
                      : io::describe_json(*normalizer));
    }
    source.lower_case = read_bool(*normalizer, "lowercase", file, "normalizer.lowercase");
    if (source.lower_case) source.casing_file = path;
    check_strip_accents(*normalizer, "strip_accents", source.lower_case, file,
                        "normalizer.strip_accents");
    require_true(*normalizer, "handle_chinese_chars", file, "normalizer.handle_chinese_chars");
  }
  return source;
}

WordPieceSource read_wordpiece_source(const fs::path& dir) {
  const fs::path vocab_txt = dir / "vocab.txt", fast = dir / "tokenizer.json",
                 config = dir / "tokenizer_config.json";
  WordPieceSource source;
  if (fs::exists(vocab_txt)) {
    // The fast tokenizer's file still says how it normalizes when no config does.
    if (fs::exists(fast)) source = parse_tokenizer_json(read_file(fast), fast);
    source.vocab_text = read_file(vocab_txt);
    source.vocab_file = vocab_txt;
  } else if (fs::exists(fast)) {
    source = parse_tokenizer_json(read_file(fast), fast);
  } else if (fs::exists(dir / "merges.txt") || fs::exists(dir / "vocab.json")) {
    throw Error((dir / "vocab.json").string(), "tokenizer",
                "a WordPiece vocab.txt or tokenizer.json (byte-level BPE, RoBERTa's, is not read)",
                "vocab.json and merges.txt");
  } else {
    throw Error(dir.string(), "tokenizer",
                "tokenizer.model (SentencePiece), vocab.txt or tokenizer.json (WordPiece)",
                "none of them");
  }
  if (fs::exists(config)) {
    if (const std::optional<bool> lower = parse_tokenizer_config(read_file(config), config)) {
      source.lower_case = lower;
      source.casing_file = config;
    }
  }
  return source;
}

std::unique_ptr<Tokenizer> open_folder_tokenizer(const fs::path& dir,
                                                 std::optional<bool> lower_case) {
  if (fs::exists(dir / "tokenizer.model")) return load_sentencepiece(dir / "tokenizer.model");
  const WordPieceSource source = read_wordpiece_source(dir);
  if (lower_case && source.lower_case && *lower_case != *source.lower_case) {
    const std::string key = source.casing_file.filename() == "tokenizer.json"
                                ? "normalizer.lowercase"
                                : "do_lower_case";
    throw Error(source.casing_file.string(), key,
                bool_text(*lower_case) + " as config.json's do_lower_case says",
                bool_text(*source.lower_case));
  }
  return parse_wordpiece(source.vocab_text, source.vocab_file.string(),
                         lower_case.value_or(source.lower_case.value_or(true)));
}

}  // namespace fitformer::data
