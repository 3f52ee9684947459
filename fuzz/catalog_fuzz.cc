// Harness: any bytes as a device catalog TOML. Every accepted device has a safe id and
// finite, positive figures where the models divide by them.
#include <cmath>

#include "core/safe_name.h"
#include "fuzz_check.h"
#include "io/catalog.h"

using namespace fitformer;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    for (const io::DeviceSpec& d :
         io::parse_catalog(std::string(fuzz::as_text(data, size)), "fuzz/devices.toml")) {
      fuzz::require(is_safe_name(d.id), "device id is a safe name");
      fuzz::require(std::isfinite(d.memory_bandwidth_gbs) && d.memory_bandwidth_gbs > 0,
                    "bandwidth finite and positive");
      if (d.fpga) fuzz::require(d.fpga->clock_mhz >= 1, "clock at least 1 MHz");
      if (d.cpu) fuzz::require(d.cpu->clock_ghz > 0 && d.cpu->cores > 0, "cpu figures positive");
      if (d.gpu) fuzz::require(d.gpu->fp32_tflops > 0, "gpu figures positive");
    }
  } catch (const Error& e) {
    fuzz::check_error(e);
  }
  return 0;
}
