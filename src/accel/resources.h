// The resource model of the HP accelerator (DESIGN.md §4, view 3): DSP slices, BRAM36,
// URAM, LUT and FF as functions of (P, B, Bc, token lanes, precision, buffer sizes), and
// whether they fit a device's usable share.
//
// Two parts. The linear engine is what rtl/ implements (hpa_top); its formulas follow the RTL's
// units and its LUT/FF constants are fitted to Yosys 0.23 synth_xilinx (UltraScale+) of rtl/ at
// 5 sizes, P 2-8, B 4-8, int8, 1-2 lanes (docs/rtl.md "Rebuilding the commit crossbar and the
// row memories", docs/rtl_synth/*.json, scripts/fit_resources). The vector unit and the shell (DMA,
// AXI interconnect, host registers) are not in rtl/: their constants stay estimates.
//
// Engine (w = 8 * precision bytes, L = token lanes, NB = P rounded up to a power of two,
// a = accumulator bits, 32 for int8 and 48 for int16, depths from rtl_depths):
//  DSP  = P * B * L                  one multiplier per bank and lane (the RTL does not pack two
//                                    int8 products into one DSP48E2, Xilinx WP486)
//       + NB * requant               the requantizer's |acc| x M0 product, a x 32 bits, in 27 x 18
//                                    tiles: 4 for int8 (as Yosys maps it), 6 for int16 (derived)
//  BRAM36 = ceil(sum of 18 Kb units / 2) over the RTL's memories deeper than 64 words (shallower
//         ones are LUTRAM), each of depth d and
//         width x taking min over the RAMB18 shapes (512 x 36 ... 16K x 1) of
//         ceil(d / depth) * ceil(x / width) units: per PE the weight values (wb_words x B w) and
//         offsets (wb_words x B ob); the activations (act_words x L B w); per output bank the
//         accumulators (out_words x (1 + L a)), biases (rp_words x a) and requantization words
//         (rp_words x 40). With weight_memory URAM, the per-PE weight memories take
//         ceil(d / 4096) * ceil(x / 72) URAM288 each instead. A buffer of at most 64 words is
//         LUTRAM instead: 8 LUTs per 7 bits of width (RAM64M8), added to LUT.
//  LUT  = kEngineLut + P * kPeLut + P B L w * kMultBitLut + P NB * kCrossbarLut
//       + conflict counts beyond 64 words + LUTRAM buffers
//  FF   = kEngineFf + P * kPeFf + P B L w * kMultBitFf
//  The fixed part is the controller, sequencer, weight loader, slice feed and drain; per PE
//  its control, row memories at 64 words and output bank (NB = P at every synthesized size);
//  per multiplier bit the operand registers, slice banks, multiplier glue and adder tree; the
//  P NB term holds the commit stage (hpa_commit.sv: each of the NB banks takes one of the P
//  partial sums, rtl_psum_bits bits per lane, through an AND-OR multiplexer) and whatever else
//  grows with P squared at the synthesized sizes, whose stream beat widens with P (the weight
//  loader's routing of a beat to the P PEs, probably; not separated). Before the crossbar was
//  rebuilt the term was 107 LUTs per PE-bank pair (docs/rtl.md "Synthesis").
//  LUT counts CLB LUTs: logic, LUTRAM and shift registers, as Vivado reports them. The per-PE
//  row memories (row_words x 16 and row_words x clog2(NB + 1), registered reads) are block
//  RAM beyond 64 words and counted under BRAM36 like the buffers above. The sequencer's
//  per-round conflict counts (row_words x clog2(P + 1), one asynchronous read) are LUTRAM:
//  beyond 64 words each bit adds k - 1 + ceil((k - 1) / 3) LUTs, k = ceil(row_words / 64)
//  (64-bit LUTs and their read multiplexer: derived, not synthesized).
// Whole accelerator = engine + vector_lanes * kVectorLane* + kShell* (estimates).
#pragma once

#include <cstdint>
#include <string_view>

#include "accel/accel_spec.h"
#include "accel/result_tags.h"
#include "accel/rtl_image.h"
#include "io/catalog.h"

namespace fitformer::accel {

// Fitted to synthesis: least squares over five UltraScale+ runs of the rebuilt RTL in
// docs/rtl_synth/*.json, P 4 B 16 held out as a check (and P 16 where present, synthesized after
// the fit), printed by `scripts/fit_resources --hold-out p4_b16_w8_l1_xcup p16_b8_w8_l1_xcup`.
inline constexpr double kEngineLut = 3549;
inline constexpr double kPeLut = 888;
inline constexpr double kMultBitLut = 6.36;
inline constexpr double kCrossbarLut = 85;  // per PE-bank pair (P x NB)
inline constexpr double kEngineFf = 2625;
inline constexpr double kPeFf = 510;
inline constexpr double kMultBitFf = 8.45;
// The dense design (spec.design kDense: rtl/hpa_top.sv with INDEXED = 0, NB = P): the same
// units without the commit crossbar, the row memories, the conflict counts and the offsets
// memory, so LUT = kDenseEngineLut + P kDensePeLut + P B L w kDenseMultBitLut + P b kDenseBeatLut
// + LUTRAM buffers (b = dense_beat_bytes: the weight loader routes each beat's value groups to P
// PEs and its row parameters to P banks, and the beat grows with the off-chip rate), FF =
// kDenseEngineFf + P kDensePeFf + P B L w kDenseMultBitFf; DSP and block RAM by the formulas
// above with NB = P and no offsets. Fitted by least squares to Yosys 0.23 synth_xilinx
// (UltraScale+) of the dense RTL at P 2, 4, 8, 16 (B 8) and P 4 B 16, int8, one lane
// (docs/rtl_synth/dense_*.json, `scripts/fit_resources --design dense`): LUT within 1.1 % and FF
// within 0.1 % of all five; fitted without P 16, the LUT constants predict it at 0.95 (without
// the P b term, at 0.82).
inline constexpr double kDenseEngineLut = 3024;
inline constexpr double kDensePeLut = 901;
inline constexpr double kDenseMultBitLut = 5.41;
inline constexpr double kDenseBeatLut = 16;  // per PE and beat byte
inline constexpr double kDenseEngineFf = 2432;
inline constexpr double kDensePeFf = 488;
inline constexpr double kDenseMultBitFf = 8.46;
// DSPs of one requantizer: int8 (32 x 32-bit product) as every int8 run of docs/rtl_synth has it;
// int16 (48 x 32) derived from the same tiling, since no int16 synthesis finished.
inline constexpr int64_t kRequantDspInt8 = 4;
inline constexpr int64_t kRequantDspInt16 = 6;

// Estimates (not synthesized: no RTL of these units).
inline constexpr int64_t kVectorLaneDsp = 4;  // exp / rsqrt polynomial and scaling
inline constexpr int64_t kVectorLaneLut = 600;
inline constexpr int64_t kVectorLaneFf = 800;
inline constexpr int64_t kShellLut = 8000;  // DMA engines, AXI interconnect, control registers
inline constexpr int64_t kShellFf = 10000;

inline constexpr int64_t kUramDepth = 4096;  // URAM288: 4096 x 72
inline constexpr int64_t kUramWidth = 72;

struct ResourceEstimate {
  Provenance provenance = Provenance::kModeled;
  int64_t dsp = 0;
  int64_t bram36 = 0;
  int64_t uram = 0;
  int64_t lut = 0;
  int64_t ff = 0;
  // Against a device (check_fit / estimate_resources with a device); ok by default.
  Verdict fit;
};

// 18 Kb block-RAM units of one memory of `depth` words of `width` bits (the best RAMB18 shape);
// 0 at most kLutramMaxDepth words (LUTRAM, as Yosys and Vivado build them; their LUTs are in the
// fitted constants).
inline constexpr int64_t kLutramMaxDepth = 64;
int64_t bram18_units(int64_t depth, int64_t width);

// Bits of a segment's partial sum in the RTL (hpa_top's PSUM_W): at most Bc products of two
// w-bit values, 2w + clog2(Bc), at most 48.
int64_t rtl_psum_bits(const AccelSpec& spec);

// The linear engine alone (rtl/hpa_top with these depths); Error for a spec validate_spec
// refuses.
ResourceEstimate estimate_engine_resources(const AccelSpec& spec, const RtlDepths& depths);

// Engine at rtl_depths(spec), plus the vector unit and shell. dsp_type "DSP48E1" or "DSP48E2"
// (io::FpgaSpec::dsp_type; both take one product per multiplier here); Error for another, or
// for a spec validate_spec refuses.
ResourceEstimate estimate_resources(const AccelSpec& spec, std::string_view dsp_type);

// Each resource against floor(total * usable_fraction) of the device's FPGA; the reason
// names the first that does not fit ("dsp 1400 > usable 1468" style), or a non-FPGA device.
Verdict check_fit(const ResourceEstimate& estimate, const io::DeviceSpec& device);

// estimate_resources for the device's DSP type, with `fit` set by check_fit.
ResourceEstimate estimate_resources(const AccelSpec& spec, const io::DeviceSpec& device);

}  // namespace fitformer::accel
