// The select result JSON (report/result_json.h) read back into plain structs, for
// the report: every field the report uses, checked once, with its path in the error.
#pragma once

#include <array>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/intervals.h"
#include "explore/constraints.h"
#include "sparsity/patterns.h"

namespace fitformer::report {

struct Candidate {
  long index = 0;
  std::string pattern, precision, provenance;
  double sparsity = 0;
  std::optional<double> rho2;
  // B it was pruned at; the default 8 in results before select tried B (issue 17)
  long banks = sparsity::kDefaultBanks;
  double value = 0;
  std::optional<ConfidenceInterval> interval;  // 95 %; none in results before issue 17
  bool meets_ac = false;
  // value against AC with its interval (explore::ac_standing, recomputed from the figures).
  explore::AcStanding standing = explore::AcStanding::kMisses;
};

struct Best {
  long candidate = -1;
  double latency_us = 0;
  std::optional<double> metric;
  std::string provenance;
};

// Resource kinds in the order the table lists them, with their JSON keys.
constexpr std::array<std::string_view, 5> kResources = {"dsp", "bram36", "uram", "lut", "ff"};
constexpr std::array<std::string_view, 5> kResourceLabels = {"DSP", "BRAM36", "URAM", "LUT", "FF"};

struct Accelerator {
  std::optional<double> pes, banks, block_cols, token_lanes, clock_mhz;
  std::string precision, provenance;
  std::array<std::optional<double>, kResources.size()> used, available;
};

// One candidate's prediction on a device.
struct DeviceRow {
  long candidate = -1;
  double latency_us = 0;  // meaningless when !fits
  std::string provenance;
  bool fits = true;
};

struct Device {
  std::string id, name, kind, tier, reason;
  bool in_scope = true;  // false: left out by --devices, --exclude-devices or the host rule
  std::optional<double> price_usd, power_w;
  // price_usd plus the host system the device needs (what the price objective compares);
  // price_usd in a result written before issue 14.
  std::optional<double> system_price_usd;
  bool chosen = false, feasible = false, meets_ac = false;
  std::optional<Best> best;
  std::optional<Accelerator> accel;
  // An FPGA no model meeting AC fits: the design closest to fitting, for this candidate.
  std::optional<Accelerator> closest;
  long closest_candidate = -1;
  std::vector<DeviceRow> rows;
};

struct Nearest {
  std::string what, device, provenance;  // provenance of latency_us
  std::optional<double> candidate, latency_us, metric;
};

// The selection with one modeled assumption moved (explore/sensitivity.h).
struct SensitivityRow {
  std::string assumption, device;             // device: empty when none is feasible under it
  std::string provenance, chosen_provenance;  // of latency_us, chosen_latency_us
  bool feasible = false, changes_choice = false;
  std::optional<double> latency_us, chosen_latency_us;
  bool chosen_meets_lc = false;
};

struct Result {
  std::string command, recipe, profile, task;
  double lc_us = 0, threshold = 0;
  std::string ac, metric, objective;
  std::string price_basis;  // what the price objective compared; empty in older results
  bool higher_is_better = true;
  std::string interval_basis;  // what the intervals cover; empty in older results
  std::optional<double> batch, seq, dense_fp32;
  std::optional<ConfidenceInterval> dense_fp32_interval;
  std::string dense_provenance;
  bool feasible = false;
  std::optional<Best> chosen;
  std::string chosen_device;
  std::optional<double> lc_margin;  // 1 - latency / LC of the choice
  std::vector<SensitivityRow> sensitivity;
  std::vector<Candidate> candidates;
  std::vector<Device> devices;
  std::vector<Nearest> nearest;
  // (what, path as select wrote it, path relative to result.json's folder: from
  // "artifacts_in_run", or for an older result from the report's path select recorded; empty
  // when neither says).
  struct Artifact {
    std::string what, path, in_run;
  };
  std::vector<Artifact> artifacts;
};

// Reads `result`; throws fitformer::Error naming `source` (the file it was read from, or
// "select result" for one built in memory) and the field ("devices[2].best.latency_us") when a
// required one is missing or has the wrong type (report.h lists the required ones).
Result read_result(const nlohmann::json& result, const std::string& source);

// Whether a metric value meets the result's AC.
bool meets(const Result& r, double value);

// The result's AC as explore states it.
explore::AccuracyConstraint constraint(const Result& r);

// The candidate with this index, or null.
const Candidate* find_candidate(const Result& r, long index);

}  // namespace fitformer::report
