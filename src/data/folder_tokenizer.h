// The tokenizer of a model folder, including the files a Hugging Face checkpoint brings:
// tokenizer_config.json (do_lower_case: a cased model must not be lower-cased) and
// tokenizer.json (a fast tokenizer, whose WordPiece vocabulary stands in for vocab.txt).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "data/tokenizer.h"

namespace fitformer::data {

// What a WordPiece tokenizer is made of, gathered from a folder's files.
struct WordPieceSource {
  std::string vocab_text;             // vocab.txt's form: one token per line, id = line
  std::filesystem::path vocab_file;   // vocab.txt or tokenizer.json
  std::optional<bool> lower_case;     // unset: no file says
  std::filesystem::path casing_file;  // the file that set lower_case
};

// tokenizer_config.json's casing: do_lower_case when given. The settings our WordPiece does
// not have are refused, naming the key: tokenizer_class other than Bert's or DistilBert's
// (e.g. RobertaTokenizer: byte-level BPE), strip_accents unlike do_lower_case (accents are
// stripped exactly when lower-casing), tokenize_chinese_chars or do_basic_tokenize false.
// Every other key (special tokens, model_max_length, ...) is read by nobody and ignored.
std::optional<bool> parse_tokenizer_config(std::string_view json_text,
                                           const std::filesystem::path& file);

// tokenizer.json of a fast BERT tokenizer: model.type "WordPiece" with model.vocab
// {token: id} (ids 0..n-1, each once), "##" continuations and 100 characters per word; the
// casing from a BertNormalizer's lowercase. Anything else (BPE, Unigram, another
// normalizer) throws Error naming the key, the expected and the found value.
WordPieceSource parse_tokenizer_json(std::string_view json_text, const std::filesystem::path& file);

// The WordPiece vocabulary and casing of `dir`: vocab.txt, else tokenizer.json's vocab;
// casing from tokenizer_config.json's do_lower_case, else tokenizer.json's normalizer
// (transformers lets the former override the latter). Throws Error naming dir when neither
// vocab file is there.
WordPieceSource read_wordpiece_source(const std::filesystem::path& dir);

// The folder's tokenizer: tokenizer.model (SentencePiece), else WordPiece from
// read_wordpiece_source. `lower_case` is config.json's do_lower_case when it has one (a
// folder fitformer wrote keeps the casing there); it must agree with the folder's tokenizer
// files, which decide when it is unset; with neither, WordPiece lower-cases, as BertTokenizer
// does by default.
std::unique_ptr<Tokenizer> open_folder_tokenizer(const std::filesystem::path& dir,
                                                 std::optional<bool> lower_case);

}  // namespace fitformer::data
