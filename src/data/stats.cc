// Counts what is in each split of a dataset.
#include "data/stats.h"

#include <algorithm>

#include "data/text.h"

namespace fitformer::data {

DatasetStats compute_stats(const Dataset& dataset, const Tokenizer* tokenizer, Progress* progress) {
  DatasetStats stats{dataset.name, dataset.kind, dataset.label_names, {}};
  const std::pair<const char*, const std::vector<Example>*> splits[] = {
      {"train", &dataset.train}, {"valid", &dataset.valid}, {"test", &dataset.test}};
  for (const auto& [name, examples] : splits) {
    SplitStats s;
    s.split = name;
    s.label_counts.assign(dataset.label_names.size(), 0);
    for (const Example& e : *examples) {
      ++s.examples;
      s.words += count_words(e.text);
      s.bytes += e.text.size();
      if (tokenizer != nullptr) {
        s.tokens += tokenizer->encode(e.text).size();
        advance(progress);
      }
      if (e.label >= 0) ++s.label_counts.at(static_cast<size_t>(e.label));
    }
    stats.splits.push_back(std::move(s));
  }
  return stats;
}

TokenLengths token_lengths(std::span<const Example> examples, const Tokenizer& tokenizer,
                           uint64_t limit, Progress* progress) {
  std::vector<uint64_t> counts;
  counts.reserve(examples.size());
  for (const Example& e : examples) {
    counts.push_back(tokenizer.encode(e.text).size());
    advance(progress);
  }
  TokenLengths out;
  if (counts.empty()) return out;
  std::sort(counts.begin(), counts.end());
  const size_t n = counts.size();
  out.examples = n;
  out.min = counts.front();
  out.max = counts.back();
  out.median = counts[(n - 1) / 2];
  out.p95 = counts[(95 * n + 99) / 100 - 1];  // nearest rank: ceil(0.95 n)
  out.over_limit =
      static_cast<uint64_t>(counts.end() - std::upper_bound(counts.begin(), counts.end(), limit));
  return out;
}

}  // namespace fitformer::data
