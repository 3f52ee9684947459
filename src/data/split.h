// Deterministic train/valid/test splits. The same inputs and seed give the same split on
// every machine (core/random.h); each split keeps the source order of its examples.
#pragma once

#include <cstdint>
#include <vector>

#include "data/dataset.h"

namespace fitformer::data {

struct SplitFractions {
  double valid = 0.1;
  double test = 0.1;
  uint64_t seed = 1;
};

// Stratified by label: within each label, round(n*valid) examples go to valid,
// round(n*test) to test, the rest to train, drawn by a seeded shuffle.
void split_stratified(std::vector<Example> examples, int num_labels,
                      const SplitFractions& fractions, Dataset& out);

// Unstratified (documents for language modeling), by the same rule over all examples.
void split_random(std::vector<Example> examples, const SplitFractions& fractions, Dataset& out);

}  // namespace fitformer::data
