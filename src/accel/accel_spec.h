// What the HP accelerator is (DESIGN.md §4): its parameters, apart from the workload it runs
// and the mapping of one onto the other. The simulator, the analytical model, the resource
// model and the per-device sizing all read this one struct.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "format/precision.h"
#include "sparsity/patterns.h"

namespace fitformer::accel {

// Width of weights and activations: format::Precision, int8 or int16 here (validate_spec
// refuses fp32; a device given fp32 weights runs the widest datapath, int16). Accumulators are
// 32-bit for int8 and 48-bit for int16 (kernels/fixed_point.h: the DSP48E2's P register, as
// int16 products reach 2^30). precision_name, precision_bytes, precision_value_type and
// precision_qmax are format/precision.h's.
using format::Precision;
// Bytes one accumulator takes in the output buffer: 4 (32 bits) for int8, 6 (48 bits) for
// int16.
int64_t accumulator_bytes(Precision precision);

// Where a buffer lives: 36 Kb block RAM or 288 Kb UltraRAM (UltraScale+ only).
enum class Memory { kBram, kUram };
inline constexpr std::array<std::string_view, 2> kMemoryNames = {"bram", "uram"};
std::string_view memory_name(Memory memory);

// Which engine: the HP design (row indices, in-bank offsets, the commit crossbar; HPF weight
// streams) or the dense baseline (plain dense int8/int16 weights, no indices: accel/dense_stream.h,
// docs/accelerator.md (b)). Both share the array, slice feed, output banks and drain.
enum class Design { kHp, kDense };
inline constexpr std::array<std::string_view, 2> kDesignNames = {"hp", "dense"};
std::string_view design_name(Design design);
// Throws Error (field "design") listing the allowed names.
Design parse_design(std::string_view name);

// Every field has a default; `validate_spec` checks them. Sizes in bytes.
struct AccelSpec {
  Design design = Design::kHp;
  int64_t pes = 16;  // P processing elements
  // B multipliers per PE, one per input bank; must equal the HPF's B.
  int64_t banks = sparsity::kDefaultBanks;
  int64_t block_cols = sparsity::kDefaultBlockCols;  // Bc, the column-block width; the HPF's Bc
  // Tokens a PE serves per cycle with one weight read: 2 only for int8, where one DSP48E2
  // computes w*x_t and w*x_(t+1) by the shared-operand packing of Xilinx WP486.
  int64_t token_lanes = 1;
  Precision precision = Precision::kInt8;
  double clock_mhz = 200;
  // Weight buffer: holds every weight of the model when weights are resident (loaded once),
  // otherwise two column blocks' worth (the double buffer the off-chip stream fills).
  int64_t weight_buffer_bytes = 256 * 1024;
  Memory weight_memory = Memory::kBram;
  int64_t act_buffer_bytes = 128 * 1024;  // input activations of one token tile, K x T values
  // Accumulators of one token tile, M x T of accumulator_bytes each.
  int64_t out_buffer_bytes = 256 * 1024;
  double offchip_gbs = 10;    // effective off-chip bandwidth, GB/s (1e9 B/s)
  int64_t vector_lanes = 16;  // softmax / LayerNorm / GELU / residual unit, elements per cycle

  bool operator==(const AccelSpec&) const = default;
};

// Checks ranges (P, B, lanes >= 1, B divides Bc, precision int8 or int16, token_lanes in
// {1, 2} and 2 only for int8,
// clock and bandwidth > 0, buffers >= 0); throws Error naming the field.
void validate_spec(const AccelSpec& spec);

// Bc / B: the depth of one input bank, and the cycles to load one token's input slice (each
// bank takes one value per cycle).
int64_t bank_width(const AccelSpec& spec);
// ceil(log2(Bc / B)): bits of an in-bank offset (HPF's offs).
int offset_bits(const AccelSpec& spec);
// Output banks of the engine: P rounded up to a power of two for HP (rows spread by row mod NB
// through the crossbar), P for the dense design (PE p owns the rows p, p + P, ...).
int64_t out_banks(const AccelSpec& spec);
// Off-chip bytes per clock cycle: offchip_gbs * 1e9 / (clock_mhz * 1e6).
double offchip_bytes_per_cycle(const AccelSpec& spec);
// Multiply-accumulates per cycle at full use: P * B * token_lanes.
int64_t peak_macs_per_cycle(const AccelSpec& spec);

}  // namespace fitformer::accel
