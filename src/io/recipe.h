// Recipes: what to train and how, read from a TOML file. Parsing is a pure step; the
// structs below are plain data that data/, train/ and explore/ consume.
//
//   name = "sotu-lm"
//   [data]       task = "sotu-lm"            (a built-in task) or a user's own data:
//                kind = "classification" | "language-model", path = "rows.tsv" | "texts/",
//                format = "tsv" | "csv" | "jsonl" (default: from the extension),
//                text_field = "text", label_field = "label",
//                valid_fraction = 0.1, test_fraction = 0.1, seed = 1
//   [tokenizer]  kind = "sentencepiece" | "wordpiece", vocab_size = 8000, vocab = "vocab.txt"
//   [model]      family = "causal-lm" | "bert-classifier", hidden_size, num_layers, num_heads,
//                intermediate_size, max_length, dropout, activation
//   [train]      epochs, batch_size, seq_len, learning_rate, weight_decay, warmup_fraction,
//                clip_norm, seed, threads, max_steps, max_minutes
//   [select]     sparsity_grid = [0.5, 0.7, 0.8, 0.9, 0.95], rho2 = 0.5, other_rho2 = [0.25],
//                prune_steps, precisions = ["int8", "int16", "fp32"], metric = "ppl" | "acc" |
//                "f1", banks = [8] (bank counts B, each searched)
//   [profiles.quick.model] / [profiles.quick.train] / [profiles.full.*]: overrides per profile.
// An unknown key is an error that lists the allowed keys.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace fitformer::io {

struct DataSpec {
  std::string task;            // built-in task name; empty when path is set
  std::string kind;            // "classification" or "language-model" (user data only)
  std::filesystem::path path;  // absolute (resolved against the recipe's folder)
  std::string format;          // "tsv", "csv", "jsonl" or "" (folder / from extension)
  std::string text_field = "text";
  std::string label_field = "label";
  double valid_fraction = 0.1;
  double test_fraction = 0.1;
  uint64_t seed = 1;
  std::filesystem::path recipe;  // the recipe it was read from, for errors ("" if none)
};

struct TokenizerSpec {
  std::string kind = "sentencepiece";  // or "wordpiece"
  int vocab_size = 8000;               // sentencepiece only
  std::filesystem::path vocab;         // wordpiece only: a BERT vocab.txt
};

struct ModelSpec {
  std::string family;  // "causal-lm" or "bert-classifier"
  int hidden_size = 256;
  int num_layers = 2;
  int num_heads = 4;
  int intermediate_size = 1024;
  int max_length = 128;  // longest sequence (positions)
  double dropout = 0.1;
  std::string activation;  // "" = family default (relu for causal-lm, gelu for bert)
};

struct TrainSpec {
  int epochs = 1;
  int batch_size = 32;
  int seq_len = 64;  // tokens per training sequence (language model) / truncation length
  double learning_rate = 5e-4;
  double weight_decay = 0.01;
  double warmup_fraction = 0.05;
  double clip_norm = 1.0;
  uint64_t seed = 1;
  int threads = 2;
  std::optional<int64_t> max_steps;   // stop early after this many optimizer steps
  std::optional<double> max_minutes;  // stop early after this much wall time
};

// How `fitformer select` explores this recipe's model (explore/closed_loop.h).
struct SelectSpec {
  std::vector<double> sparsity_grid = {0.5, 0.7, 0.8, 0.9, 0.95};  // HP sparsities, ascending
  double rho2 = 0.5;                        // the split of the sparsity search
  std::vector<double> other_rho2 = {0.25};  // splits tried at the search's edge
  int64_t prune_steps = 0;                  // fine-tuning budget per prune; 0: the train budget
  std::vector<std::string> precisions = {"int8", "int16", "fp32"};
  std::string metric;  // what --ac-drop is relative to; "": ppl (language model), acc
  // Bank counts B to prune at, each searched (explore/closed_loop.h checks which B are allowed);
  // --banks replaces it.
  std::vector<int64_t> banks = {8};
};

struct Recipe {
  std::filesystem::path file;
  std::string name;
  std::string profile;  // the profile whose overrides were applied ("" = none)
  DataSpec data;
  TokenizerSpec tokenizer;
  ModelSpec model;
  TrainSpec train;
  SelectSpec select;
};

// Parses TOML text; `file` names the source in errors and resolves relative paths.
// `profile` selects [profiles.NAME]; an empty profile applies none, an unknown one throws.
Recipe parse_recipe(const std::string& toml_text, const std::filesystem::path& file,
                    const std::string& profile);

// Reads and parses a recipe file.
Recipe load_recipe(const std::filesystem::path& file, const std::string& profile);

}  // namespace fitformer::io
