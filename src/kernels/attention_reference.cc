// The naive twin of attention_f32: per sequence, head and query, every score in double, the
// softmax by its definition, one thread. Shares nothing with the SIMD body but the layout.
#include <fmt/format.h>

#include <cmath>
#include <vector>

#include "core/error.h"
#include "kernels/attention.h"

namespace fitformer::kernels {

void attention_f32_reference(std::span<const float> q, std::span<const float> k,
                             std::span<const float> v, const AttentionShape& s,
                             std::span<const int64_t> lengths, bool causal, std::span<float> out,
                             int) {
  const size_t need =
      static_cast<size_t>(((s.heads * s.head_dim - 1) * s.stride) + s.batch * s.seq);
  if (lengths.size() != static_cast<size_t>(s.batch) || q.size() < need || k.size() < need ||
      v.size() < need || out.size() < need) {
    throw Error("", "q, k, v, out, lengths",
                fmt::format("{} floats each, {} lengths", need, s.batch),
                fmt::format("{}, {}, {}, {}, {}", q.size(), k.size(), v.size(), out.size(),
                            lengths.size()));
  }
  const int64_t dh = s.head_dim, st = s.stride;
  const double scale = 1.0 / std::sqrt(static_cast<double>(dh));
  std::vector<double> p(static_cast<size_t>(s.seq));
  for (int64_t b = 0; b < s.batch; ++b) {
    const int64_t len = lengths[static_cast<size_t>(b)];
    for (int64_t h = 0; h < s.heads; ++h) {
      for (int64_t i = 0; i < s.seq; ++i) {
        const int64_t qi = b * s.seq + i;
        if (i >= len) {
          for (int64_t f = 0; f < dh; ++f) out[static_cast<size_t>((h * dh + f) * st + qi)] = 0.0f;
          continue;
        }
        const int64_t keys = causal ? i + 1 : len;
        double max = -INFINITY;
        for (int64_t j = 0; j < keys; ++j) {
          double dot = 0.0;
          for (int64_t f = 0; f < dh; ++f) {
            const size_t row = static_cast<size_t>((h * dh + f) * st + b * s.seq);
            dot += static_cast<double>(q[row + static_cast<size_t>(i)]) *
                   static_cast<double>(k[row + static_cast<size_t>(j)]);
          }
          p[static_cast<size_t>(j)] = dot * scale;
          max = std::max(max, p[static_cast<size_t>(j)]);
        }
        double sum = 0.0;
        for (int64_t j = 0; j < keys; ++j) {
          p[static_cast<size_t>(j)] = std::exp(p[static_cast<size_t>(j)] - max);
          sum += p[static_cast<size_t>(j)];
        }
        for (int64_t f = 0; f < dh; ++f) {
          const size_t row = static_cast<size_t>((h * dh + f) * st + b * s.seq);
          double o = 0.0;
          for (int64_t j = 0; j < keys; ++j)
            o += p[static_cast<size_t>(j)] * static_cast<double>(v[row + static_cast<size_t>(j)]);
          out[row + static_cast<size_t>(i)] = static_cast<float>(o / sum);
        }
      }
    }
  }
}

}  // namespace fitformer::kernels
