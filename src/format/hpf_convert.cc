// Reading the mask back out of an HPF matrix and packing the same weights at another type.
#include "format/hpf_convert.h"

#include <algorithm>

namespace fitformer::format {

sparsity::Mask hpf_mask(const hpf::Matrix& m) {
  const hpf::Header& h = m.header;
  sparsity::Mask mask{h.rows, h.cols, std::vector<uint8_t>(static_cast<size_t>(h.rows * h.cols))};
  const int64_t width = m.bank_width();
  for (int64_t b = 0; b < m.blocks(); ++b) {
    const int64_t c0 = b * h.block_cols, c1 = std::min(h.cols, c0 + h.block_cols);
    for (int64_t i = 0; i < h.k1; ++i) {
      const int64_t seg = b * h.k1 + i, r = m.rows[static_cast<size_t>(seg)];
      for (int64_t j = 0; j < h.banks; ++j) {
        const int64_t bank0 = c0 + j * width;
        const int64_t used = std::min(h.n, std::clamp<int64_t>(c1 - bank0, 0, width));
        for (int64_t s = 0; s < used; ++s) {
          const int64_t slot = (seg * h.banks + j) * h.n + s;
          mask.keep[static_cast<size_t>(r * h.cols + bank0 + m.offset(slot))] = 1;
        }
      }
    }
  }
  return mask;
}

sparsity::HpParams hpf_params(const hpf::Matrix& m) {
  const hpf::Header& h = m.header;
  return {static_cast<double>(h.k1) / static_cast<double>(h.rows),
          static_cast<double>(h.n) / static_cast<double>(m.bank_width()), h.block_cols, h.banks};
}

hpf::Matrix convert_hpf(const hpf::Matrix& m, ValueType value_type, ScaleMode scale) {
  return pack_hpf(hpf_to_dense(m), m.header.rows, m.header.cols, hpf_mask(m), hpf_params(m),
                  value_type, scale);
}

}  // namespace fitformer::format
