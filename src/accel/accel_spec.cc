// Names, checks and derived quantities of AccelSpec.
#include "accel/accel_spec.h"

#include <fmt/format.h>

#include <cmath>
#include <string>

#include "core/error.h"
#include "kernels/fixed_point.h"

namespace fitformer::accel {
namespace {

void require(bool ok, const char* field, const std::string& expected, const std::string& found) {
  if (!ok) throw Error("", field, expected, found);
}

}  // namespace

int64_t accumulator_bytes(Precision precision) {
  return kernels::accumulator_bits(precision_value_type(precision)) / 8;
}

std::string_view memory_name(Memory memory) {
  return kMemoryNames[static_cast<size_t>(memory)];
}

std::string_view design_name(Design design) {
  return kDesignNames[static_cast<size_t>(design)];
}

Design parse_design(std::string_view name) {
  for (size_t i = 0; i < kDesignNames.size(); ++i) {
    if (kDesignNames[i] == name) return static_cast<Design>(i);
  }
  throw Error("", "design", "hp or dense", fmt::format("\"{}\"", name));
}

int64_t out_banks(const AccelSpec& spec) {
  if (spec.design == Design::kDense) return spec.pes;
  int64_t nb = 1;
  while (nb < spec.pes) nb *= 2;
  return nb;
}

void validate_spec(const AccelSpec& s) {
  require(s.pes >= 1, "pes", ">= 1", fmt::format("{}", s.pes));
  require(s.banks >= 1, "banks", ">= 1", fmt::format("{}", s.banks));
  require(s.block_cols >= 1 && s.block_cols % s.banks == 0, "block_cols",
          "a positive multiple of banks", fmt::format("{} (banks {})", s.block_cols, s.banks));
  require(s.precision != Precision::kFp32, "precision", "int8 or int16",
          std::string(precision_name(s.precision)));
  require(s.block_cols <= 65536, "block_cols", "<= 65536", fmt::format("{}", s.block_cols));
  require(s.token_lanes == 1 || (s.token_lanes == 2 && s.precision == Precision::kInt8),
          "token_lanes", "1, or 2 with int8", fmt::format("{}", s.token_lanes));
  require(std::isfinite(s.clock_mhz) && s.clock_mhz > 0, "clock_mhz", "> 0",
          fmt::format("{}", s.clock_mhz));
  require(std::isfinite(s.offchip_gbs) && s.offchip_gbs > 0, "offchip_gbs", "> 0",
          fmt::format("{}", s.offchip_gbs));
  require(s.weight_buffer_bytes >= 0, "weight_buffer_bytes", ">= 0",
          fmt::format("{}", s.weight_buffer_bytes));
  require(s.act_buffer_bytes >= 0, "act_buffer_bytes", ">= 0",
          fmt::format("{}", s.act_buffer_bytes));
  require(s.out_buffer_bytes >= 0, "out_buffer_bytes", ">= 0",
          fmt::format("{}", s.out_buffer_bytes));
  require(s.vector_lanes >= 1, "vector_lanes", ">= 1", fmt::format("{}", s.vector_lanes));
}

int64_t bank_width(const AccelSpec& spec) {
  return spec.block_cols / spec.banks;
}

int offset_bits(const AccelSpec& spec) {
  int bits = 0;
  while ((int64_t{1} << bits) < bank_width(spec)) ++bits;
  return bits;
}

double offchip_bytes_per_cycle(const AccelSpec& spec) {
  return spec.offchip_gbs * 1e9 / (spec.clock_mhz * 1e6);
}

int64_t peak_macs_per_cycle(const AccelSpec& spec) {
  return spec.pes * spec.banks * spec.token_lanes;
}

}  // namespace fitformer::accel
