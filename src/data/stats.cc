// Counts what is in each split of a dataset.
#include "data/stats.h"

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

}  // namespace fitformer::data
