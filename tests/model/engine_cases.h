// Inputs and checks shared by the engine tests: random right-padded batches with fixed seeds,
// and the comparison of engine logits against the naive reference.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "core/random.h"
#include "model/token_batch.h"

namespace fitformer::model::testing {

// Token ids uniform in [0, vocab); lengths uniform in [1, seq] except row 0, which is full,
// so every batch has both padded and unpadded rows. Padding slots hold -1 (never valid),
// which proves the engine does not read them.
inline TokenBatch random_batch(int64_t batch, int64_t seq, int vocab, int type_vocab,
                               uint64_t seed) {
  Rng rng(seed);
  TokenBatch b;
  b.batch_size = batch;
  b.seq_len = seq;
  b.token_ids.assign(static_cast<size_t>(batch * seq), -1);
  b.token_type_ids.assign(b.token_ids.size(), -1);
  for (int64_t r = 0; r < batch; ++r) {
    const int64_t len =
        r == 0 ? seq : 1 + static_cast<int64_t>(rng.below(static_cast<uint64_t>(seq)));
    b.lengths.push_back(len);
    const int64_t split = static_cast<int64_t>(rng.below(static_cast<uint64_t>(len)));
    for (int64_t s = 0; s < len; ++s) {
      b.token_ids[r * seq + s] = static_cast<int32_t>(rng.below(static_cast<uint64_t>(vocab)));
      b.token_type_ids[r * seq + s] = type_vocab > 1 && s > split ? 1 : 0;
    }
  }
  return b;
}

// Row r's valid tokens (or segment ids) as one unpadded sequence.
inline std::vector<int32_t> row_ids(const std::vector<int32_t>& ids, const TokenBatch& b,
                                    int64_t r) {
  const auto first = ids.begin() + r * b.seq_len;
  return {first, first + b.lengths[static_cast<size_t>(r)]};
}

// |got - expected| <= 1e-5 * max(|expected|, 1): relative, with unit scale as the floor
// since logits near zero have no meaningful relative error.
inline void expect_close(std::span<const float> got, const std::vector<double>& expected,
                         const std::string& where) {
  ASSERT_EQ(got.size(), expected.size()) << where;
  int reported = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    const double tol = 1e-5 * std::max(std::abs(expected[i]), 1.0);
    if (!(std::abs(got[i] - expected[i]) <= tol) && reported++ < 5) {
      ADD_FAILURE() << where << " index " << i << ": expected " << expected[i] << ", got "
                    << got[i];
    }
  }
}

inline std::vector<float> nan_filled(size_t n) {
  return std::vector<float>(n, std::numeric_limits<float>::quiet_NaN());
}

}  // namespace fitformer::model::testing
