// An HPF matrix re-encoded at another value type, and the mask it stores: what turns a
// pruned model's one HPF form into the precision a device deploys, without deriving the mask
// again from |W| (the mask is the model's, chosen once when it was pruned).
#pragma once

#include "format/hpf.h"
#include "format/value_type.h"
#include "sparsity/mask.h"

namespace fitformer::format {

// The keep-mask the matrix stores: 1 at every used slot's (row, column). Per kept row
// segment, bank j of a column block holds min(n, real width of the bank) used slots (hpf.h's
// padding rule), so a kept weight that happens to be exactly 0 still counts as kept.
sparsity::Mask hpf_mask(const hpf::Matrix& matrix);

// The HP parameters that reproduce the matrix's (k1, n) with its geometry: rho1 = k1 / M,
// rho2 = n / bank width.
sparsity::HpParams hpf_params(const hpf::Matrix& matrix);

// The same weights under the same mask at `value_type` (integers quantized per value_type.h
// with `scale`): pack_hpf(hpf_to_dense(m), hpf_mask(m), hpf_params(m), ...). From an fp32
// matrix the result equals packing the original weights at that type directly.
hpf::Matrix convert_hpf(const hpf::Matrix& matrix, ValueType value_type,
                        ScaleMode scale = ScaleMode::kPerRow);

}  // namespace fitformer::format
