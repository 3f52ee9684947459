// Host measurements cached as JSON, read back only when every field is what was written.
#include "devices/host_cache.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/files.h"
#include "io/json_reader.h"

namespace fitformer::devices {
namespace {

bool plausible_latency(const nlohmann::json& v) {
  if (!v.is_number()) return false;
  const double us = v.get<double>();
  return std::isfinite(us) && us > 0 && us <= kMaxHostLatencyUs;
}

}  // namespace

std::optional<HostMeasurement> read_host_measurement(const std::filesystem::path& file,
                                                     const std::string& device_id) {
  nlohmann::json j;
  try {
    // Nothing to read is the common miss; anything else that is not a file is one too.
    if (!std::filesystem::exists(file)) return std::nullopt;
    j = io::parse_json(read_file(file), file.string());
  } catch (const Error&) {
    return std::nullopt;
  } catch (const std::filesystem::filesystem_error&) {
    return std::nullopt;
  }
  if (!j.is_object() || j.size() != 5) return std::nullopt;
  const auto device = j.find("device"), provenance = j.find("provenance");
  const auto median = j.find("median_us"), min = j.find("min_us"), reps = j.find("reps");
  if (device == j.end() || !device->is_string() || *device != device_id) return std::nullopt;
  if (provenance == j.end() || *provenance != "measured") return std::nullopt;
  if (median == j.end() || !plausible_latency(*median)) return std::nullopt;
  if (min == j.end() || !plausible_latency(*min)) return std::nullopt;
  // A positive integer parses as unsigned; 3.0, 1e3 or -1 in reps were not written by us.
  if (reps == j.end() || !reps->is_number_unsigned()) return std::nullopt;
  if (reps->get<uint64_t>() < 1 || reps->get<uint64_t>() > static_cast<uint64_t>(kMaxHostReps))
    return std::nullopt;
  HostMeasurement m;
  m.median_us = median->get<double>();
  m.min_us = min->get<double>();
  m.reps = reps->get<int64_t>();
  if (m.min_us > m.median_us) return std::nullopt;
  return m;
}

void write_host_measurement(const std::filesystem::path& file, const std::string& device_id,
                            const HostMeasurement& m) {
  const nlohmann::json j = {{"device", device_id},
                            {"median_us", m.median_us},
                            {"min_us", m.min_us},
                            {"reps", m.reps},
                            {"provenance", "measured"}};
  write_file_atomic(file, j.dump(2) + "\n");
}

}  // namespace fitformer::devices
