// When no accelerator of the sizing grid fits an FPGA (issue 14 item 6): the design that comes
// closest, so that the report can say which resource is short and by how much.
#pragma once

#include <optional>
#include <string>

#include "accel/sizing.h"
#include "io/catalog.h"

namespace fitformer::devices {

// The design size_accelerator would choose on `device` with every resource count (DSP, BRAM36,
// URAM, LUT, FF) grown by the least common factor g in (1, max_growth] that lets one fit, g
// found by bisection to 1 %. Its resources are then judged against the real device: verdict and
// resources.fit name the first short one ("lut 70123 > usable 53200 on pynq-z2"). Precondition:
// no design fits `device` as it is (size_accelerator said so). nullopt when none fits even at
// max_growth, or for a device that is not an FPGA.
std::optional<accel::SizedAccel> closest_design(const io::DeviceSpec& device,
                                                const accel::SizingProblem& problem,
                                                double max_growth = 64);

// The largest share of the device's usable DSP, BRAM36, URAM, LUT or FF the design needs (1.31:
// 131 %); 0 for a device that is not an FPGA.
double largest_usable_share(const accel::SizedAccel& design, const io::DeviceSpec& device);

// "(P=1 B=8 int8) needs lut 131 % of usable (70123 > 53200)": a design's configuration and every
// resource it needs beyond the device's usable share, largest share first.
std::string shortfall(const accel::SizedAccel& design, const io::DeviceSpec& device);

}  // namespace fitformer::devices
