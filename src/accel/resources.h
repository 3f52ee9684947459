// The resource model of the HP accelerator (DESIGN.md §4, view 3): DSP slices, BRAM36,
// URAM, LUT and FF as functions of (P, B, Bc, token lanes, precision, buffer sizes), and
// whether they fit a device's usable share.
//
// Formulas (w = 8 * precision bytes, L = token lanes, bw = Bc / B, ob = offset bits):
//  DSP  = P * B * mults + P * kRequantDsp + vector_lanes * kVectorLaneDsp, where mults = 1
//         when L = 1 (int8 or int16 fit one 25x18 / 27x18 multiplier), and for L = 2 (int8
//         only) 1 on a DSP48E2 (two int8 products sharing the weight operand, Xilinx WP486)
//         but 2 on a DSP48E1, whose 25x18 multiplier cannot keep the two products apart.
//  BRAM36 / URAM per buffer = max(ceil(bytes / capacity), ceil(port bits / 72)): capacity
//         4608 B (36 Kb) or 36864 B (288 Kb), 72-bit ports. Port widths: weights P * B *
//         (w + ob) (every PE reads B values and offsets per cycle; lanes share them);
//         activations B * w * L (one slice value per bank per cycle, broadcast to all PEs);
//         outputs P * a * L with a = accumulator_bits (32 for int8, 48 for int16: one
//         accumulator per PE per cycle at worst). The output buffer's bytes are M x T
//         accumulators of accumulator_bytes (mapping.h), so int16 holds 2/3 the tokens. Only the
//         weight buffer may sit in URAM (AccelSpec::weight_memory); a buffer of 0 bytes costs none.
//  LUT  = P * B * (w * L * ceil((bw - 1) / 3)   bank read mux, bw:1, three inputs per LUT6
//                  + w * L)                     slice banks as double-buffered LUTRAM
//       + P * L * ((B - 1) * (2 * w + log2 B) + 48)   adder tree and 48-bit partial sum
//       + P * kPeControlLut + vector_lanes * kVectorLaneLut + kShellLut
//  FF   = P * B * 2 * w * L (operand registers) + P * L * ((B - 1) * (2 * w + log2 B) + 48)
//       + P * kPeControlFf + vector_lanes * kVectorLaneFf + kShellFf
// The k-constants below are estimates (typical HLS results for units of this kind), not
// measurements of a synthesized design; the formulas' structure is exact arithmetic.
#pragma once

#include <cstdint>
#include <string_view>

#include "accel/accel_spec.h"
#include "accel/result_tags.h"
#include "io/catalog.h"

namespace fitformer::accel {

// Estimates (see above).
// A 32 x 32 (int8) or 48 x 32-bit (int16) multiply: 2 x 2 tiles of 27 x 18 either way.
inline constexpr int64_t kRequantDsp = 4;
inline constexpr int64_t kVectorLaneDsp = 4;   // exp / rsqrt polynomial and scaling
inline constexpr int64_t kPeControlLut = 150;  // segment counters, row index, handshakes
inline constexpr int64_t kPeControlFf = 200;
inline constexpr int64_t kVectorLaneLut = 600;
inline constexpr int64_t kVectorLaneFf = 800;
inline constexpr int64_t kShellLut = 8000;  // DMA engines, AXI interconnect, control registers
inline constexpr int64_t kShellFf = 10000;

inline constexpr int64_t kBram36Bytes = 4608;
inline constexpr int64_t kUramBytes = 36864;
inline constexpr int64_t kMemoryPortBits = 72;

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

// dsp_type "DSP48E1" or "DSP48E2" (io::FpgaSpec::dsp_type); Error for another, or for a
// spec validate_spec refuses.
ResourceEstimate estimate_resources(const AccelSpec& spec, std::string_view dsp_type);

// Each resource against floor(total * usable_fraction) of the device's FPGA; the reason
// names the first that does not fit ("dsp 1400 > usable 1468" style), or a non-FPGA device.
Verdict check_fit(const ResourceEstimate& estimate, const io::DeviceSpec& device);

// estimate_resources for the device's DSP type, with `fit` set by check_fit.
ResourceEstimate estimate_resources(const AccelSpec& spec, const io::DeviceSpec& device);

}  // namespace fitformer::accel
