// Harness: any bytes as config.json. An accepted config must survive its own round trip
// (model_config_json, then parse again) unchanged and stay within ModelLimits.
#include "fuzz_check.h"
#include "io/model_config.h"

using namespace fitformer;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  io::ModelConfig config;
  try {
    config = io::parse_model_config(std::string(fuzz::as_text(data, size)), "fuzz/config.json");
  } catch (const Error& e) {
    fuzz::check_error(e);
    return 0;
  }
  fuzz::require(io::approx_parameter_count(config) <= io::ModelLimits::kParameters,
                "parameter count within limits");
  const io::ModelConfig again =
      io::parse_model_config(io::model_config_json(config), "fuzz/config-written.json");
  fuzz::require(again == config, "config.json round trip");
  return 0;
}
