// Seeded shuffles that assign examples to train, valid and test.
#include "data/split.h"

#include <algorithm>
#include <cmath>

#include "core/random.h"

namespace fitformer::data {
namespace {

enum Part : uint8_t { kTrain, kValid, kTest };

// Marks round(n*valid) of `indices` as valid and round(n*test) as test, chosen by rng.
void assign(std::vector<size_t> indices, const SplitFractions& f, Rng& rng,
            std::vector<Part>& part) {
  rng.shuffle(std::span<size_t>(indices));
  const double n = static_cast<double>(indices.size());
  const auto n_valid = static_cast<size_t>(std::llround(n * f.valid));
  const auto n_test =
      std::min(indices.size() - n_valid, static_cast<size_t>(std::llround(n * f.test)));
  for (size_t i = 0; i < indices.size(); ++i) {
    part[indices[i]] = i < n_valid ? kValid : (i < n_valid + n_test ? kTest : kTrain);
  }
}

void distribute(std::vector<Example>& examples, const std::vector<Part>& part, Dataset& out) {
  for (size_t i = 0; i < examples.size(); ++i) {
    auto& dest = part[i] == kTrain ? out.train : (part[i] == kValid ? out.valid : out.test);
    dest.push_back(std::move(examples[i]));
  }
}

}  // namespace

void split_stratified(std::vector<Example> examples, int num_labels, const SplitFractions& f,
                      Dataset& out) {
  std::vector<std::vector<size_t>> by_label(static_cast<size_t>(num_labels));
  for (size_t i = 0; i < examples.size(); ++i) {
    by_label.at(static_cast<size_t>(examples[i].label)).push_back(i);
  }
  Rng rng(f.seed);
  std::vector<Part> part(examples.size(), kTrain);
  for (auto& indices : by_label) assign(std::move(indices), f, rng, part);
  distribute(examples, part, out);
}

void split_random(std::vector<Example> examples, const SplitFractions& f, Dataset& out) {
  std::vector<size_t> indices(examples.size());
  for (size_t i = 0; i < indices.size(); ++i) indices[i] = i;
  Rng rng(f.seed);
  std::vector<Part> part(examples.size(), kTrain);
  assign(std::move(indices), f, rng, part);
  distribute(examples, part, out);
}

}  // namespace fitformer::data
