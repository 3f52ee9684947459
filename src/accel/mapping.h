// How a workload is laid onto the accelerator (DESIGN.md §4), apart from what either is:
// how tokens are tiled through the on-chip buffers, how a column block's row segments are
// dealt to the PEs, and whether weights stay on chip. Simulator and analytical model read it.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "accel/accel_spec.h"
#include "accel/result_tags.h"
#include "accel/workload.h"

namespace fitformer::accel {

// Segment i of a column block (in ascending row order) goes to PE i % P (round robin) or to
// PE i / ceil(segments / P) (contiguous chunks). Both give every PE ceil or floor of
// segments / P segments; they differ only when segment lengths differ (non-HP streams).
enum class Deal { kRoundRobin, kContiguous };
inline constexpr std::array<std::string_view, 2> kDealNames = {"round-robin", "contiguous"};

struct Mapping {
  Deal deal = Deal::kRoundRobin;
  // Upper bound on tokens per tile (0: none). A tile's K x T inputs fill the activation
  // buffer and its M x T accumulators (accumulator_bytes each) the output buffer; weights
  // stream once per tile.
  int64_t max_token_tile = 0;
  // Every weight of the workload sits in the weight buffer, loaded once before the run (its
  // load is not part of a forward pass); otherwise each layer streams its weights from
  // off-chip, double-buffered by column block.
  bool weights_resident = false;
};

// Tokens per tile of a layer with `rows` outputs and `cols` inputs: the most that fit both
// buffers, capped by `tokens` and max_token_tile, rounded down to a multiple of token_lanes
// when that leaves at least one group. 0 when not even one token fits.
int64_t token_tile(const AccelSpec& spec, const Mapping& mapping, int64_t rows, int64_t cols,
                   int64_t tokens);

// Bytes of the weight buffer (what the RTL loads into it, rtl_block_buffer_bytes) that the
// workload's LinearOps need on the spec: every column block of every layer (resident), or two
// column blocks of the layer with the largest block (streaming, double-buffered).
int64_t resident_weight_buffer_bytes(const AccelSpec& spec, const Workload& workload);
int64_t streaming_weight_buffer_bytes(const AccelSpec& spec, const Workload& workload);

// Resident when the whole workload's weights fit the weight buffer, round robin, no cap.
Mapping default_mapping(const AccelSpec& spec, const Workload& workload);

// Whether the mapping can run the workload on the spec: spec Bc and B equal the workload's,
// the dense design gets dense layers only (k1 = M, n = Bc / B), byte counts are the spec's
// design's (rtl_block_buffer_bytes), every LinearOp and MatMulOp has a token tile >= 1, and
// the weight buffer holds all weights (resident) or two column blocks of the largest layer
// (streaming), as the RTL lays them out.
Verdict check_mapping(const AccelSpec& spec, const Mapping& mapping, const Workload& workload);

}  // namespace fitformer::accel
