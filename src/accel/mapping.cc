// Token tiling and the checks that a mapping fits the spec's buffers.
#include "accel/mapping.h"

#include <fmt/format.h>

#include <algorithm>

#include "accel/dense_stream.h"
#include "accel/rtl_image.h"

namespace fitformer::accel {

int64_t token_tile(const AccelSpec& spec, const Mapping& mapping, int64_t rows, int64_t cols,
                   int64_t tokens) {
  int64_t tile = tokens;
  tile = std::min(tile, spec.act_buffer_bytes / (cols * precision_bytes(spec.precision)));
  tile = std::min(tile, spec.out_buffer_bytes / (rows * accumulator_bytes(spec.precision)));
  if (mapping.max_token_tile > 0) tile = std::min(tile, mapping.max_token_tile);
  if (tile >= spec.token_lanes && tile < tokens) tile -= tile % spec.token_lanes;
  return std::max<int64_t>(tile, 0);
}

int64_t resident_weight_buffer_bytes(const AccelSpec& spec, const Workload& workload) {
  int64_t total = 0;
  for (const Op& op : workload.ops) {
    if (const auto* l = std::get_if<LinearOp>(&op)) {
      const int64_t blocks = (l->cols + spec.block_cols - 1) / spec.block_cols;
      total += blocks * rtl_block_buffer_bytes(spec, l->k1, l->n);
    }
  }
  return total;
}

int64_t streaming_weight_buffer_bytes(const AccelSpec& spec, const Workload& workload) {
  int64_t largest = 0;
  for (const Op& op : workload.ops) {
    if (const auto* l = std::get_if<LinearOp>(&op)) {
      largest = std::max(largest, rtl_block_buffer_bytes(spec, l->k1, l->n));
    }
  }
  return 2 * largest;
}

Mapping default_mapping(const AccelSpec& spec, const Workload& workload) {
  Mapping m;
  m.weights_resident = resident_weight_buffer_bytes(spec, workload) <= spec.weight_buffer_bytes;
  return m;
}

Verdict check_mapping(const AccelSpec& spec, const Mapping& mapping, const Workload& workload) {
  if (spec.block_cols != workload.block_cols || spec.banks != workload.banks) {
    return {false, fmt::format("spec Bc {} B {} but the workload is pruned with Bc {} B {}",
                               spec.block_cols, spec.banks, workload.block_cols, workload.banks)};
  }
  for (const Op& op : workload.ops) {
    int64_t rows = 0, cols = 0, tokens = 0;
    std::string_view name;
    if (const auto* l = std::get_if<LinearOp>(&op)) {
      rows = l->rows, cols = l->cols, tokens = l->tokens, name = l->name;
      if (spec.design == Design::kDense && (l->k1 != l->rows || l->n != bank_width(spec))) {
        return {false, fmt::format("{}: the dense design runs dense layers only (k1 = M, n = "
                                   "Bc / B), found k1 {} of {}, n {}",
                                   name, l->k1, l->rows, l->n)};
      }
    } else if (const auto* mm = std::get_if<MatMulOp>(&op)) {
      rows = mm->rows, cols = mm->cols, tokens = mm->tokens, name = mm->name;
    } else {
      continue;
    }
    if (token_tile(spec, mapping, rows, cols, tokens) < 1) {
      return {false, fmt::format("{}: one token ({} inputs, {} outputs) does not fit the "
                                 "activation ({} B) and output ({} B) buffers",
                                 name, cols, rows, spec.act_buffer_bytes, spec.out_buffer_bytes)};
    }
  }
  const int64_t total = resident_weight_buffer_bytes(spec, workload);
  if (mapping.weights_resident && total > spec.weight_buffer_bytes) {
    return {false, fmt::format("resident weights need {} B, the weight buffer holds {} B", total,
                               spec.weight_buffer_bytes)};
  }
  const int64_t two_blocks = streaming_weight_buffer_bytes(spec, workload);
  if (!mapping.weights_resident && two_blocks > spec.weight_buffer_bytes) {
    return {false, fmt::format("streaming needs two column blocks ({} B), the weight buffer "
                               "holds {} B",
                               two_blocks, spec.weight_buffer_bytes)};
  }
  return {};
}

}  // namespace fitformer::accel
