// Checks a TokenBatch before the engine indexes embedding tables with it.
#include "model/token_batch.h"

#include "core/error.h"

namespace fitformer::model {

void validate_token_batch(const TokenBatch& batch, int vocab_size, int max_positions,
                          int type_vocab_size) {
  const auto n = static_cast<size_t>(batch.batch_size * batch.seq_len);
  if (batch.batch_size < 1 || batch.seq_len < 1) {
    throw Error("", "token batch", "batch_size >= 1 and seq_len >= 1",
                std::to_string(batch.batch_size) + " x " + std::to_string(batch.seq_len));
  }
  if (batch.seq_len > max_positions) {
    throw Error("", "seq_len", "at most max_position_embeddings " + std::to_string(max_positions),
                std::to_string(batch.seq_len));
  }
  if (batch.token_ids.size() != n) {
    throw Error("", "token_ids", std::to_string(n) + " ids",
                std::to_string(batch.token_ids.size()));
  }
  if (!batch.token_type_ids.empty() && batch.token_type_ids.size() != n) {
    throw Error("", "token_type_ids", std::to_string(n) + " ids or none",
                std::to_string(batch.token_type_ids.size()));
  }
  if (!batch.lengths.empty() && batch.lengths.size() != static_cast<size_t>(batch.batch_size)) {
    throw Error("", "lengths", std::to_string(batch.batch_size) + " lengths or none",
                std::to_string(batch.lengths.size()));
  }
  for (int64_t b = 0; b < batch.batch_size; ++b) {
    const int64_t len = row_length(batch, b);
    if (len < 1 || len > batch.seq_len) {
      throw Error("", "lengths[" + std::to_string(b) + "]", "1.." + std::to_string(batch.seq_len),
                  std::to_string(len));
    }
    for (int64_t s = 0; s < len; ++s) {
      const size_t i = static_cast<size_t>(b * batch.seq_len + s);
      const int32_t id = batch.token_ids[i];
      if (id < 0 || id >= vocab_size) {
        throw Error("", "token_ids[" + std::to_string(b) + "][" + std::to_string(s) + "]",
                    "an id in [0, " + std::to_string(vocab_size) + ")", std::to_string(id));
      }
      if (!batch.token_type_ids.empty()) {
        const int32_t type = batch.token_type_ids[i];
        if (type < 0 || type >= type_vocab_size) {
          throw Error("", "token_type_ids[" + std::to_string(b) + "][" + std::to_string(s) + "]",
                      "an id in [0, " + std::to_string(type_vocab_size) + ")",
                      std::to_string(type));
        }
      }
    }
  }
}

}  // namespace fitformer::model
