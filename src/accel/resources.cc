// Resource formulas of the accelerator (documented in resources.h) and the fit check.
#include "accel/resources.h"

#include <fmt/format.h>

#include <cmath>

#include "accel/fixed_point.h"
#include "core/error.h"

namespace fitformer::accel {
namespace {

int64_t ceil_div(int64_t a, int64_t b) {
  return (a + b - 1) / b;
}

int64_t memories(int64_t bytes, int64_t port_bits, int64_t capacity) {
  if (bytes <= 0) return 0;
  return std::max(ceil_div(bytes, capacity), ceil_div(port_bits, kMemoryPortBits));
}

int log2_ceil(int64_t v) {
  int bits = 0;
  while ((int64_t{1} << bits) < v) ++bits;
  return bits;
}

}  // namespace

ResourceEstimate estimate_resources(const AccelSpec& spec, std::string_view dsp_type) {
  validate_spec(spec);
  if (dsp_type != "DSP48E1" && dsp_type != "DSP48E2") {
    throw Error("", "dsp_type", "DSP48E1 or DSP48E2", std::string(dsp_type));
  }
  const int64_t p = spec.pes, b = spec.banks, l = spec.token_lanes, bw = bank_width(spec);
  const int64_t w = 8 * precision_bytes(spec.precision), ob = offset_bits(spec);
  ResourceEstimate e;
  const int64_t mults = l == 1 || dsp_type == "DSP48E2" ? 1 : 2;
  e.dsp = p * b * mults + p * kRequantDsp + spec.vector_lanes * kVectorLaneDsp;

  const int64_t weight_port = p * b * (w + ob);
  if (spec.weight_memory == Memory::kUram) {
    e.uram = memories(spec.weight_buffer_bytes, weight_port, kUramBytes);
  } else {
    e.bram36 = memories(spec.weight_buffer_bytes, weight_port, kBram36Bytes);
  }
  e.bram36 += memories(spec.act_buffer_bytes, b * w * l, kBram36Bytes);
  e.bram36 +=
      memories(spec.out_buffer_bytes, p * accumulator_bits(spec.precision) * l, kBram36Bytes);

  const int64_t tree = l * ((b - 1) * (2 * w + log2_ceil(b)) + 48);
  e.lut = p * b * (w * l * ceil_div(bw - 1, 3) + w * l) + p * tree + p * kPeControlLut +
          spec.vector_lanes * kVectorLaneLut + kShellLut;
  e.ff = p * b * 2 * w * l + p * tree + p * kPeControlFf + spec.vector_lanes * kVectorLaneFf +
         kShellFf;
  return e;
}

Verdict check_fit(const ResourceEstimate& e, const io::DeviceSpec& device) {
  if (!device.fpga) return {false, fmt::format("{} is not an FPGA", device.id)};
  const io::FpgaSpec& f = *device.fpga;
  auto usable = [&](int total) {
    return static_cast<int64_t>(std::floor(total * f.usable_fraction));
  };
  const struct {
    const char* name;
    int64_t need;
    int total;
  } items[] = {{"dsp", e.dsp, f.dsp},
               {"bram36", e.bram36, f.bram36},
               {"uram", e.uram, f.uram},
               {"lut", e.lut, f.lut},
               {"ff", e.ff, f.ff}};
  for (const auto& it : items) {
    if (it.need > usable(it.total)) {
      return {false, fmt::format("{} {} > usable {} on {}", it.name, it.need, usable(it.total),
                                 device.id)};
    }
  }
  return {};
}

ResourceEstimate estimate_resources(const AccelSpec& spec, const io::DeviceSpec& device) {
  if (!device.fpga) {
    ResourceEstimate e;
    e.fit = {false, fmt::format("{} is not an FPGA", device.id)};
    return e;
  }
  ResourceEstimate e = estimate_resources(spec, device.fpga->dsp_type);
  e.fit = check_fit(e, device);
  return e;
}

}  // namespace fitformer::accel
