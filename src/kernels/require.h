// The kernels' argument checks: one line per condition, reported as fitformer::Error.
#pragma once

#include <string>

#include "core/error.h"

namespace fitformer::kernels {

// Throws Error naming `field` (no file: the arguments come from memory) unless ok.
inline void require(bool ok, const char* field, const std::string& expected,
                    const std::string& found) {
  if (!ok) throw Error("", field, expected, found);
}

}  // namespace fitformer::kernels
