// closest_design: bisection on a common growth of the FPGA's resources, each step one
// size_accelerator on the grown device, so the grid and its objective stay accel's own.
#include "devices/closest_fit.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "accel/resources.h"
#include "format/precision.h"

namespace fitformer::devices {
namespace {

// `device` with every resource count multiplied by `growth`, rounded up.
io::DeviceSpec grown(const io::DeviceSpec& device, double growth) {
  io::DeviceSpec out = device;
  io::FpgaSpec& f = *out.fpga;
  for (int* count : {&f.dsp, &f.bram36, &f.uram, &f.lut, &f.ff})
    *count = static_cast<int>(std::ceil(*count * growth));
  return out;
}

struct ResourceShare {
  const char* name;
  int64_t need = 0, usable = 0;
  double share = 0;  // need / usable; infinite when none is usable
};

// Each resource the design needs against the device's usable share, counted as check_fit does:
// floor(total * usable_fraction). Empty for a device that is not an FPGA.
std::vector<ResourceShare> resource_shares(const accel::SizedAccel& design,
                                           const io::DeviceSpec& device) {
  std::vector<ResourceShare> out;
  if (!device.fpga) return out;
  const io::FpgaSpec& f = *device.fpga;
  const accel::ResourceEstimate& r = design.resources;
  const std::pair<const char*, std::pair<int64_t, int>> items[] = {{"dsp", {r.dsp, f.dsp}},
                                                                   {"bram36", {r.bram36, f.bram36}},
                                                                   {"uram", {r.uram, f.uram}},
                                                                   {"lut", {r.lut, f.lut}},
                                                                   {"ff", {r.ff, f.ff}}};
  for (const auto& [name, counts] : items) {
    const auto usable = static_cast<int64_t>(std::floor(counts.second * f.usable_fraction));
    const double share = counts.first == 0 ? 0
                         : usable > 0      ? static_cast<double>(counts.first) / usable
                                           : INFINITY;
    out.push_back({name, counts.first, usable, share});
  }
  return out;
}

}  // namespace

std::optional<accel::SizedAccel> closest_design(const io::DeviceSpec& device,
                                                const accel::SizingProblem& problem,
                                                double max_growth) {
  if (!device.fpga) return std::nullopt;
  accel::SizedAccel best = accel::size_accelerator(grown(device, max_growth), problem);
  if (!best.verdict.ok) return std::nullopt;
  // Invariant: nothing fits at `lo`, `best` fits at `hi`.
  double lo = 1, hi = max_growth;
  while (hi / lo > 1.01) {
    const double mid = std::sqrt(lo * hi);
    accel::SizedAccel at_mid = accel::size_accelerator(grown(device, mid), problem);
    if (at_mid.verdict.ok) {
      hi = mid;
      best = std::move(at_mid);
    } else {
      lo = mid;
    }
  }
  best.device_id = device.id;
  best.resources.fit = accel::check_fit(best.resources, device);
  best.verdict = best.resources.fit;
  return best;
}

double largest_usable_share(const accel::SizedAccel& design, const io::DeviceSpec& device) {
  double largest = 0;
  for (const ResourceShare& r : resource_shares(design, device))
    largest = std::max(largest, r.share);
  return largest;
}

std::string shortfall(const accel::SizedAccel& design, const io::DeviceSpec& device) {
  const accel::AccelSpec& s = design.spec;
  std::string out = fmt::format("(P={} B={} {}, weights {}) needs", s.pes, s.banks,
                                format::precision_name(s.precision),
                                design.mapping.weights_resident ? "resident" : "streamed");
  std::vector<ResourceShare> short_ones;
  for (const ResourceShare& r : resource_shares(design, device))
    if (r.need > r.usable) short_ones.push_back(r);
  std::stable_sort(short_ones.begin(), short_ones.end(),
                   [](const auto& a, const auto& b) { return a.share > b.share; });
  for (std::size_t i = 0; i < short_ones.size(); ++i) {
    const ResourceShare& r = short_ones[i];
    out += fmt::format("{} {} {:.0f} % of usable ({} > {})", i > 0 ? "," : "", r.name,
                       100 * r.share, r.need, r.usable);
  }
  return out;
}

}  // namespace fitformer::devices
