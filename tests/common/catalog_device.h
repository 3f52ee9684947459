// The shipped catalog's devices by id (catalog/devices.toml), for tests on real devices.
#pragma once

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "io/catalog.h"

namespace fitformer::testing {

inline const std::vector<io::DeviceSpec>& shipped_catalog() {
  static const std::vector<io::DeviceSpec> all = io::load_catalog(io::default_catalog_path());
  return all;
}

// Throws (the test fails) when the catalog has no such device, instead of handing back end().
inline const io::DeviceSpec& catalog_device(const std::string& id) {
  const std::vector<io::DeviceSpec>& all = shipped_catalog();
  const auto it =
      std::find_if(all.begin(), all.end(), [&](const io::DeviceSpec& d) { return d.id == id; });
  if (it == all.end()) throw std::runtime_error("no device \"" + id + "\" in the catalog");
  return *it;
}

}  // namespace fitformer::testing
