// Summary figures of a dataset: split sizes, label distribution, words and characters.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/tokenizer.h"

namespace fitformer::data {

struct SplitStats {
  std::string split;  // "train", "valid", "test"
  uint64_t examples = 0;
  uint64_t words = 0;                  // whitespace-separated
  uint64_t tokens = 0;                 // subword tokens (0 when no tokenizer was given)
  uint64_t bytes = 0;                  // UTF-8
  std::vector<uint64_t> label_counts;  // per Dataset::label_names; empty for LM
};

struct DatasetStats {
  std::string name;
  TaskKind kind = TaskKind::kClassification;
  std::vector<std::string> label_names;
  std::vector<SplitStats> splits;  // train, valid, test
};

// Counts every split; with a tokenizer, also its tokens (without special tokens).
DatasetStats compute_stats(const Dataset& dataset, const Tokenizer* tokenizer = nullptr,
                           Progress* progress = nullptr);

// The spread of token counts over examples (tokenizer.encode, no special tokens added):
// nearest-rank percentiles of the sorted counts (median the lower middle, p95 the
// ceil(0.95 n)-th), and how many examples have more than `limit` tokens. All zero when there
// are no examples.
struct TokenLengths {
  uint64_t examples = 0, min = 0, median = 0, p95 = 0, max = 0, over_limit = 0;
};
TokenLengths token_lengths(std::span<const Example> examples, const Tokenizer& tokenizer,
                           uint64_t limit, Progress* progress = nullptr);

}  // namespace fitformer::data
