// A padded weight stream (stream_matrix.h, StreamOrder::kPadded) on the HP accelerator's
// array: per column block, the deal of the stream's segments to rounds of P PEs, each round's
// length and commit count, and the bytes of the image the weight port streams. The array runs
// it as it runs HPF (rtl_image.h) with rounds of any length, so an HP mask packed padded gives
// exactly HPF's rounds and image, hence HPF's cycles (cycle_sim_test).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "accel/accel_spec.h"
#include "accel/rtl_image.h"
#include "accel/stream_matrix.h"

namespace fitformer::accel {

struct PaddedRounds {
  // Rounds of block b are [block_rounds[b], block_rounds[b + 1]); blocks + 1 entries.
  std::vector<int64_t> block_rounds;
  std::vector<int64_t> round_cycles;        // [rounds] L_r: its longest segment's slot count
  std::vector<int64_t> round_conflicts;     // [rounds] m_r: most of its rows in one output bank
  std::vector<std::vector<int64_t>> deal;   // [blocks] segment (in block) per (round, PE), or -1
  std::vector<int64_t> block_bytes;         // [blocks] the block's image
  std::vector<int64_t> rows_section_bytes;  // [blocks] its header and rows sections
  int64_t first_extra_bytes = 0;  // bias and requantization sections, with the first block
  // Every block has the same number of rounds R, all of one length n: the layer descriptor
  // carries R and n, as for HPF, and no block needs a header.
  bool uniform = false;
  int64_t padded_slots = 0;  // (round, PE, slot) groups that hold no entry of the stream
};

// The rules (Bc, B and precision must be the stream's; Error naming the field otherwise):
//  - deal: when a block's segments all have one length, the RTL's (rtl_block_deal); otherwise
//    the cheapest, by the sum over rounds of max(L_r, m_r), of three: the RTL's deal; the
//    segments by length (longest first, ties to the lower row) P to a round, which pads the
//    fewest slots; and first fit by length, longest first, into the first round with room
//    whose count of the segment's output bank stays below the round's length (else where that
//    count is lowest). The RTL's on a tie. A block without segments runs one round of
//    dummies, one slot long (its input slice still streams through).
//  - a round runs all P PEs for L_r slots: a shorter segment's remaining slots and the dummy
//    segments fill with zero groups (round padding, on top of the stream's own padding).
//  - image of a block, as rtl_image.h's: [header] rows R * P uint16 (0xFFFF for a dummy),
//    values sum_r L_r * P groups of B values, offsets as many groups of ceil(B * ob / 8) bytes;
//    the header, 2 + 2R bytes (the round count, then each round's length), only when the
//    layer is not uniform. The first block also carries rtl_layer's bias section (when `bias`)
//    and per-row requantization section (per-row scales).
PaddedRounds plan_padded_rounds(const AccelSpec& spec, const StreamMatrix& w, bool bias);

// The image above for the RTL as it is, which takes one R and one n per layer from its
// descriptor: only a uniform plan (Error naming "weights" otherwise), whose image has no
// header and is laid out as rtl_weight_image's; an HP mask gives HPF's image byte for byte.
// bias and requant as rtl_weight_image takes them; `plan` must be the stream's.
RtlWeightImage padded_weight_image(const AccelSpec& spec, const StreamMatrix& w,
                                   const PaddedRounds& plan, std::span<const int64_t> bias,
                                   std::span<const kernels::Requant> requant);

}  // namespace fitformer::accel
