#include "accel/sized_json.h"

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

}  // namespace fitformer::accel
