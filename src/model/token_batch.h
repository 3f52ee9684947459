// A batch of token sequences as the engine takes it: right-padded rows with their lengths.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fitformer::model {

struct TokenBatch {
  int64_t batch_size = 0;
  int64_t seq_len = 0;
  std::vector<int32_t> token_ids;  // [batch_size, seq_len]; values past a row's length are ignored
  std::vector<int32_t> token_type_ids;  // bert segment ids, same shape; empty: all 0
  std::vector<int64_t> lengths;         // [batch_size], each in 1..seq_len; empty: all seq_len
};

// Length of row b (seq_len when lengths is empty).
inline int64_t row_length(const TokenBatch& batch, int64_t b) {
  return batch.lengths.empty() ? batch.seq_len : batch.lengths[static_cast<size_t>(b)];
}

// Throws Error naming the field at fault: sizes that disagree, a length outside 1..seq_len,
// seq_len above max_positions, a token id outside [0, vocab_size) or a segment id outside
// [0, type_vocab_size) at a valid position.
void validate_token_batch(const TokenBatch& batch, int vocab_size, int max_positions,
                          int type_vocab_size);

}  // namespace fitformer::model
