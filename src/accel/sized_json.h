// The sized accelerator's configuration as JSON: what `fitformer simulate --json` prints under
// "accelerator" and what `fitformer select` writes to accelerator.json, from one place.
#pragma once

#include <nlohmann/json.hpp>

#include "accel/sizing.h"

namespace fitformer::accel {

// P, B, Bc, token lanes, precision, clock, buffers and their memory, off-chip bandwidth, vector
// lanes, whether weights are resident, and the largest token tile.
nlohmann::json sized_config_json(const SizedAccel& sized);

}  // namespace fitformer::accel
