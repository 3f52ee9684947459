// `fitformer rtl emit`: the RTL of the accelerator `fitformer select` sized for a device, from
// the accelerator.json it wrote (accel/sized_json.h): the hpa_top parameters and buffer depths
// the configuration implies, a top level with them, a file list and a README, beside the RTL's
// sources (rtl/*.sv, embedded in the binary), ready for a vendor flow or Verilator.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "accel/accel_spec.h"
#include "accel/mapping.h"
#include "accel/rtl_image.h"

namespace fitformer::accel {

// hpa_top's parameters for a sized configuration: beat rtl_beat_bytes(spec), the depths of
// rtl_depths(spec) (accel/rtl_image.h), desc_n 16 layer descriptors.
struct RtlDesign {
  AccelSpec spec;
  Mapping mapping;
  int64_t beat = 0;
  RtlDepths depths;
  int64_t desc_n = 16;
};

// The design for a sized configuration; throws Error when the RTL cannot take it (rtl_check_spec).
RtlDesign rtl_design(const AccelSpec& spec, const Mapping& mapping);

// accelerator.json's configuration (the fields sized_config_json writes; other keys, such as
// the resources `select` adds, are ignored). Throws Error(file, field, expected, found).
RtlDesign rtl_design_from_json(const nlohmann::json& j, const std::string& file);

// The top level: module hpa_sized_top, hpa_top's ports, hpa_top with the design's parameters.
std::string rtl_top_text(const RtlDesign& design, const std::string& source);

// Writes out/rtl/*.sv, out/hpa_sized_top.sv, out/files.f (sources in compile order, relative
// to out) and out/README.md; returns the paths written. Throws Error for an unreadable or bad
// accelerator.json, or a folder it cannot write.
std::vector<std::filesystem::path> emit_rtl(const std::filesystem::path& accelerator_json,
                                            const std::filesystem::path& out);

}  // namespace fitformer::accel
