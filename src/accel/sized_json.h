// The sized accelerator as JSON: what `fitformer simulate --json` prints under "accelerator"
// and what `fitformer select` reports per FPGA and writes to accelerator.json, from one place.
#pragma once

#include <nlohmann/json.hpp>

#include "accel/sizing.h"

namespace fitformer::accel {

// P, B, Bc, token lanes, precision, clock, buffers and their memory, off-chip bandwidth, vector
// lanes, whether weights are resident, and the largest token tile.
nlohmann::json sized_config_json(const SizedAccel& sized);

// sized_config_json plus the modeled latency and cycles, and the resources used next to what
// the device leaves usable (floor(count * usable_fraction) after the platform shell): what a
// select result shows per FPGA and writes to accelerator.json. Provenance "modeled".
nlohmann::json sized_design_json(const SizedAccel& sized, const io::FpgaSpec& fpga);

}  // namespace fitformer::accel
