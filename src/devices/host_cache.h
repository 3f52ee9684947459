// The cache of host measurements: one small JSON file per measured candidate. A file that is
// not exactly what write_host_measurement writes (truncated, another JSON type, a latency no
// forward could take) is a miss, so the host is measured again; a cache never stops a run
// and never puts a figure it did not measure under the "measured" label.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace fitformer::devices {

struct HostMeasurement {
  double median_us = 0;
  double min_us = 0;
  int64_t reps = 0;
};

// Bounds a cached figure must lie in: a timed forward lasts more than 0 and at most an hour,
// and is the median of 1 to a billion repetitions.
inline constexpr double kMaxHostLatencyUs = 3.6e9;
inline constexpr int64_t kMaxHostReps = 1'000'000'000;

// The measurement in `file` if it is one for `device_id` within the bounds above; nullopt
// for a missing, unreadable (a FIFO or folder included), malformed or out-of-bounds file.
// Never throws Error.
std::optional<HostMeasurement> read_host_measurement(const std::filesystem::path& file,
                                                     const std::string& device_id);

// Writes `file` atomically, labelled measured.
void write_host_measurement(const std::filesystem::path& file, const std::string& device_id,
                            const HostMeasurement& m);

}  // namespace fitformer::devices
