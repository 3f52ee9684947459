// One valid device-catalog entry, shared by the catalog parser tests and the command-line
// malformed-input table; cases edit it with replace_line or plain string replacement.
#pragma once

#include <string>

namespace fitformer::testing {

// A complete, sourced FPGA entry that parse_catalog accepts.
inline const char* const kValidCatalog = R"([[device]]
id = "board"
name = "A board"
kind = "fpga"
tier = 1
price_usd = 100
power_w = 5
memory_gb = 1
memory_bandwidth_gbs = 4
[device.fpga]
part = "XC7Z020"
dsp_type = "DSP48E1"
dsp = 220
bram36 = 140
uram = 0
lut = 53200
ff = 106400
usable_fraction = 0.9
clock_mhz = 150
[device.sources]
tier = "s"
price_usd = "s"
power_w = "s"
memory_gb = "s"
memory_bandwidth_gbs = "s"
"fpga.dsp" = "s"
"fpga.bram36" = "s"
"fpga.uram" = "s"
"fpga.lut" = "s"
"fpga.ff" = "s"
"fpga.usable_fraction" = "s"
"fpga.clock_mhz" = "s"
)";

// `text` with the whole line that sets `key` replaced by `line` (an empty `line` blanks it).
inline std::string replace_line(std::string text, const std::string& key, const std::string& line) {
  const size_t at = text.find("\n" + key + " = ") + 1;
  return text.replace(at, text.find('\n', at) - at, line);
}

}  // namespace fitformer::testing
