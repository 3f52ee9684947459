// The host side of the accelerator's RTL (rtl/, docs/rtl.md): the hardware facts that the
// cycle simulator and the RTL share (output banks, the stream port's beat, the image of a
// layer's weights and its byte counts, the per-round bank-conflict counts), the off-chip
// image of a layer's HPF weights in the order the stream decoder takes them, the activation
// memory's image and the layer descriptor the RTL's controller runs.
//
// Array mapping (rtl/hpa_seq.sv): in each column block the k1 kept row segments run in R =
// ceil(k1 / P) rounds of P PEs; slots no segment fills hold dummy segments (row 0xFFFF, zero
// values, offset 0), so every round runs all PEs for n cycles. Row r's accumulators live in
// output bank r mod NB (NB = P rounded up to a power of two) at word r / NB of its token
// group, and the commit stage writes one accumulator per bank per cycle, so a round whose rows
// put m into one bank needs m cycles. The deal (rtl_block_deal) spreads each bank's rows
// evenly over the rounds, so m = 1 whenever no bank holds more than R of the block's rows, and
// puts the rows beyond R of different banks into the same rounds, so that few rounds pay.
// Each row occurs once per block, so the deal does not change any result.
//
// Image of one column block ("item"), little-endian, sections in this order:
//   rows     R * P row indices, uint16, in (round, PE) order
//   values   R * n * P groups of B values (W bits each), in (round, slot, PE) order
//   offsets  R * n * P groups of B in-bank offsets, bit-packed (offset j of a group at bits
//            [j * ob, (j + 1) * ob)), each group ceil(B * ob / 8) bytes, same order
// The first item of a layer starts with the row parameters, for Q * NB rows (rows >= M 0):
//   bias     one accumulator-wide bias per row, 4 bytes (int8) or 8 (int16, sign-extended)
//   requant  per-row requantization: M0 (uint32), shift (uint8), 3 zero bytes
// each present only when the layer has a bias / per-row requantization.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "accel/accel_spec.h"
#include "format/hpf.h"
#include "kernels/fixed_point.h"

namespace fitformer::accel {

// NB: P rounded up to a power of two.
int64_t rtl_out_banks(int64_t pes);
// Appends the low `bytes` bytes of value, little-endian (the images' byte order).
void append_le(std::vector<uint8_t>& out, uint64_t value, int64_t bytes);
// Bytes of one PE's B packed offsets in the stream: ceil(B * offset bits / 8); the RTL needs
// B * offset bits to be a multiple of 8 (rtl_check_spec).
int64_t rtl_offset_group_bytes(const AccelSpec& spec);
// Bytes of one row's bias in the stream: 4 for int8, 8 for int16.
int64_t rtl_bias_bytes(Precision precision);
// Bytes per beat of the weight stream port: the smallest power of two covering the off-chip
// bytes per cycle, lowered until every section starts on a beat boundary (it divides 2 * P)
// and a beat completes at most one row, value or offset group per PE (at most P offset groups).
int64_t rtl_beat_bytes(const AccelSpec& spec);
// Cycle (after the request's cycle) in which beat k (1-based) of a burst of `bytes` bytes
// arrives: at most one beat per cycle, and beat k not before ceil(min(k * beat, bytes) /
// bytes_per_cycle) cycles: max(k, ceil(k * beat / rate)) for a full beat; a short last beat
// max(arrival of beat k - 1, plus one; ceil(bytes / rate)).
int64_t rtl_beat_arrival(int64_t k, int64_t bytes, int64_t beat, double bytes_per_cycle);

// Depths (words) of hpa_top's buffers for a spec; the RTL's memories, which the resource model
// counts and `fitformer rtl emit` writes:
//   wb_words   per PE, the weight buffer's bytes as B values and B offsets per word, at least
//              2 and even (two halves when streaming)
//   row_words  per PE, = wb_words (a block has at most as many rounds as weight words); 0 for
//              the dense design, whose words carry no offsets and which has no row memory
//   (out_words counts out_banks(spec) banks: P for the dense design)
//   act_words  the activation buffer in words of L x B values
//   out_words  per output bank (NB = P rounded up to a power of two), the output buffer's
//              accumulators in words of L
//   rp_words   per output bank, = out_words (a tile of one token needs Q <= out_words)
struct RtlDepths {
  int64_t wb_words = 0, row_words = 0, act_words = 0, out_words = 0, rp_words = 0;
};
RtlDepths rtl_depths(const AccelSpec& spec);

// Throws Error (field named) when the RTL cannot take the spec: B * offset bits not a
// multiple of 8, token lanes above 2, or a precision other than int8/int16.
void rtl_check_spec(const AccelSpec& spec);

// One layer's shape as the array runs it.
struct RtlLayer {
  int64_t rows = 0, cols = 0, k1 = 0, n = 0;
  int64_t blocks = 0;  // ceil(K / Bc)
  int64_t rounds = 0;  // R = ceil(k1 / P)
  int64_t q_rows = 0;  // Q = ceil(M / NB)
  bool bias = false;
  bool per_row_requant = false;
  int64_t block_bytes = 0;         // rows + values + offsets of one column block
  int64_t block_buffer_bytes = 0;  // values + offsets of one block: what the weight buffer holds
  int64_t first_extra_bytes = 0;   // bias + requantization sections (first block only)
  int64_t rows_bytes = 0;          // the rows section of a block
  int64_t out_banks = 0;           // NB (rtl_out_banks; P for the dense design)
};
RtlLayer rtl_layer(const AccelSpec& spec, int64_t rows, int64_t cols, int64_t k1, int64_t n,
                   bool bias, bool per_row_requant);
// Bytes one column block of a layer (k1 kept segments of n slots) takes in hpa_top's weight
// buffer: its values and offsets sections, R * n words of P groups (the rows section goes to
// the row memory, the row parameters to the row-parameter memory). rtl_weight_image writes
// exactly these bytes per block after the rows; the sizing and check_mapping count them, so
// rtl_depths' WB_WORDS holds what the RTL loads.
int64_t rtl_block_buffer_bytes(const AccelSpec& spec, int64_t k1, int64_t n);

// The deal of one block's kept rows (HPF order, ascending) to rounds and PEs: for slot
// (round r, PE p) at index r * P + p, the segment's index in `rows`, or -1 for a dummy.
std::vector<int64_t> rtl_block_deal(std::span<const uint16_t> rows, int64_t pes);
// Per column block and round, m = the largest number of the round's (non-dummy) rows that
// share one output bank: [blocks][rounds], for P PEs. The commit stage needs m cycles for
// the round.
std::vector<int64_t> rtl_round_conflicts(const format::hpf::Matrix& w, int64_t pes);

// The first item's row parameters (bias, then requantization sections, as above) for a layer
// of `rows` rows, padded with zeros to Q * NB rows (NB = out_banks(spec): the HP design's or,
// for dense_image, P). bias: empty or `rows` entries; requant: empty or `rows` entries (Error
// naming the field otherwise).
std::vector<uint8_t> rtl_row_parameters(const AccelSpec& spec, int64_t rows,
                                        std::span<const int64_t> bias,
                                        std::span<const kernels::Requant> requant);

struct RtlWeightImage {
  std::vector<uint8_t> first_extra;          // bias and requant sections (may be empty)
  std::vector<std::vector<uint8_t>> blocks;  // one image per column block
};
// The image above for an int8/int16 HPF with the spec's Bc and B. bias: empty or M entries
// (quantized, within the accumulator's width); requant: empty (per-layer, in the descriptor)
// or M entries. Throws Error naming the field on a mismatch.
RtlWeightImage rtl_weight_image(const AccelSpec& spec, const format::hpf::Matrix& w,
                                std::span<const int64_t> bias,
                                std::span<const kernels::Requant> requant);

// Bytes of one activation-memory word: L * B values of W bits.
int64_t rtl_act_word_bytes(const AccelSpec& spec);
// The activation memory's words for x [tokens][cols] (quantized): tiles of `tile` tokens,
// each cut into groups of L tokens from its first token; per group, per column block, per
// in-bank offset o, one word holding value (bank j, lane l) at bits [(j * L + l) * W, +W),
// x[t][block * Bc + j * Bc / B + o], zero past K and for missing tokens.
std::vector<uint8_t> rtl_act_image(const AccelSpec& spec, std::span<const int16_t> x,
                                   int64_t tokens, int64_t cols, int64_t tile);

inline constexpr int kRtlDescriptorFields = 26;
struct RtlDescriptor {
  std::array<uint32_t, kRtlDescriptorFields> fields{};
};
// Where a layer's data sit in the RTL's memories, and how it runs.
struct RtlPlacement {
  int64_t act_base = 0;  // activation word of its first token group
  int64_t w_base = 0;    // resident weights: first weight word and round of the layer
  int64_t r_base = 0;
  int64_t rp_base = 0;  // first row-parameter word
  bool resident = false;
  bool load_only = false;            // stream the weights into w_base / r_base, compute nothing
  kernels::Requant layer_requant{};  // used when the layer has no per-row requantization
};
// The 32-bit fields of rtl/hpa_top.sv's descriptor.
RtlDescriptor rtl_descriptor(const AccelSpec& spec, const RtlLayer& layer, int64_t tokens,
                             int64_t tile, const RtlPlacement& where);

}  // namespace fitformer::accel
