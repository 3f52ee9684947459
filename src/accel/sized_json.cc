// The sized accelerator's configuration and its resource use as JSON.
#include "accel/sized_json.h"

#include <cmath>
#include <string>

namespace fitformer::accel {

nlohmann::json sized_config_json(const SizedAccel& sized) {
  const AccelSpec& s = sized.spec;
  return {{"pes", s.pes},
          {"banks", s.banks},
          {"block_cols", s.block_cols},
          {"token_lanes", s.token_lanes},
          {"precision", std::string(precision_name(s.precision))},
          {"clock_mhz", s.clock_mhz},
          {"weight_buffer_bytes", s.weight_buffer_bytes},
          {"weight_memory", std::string(memory_name(s.weight_memory))},
          {"act_buffer_bytes", s.act_buffer_bytes},
          {"out_buffer_bytes", s.out_buffer_bytes},
          {"offchip_gbs", s.offchip_gbs},
          {"vector_lanes", s.vector_lanes},
          {"weights_resident", sized.mapping.weights_resident},
          {"max_token_tile", sized.mapping.max_token_tile}};
}

namespace {

// floor(count * usable_fraction): what the platform shell leaves.
int64_t usable(int count, double fraction) {
  return static_cast<int64_t>(std::floor(count * fraction));
}

}  // namespace

nlohmann::json sized_design_json(const SizedAccel& sized, const io::FpgaSpec& fpga) {
  const ResourceEstimate& r = sized.resources;
  nlohmann::json j = sized_config_json(sized);
  j["latency_us"] = sized.latency.latency_us;
  j["cycles"] = sized.latency.total_cycles;
  j["used"] = {
      {"dsp", r.dsp}, {"bram36", r.bram36}, {"uram", r.uram}, {"lut", r.lut}, {"ff", r.ff}};
  j["available"] = {{"dsp", usable(fpga.dsp, fpga.usable_fraction)},
                    {"bram36", usable(fpga.bram36, fpga.usable_fraction)},
                    {"uram", usable(fpga.uram, fpga.usable_fraction)},
                    {"lut", usable(fpga.lut, fpga.usable_fraction)},
                    {"ff", usable(fpga.ff, fpga.usable_fraction)}};
  j["part"] = fpga.part;
  j["provenance"] = "modeled";
  return j;
}

}  // namespace fitformer::accel
