// Tags every accel/ result carries: where a number came from (STYLE.md: measured, simulated,
// modeled, never blurred) and a feasibility verdict kept for the report.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace fitformer::accel {

enum class Provenance { kMeasured, kSimulated, kModeled };
inline constexpr std::array<std::string_view, 3> kProvenanceNames = {"measured", "simulated",
                                                                     "modeled"};
inline std::string_view provenance_name(Provenance p) {
  return kProvenanceNames[static_cast<size_t>(p)];
}

// An expected outcome, not an error: ok, or the first reason it is not.
struct Verdict {
  bool ok = true;
  std::string reason;  // empty when ok
};

}  // namespace fitformer::accel
