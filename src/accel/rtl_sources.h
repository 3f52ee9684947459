// The RTL's SystemVerilog sources (rtl/*.sv), embedded in the binary at build time
// (cmake/embed_rtl.cmake), so that `fitformer rtl emit` writes them from any directory.
#pragma once

#include <string_view>
#include <vector>

namespace fitformer::accel {

struct RtlSourceFile {
  std::string_view name;  // "hpa_top.sv"
  std::string_view text;
};

// Every rtl/*.sv file, sorted by name.
const std::vector<RtlSourceFile>& rtl_sources();

}  // namespace fitformer::accel
