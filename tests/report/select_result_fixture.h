// Synthetic select results for the report's tests, with known figures: a feasible one (kv260
// chosen at 249 USD; cheaper: the host left out, a board that misses AC, one that misses LC by
// 10 %, an FPGA whose closest design needs 131 % of its LUTs) and an infeasible one.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace fitformer::report::fixture {

namespace fs = std::filesystem;
using nlohmann::json;

inline bool gnuplot_on_path() {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return false;
  std::string dirs = path;
  std::size_t start = 0;
  while (start <= dirs.size()) {
    const std::size_t end = std::min(dirs.find(':', start), dirs.size());
    const fs::path candidate = fs::path(dirs.substr(start, end - start)) / "gnuplot";
    if (::access(candidate.c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

inline json device(std::string id, std::string name, std::string kind, double price,
                   double latency_us, long candidate, bool feasible) {
  return {{"id", id},
          {"name", name},
          {"kind", kind},
          {"tier", 2},
          {"price_usd", price},
          {"power_w", 20},
          {"chosen", false},
          {"feasible", feasible},
          {"reason", feasible ? "" : "latency above LC"},
          {"best",
           {{"candidate", candidate},
            {"latency_us", latency_us},
            {"metric", 270.1},
            {"provenance", "modeled"}}},
          {"latencies", json::array()}};
}

// ppl<=274.5 at LC 5000 µs: kv260 (an FPGA) is chosen; a device named with <&> is too slow.
inline json feasible_result() {
  json candidates = json::array();
  const double sparsity[] = {0.0, 0.5, 0.7, 0.9};
  const double ppl[] = {262.0, 265.0, 270.1, 300.0};
  for (int precision = 0; precision < 2; ++precision) {
    for (int i = 0; i < 4; ++i) {
      candidates.push_back({{"index", precision * 4 + i},
                            {"model", i},
                            {"pattern", "hp"},
                            {"sparsity", sparsity[i]},
                            {"rho2", i == 0 ? json(nullptr) : json(0.5)},
                            {"precision", precision == 0 ? "int8" : "fp32"},
                            {"metric", "ppl"},
                            {"value", ppl[i] - precision},
                            {"meets_ac", ppl[i] - precision <= 274.5},
                            {"provenance", "measured"}});
    }
  }
  json kv260 = device("kv260", "AMD Kria KV260", "fpga", 249, 571, 2, true);
  kv260["chosen"] = true;
  kv260["accelerator"] = {
      {"pes", 64},
      {"banks", 4},
      {"block_cols", 64},
      {"token_lanes", 2},
      {"precision", "int8"},
      {"clock_mhz", 300},
      // LUT 113700 of 117120: 97.08 %, at the warning level; FF 96.9 %, just below it.
      {"used", {{"dsp", 100}, {"bram36", 50}, {"uram", 0}, {"lut", 113700}, {"ff", 226980}}},
      {"available",
       {{"dsp", 1248}, {"bram36", 144}, {"uram", 64}, {"lut", 117120}, {"ff", 234240}}},
      {"provenance", "modeled"}};
  json slow = device("slow-cpu", "Slow <CPU> & Co", "cpu", 99, 9000, 2, false);
  json u280 = device("u280", "AMD Alveo U280", "fpga", 7000, 70, 2, true);
  // Misses AC: the best model it runs, candidate 7 (HP 90 %, fp32), reaches ppl 299 > 274.5.
  json nobest = device("tiny", "Tiny MCU", "cpu", 5, 1, 0, false);
  nobest["best"] = nullptr;
  nobest["reason"] = "no candidate meets AC";
  nobest["latencies"] = {
      {{"candidate", 3}, {"latency_us", 1.0}, {"provenance", "modeled"}, {"fits", true}},
      {{"candidate", 7}, {"latency_us", 2.0}, {"provenance", "modeled"}, {"fits", true}}};
  // Misses LC by 10 %: 5.5 ms against 5 ms with candidate 1 (HP 50 %, int8).
  json pi = device("pi", "Pi board", "cpu", 80, 5500, 1, false);
  pi["reason"] = "too slow: best 5.5 ms > LC 5 ms";
  // Cheap alone, but its system (with the host it needs) costs 999 USD: not cheaper than kv260.
  slow["system_price_usd"] = 999;
  slow["host_system_usd"] = 900;
  // Does not fit: the closest design needs 153000 of 117120 LUTs (130.6 %) and 150 of 144
  // BRAM36 (104.2 %).
  json small = device("small-fpga", "Small FPGA", "fpga", 120, 0, 0, false);
  small["best"] = nullptr;
  small["reason"] = "model does not fit: no configuration of the grid fits small-fpga";
  small["closest_accelerator"] = {
      {"candidate", 0},
      {"pes", 1},
      {"banks", 8},
      {"block_cols", 64},
      {"token_lanes", 1},
      {"precision", "int8"},
      {"clock_mhz", 200},
      {"used", {{"dsp", 100}, {"bram36", 150}, {"uram", 0}, {"lut", 153000}, {"ff", 40000}}},
      {"available", {{"dsp", 1248}, {"bram36", 144}, {"uram", 0}, {"lut", 117120}, {"ff", 234240}}},
      {"provenance", "modeled"}};
  small["latencies"] = {{{"candidate", 0}, {"latency_us", 0.0}, {"fits", false}}};
  // Left out of the choice.
  json host = device("host", "This machine", "cpu", 0, 2000, 0, false);
  host["in_scope"] = false;
  host["reason"] = "the host (this machine) is not a candidate without --include-host";
  return {{"command", "fitformer select --recipe recipes/sotu-lm.toml --lc 5ms --ac 'ppl<=274.5'"},
          {"recipe", "recipes/sotu-lm.toml"},
          {"profile", "quick"},
          {"task", "sotu-lm"},
          {"constraints",
           {{"lc_us", 5000},
            {"ac", "ppl<=274.5"},
            {"metric", "ppl"},
            {"higher_is_better", false},
            {"threshold", 274.5},
            {"objective", "price"},
            {"batch", 1},
            {"seq", 64},
            {"devices", json::array()}}},
          {"dense", {{"metric_fp32", 261.4}}},
          {"feasible", true},
          {"chosen",
           {{"device", "kv260"},
            {"candidate", 2},
            {"latency_us", 571.0},
            {"provenance", "modeled"},
            {"objective_value", 249.0}}},
          {"models", json::array()},
          {"candidates", candidates},
          {"devices", {kv260, slow, u280, nobest, pi, small, host}},
          {"nearest", nullptr},
          {"artifacts",
           {{"model", "runs/sotu-lm-quick-select/model"},
            {"deployment", "runs/sotu-lm-quick-select/deployment.json"}}},
          {"artifacts_in_run", {{"model", "model"}, {"deployment", "deployment.json"}}}};
}

// feasible_result with a 95 % interval on every candidate, AC ppl<=274.5: the chosen one
// (candidate 2, ppl 270.1) and pi's (1, 265) meet AC, the chosen within noise ([266, 275]);
// tiny's best (7, 299) misses AC within noise ([272, 326]); candidate 3 (300) misses it.
inline json result_with_intervals() {
  json r = feasible_result();
  const double half[] = {3, 3, 4.5, 10, 3, 3, 4.5, 27};
  for (auto& c : r["candidates"]) {
    const double h = half[c["index"].get<int>()];
    c["interval"] = {{"low", c["value"].get<double>() - h},
                     {"high", c["value"].get<double>() + h},
                     {"level", 0.95},
                     {"method", "t-windows"},
                     {"units", 40}};
  }
  r["constraints"]["interval_basis"] = "95 % intervals of the valid split's sampling noise";
  return r;
}

// Nothing meets LC 10 µs: no choice, no artifacts, the nearest points quoted.
inline json infeasible_result() {
  json r = feasible_result();
  r["constraints"]["lc_us"] = 10;
  r["feasible"] = false;
  r["chosen"] = nullptr;
  r["artifacts"] = json::object();
  r.erase("artifacts_in_run");
  for (auto& d : r["devices"]) {
    d["chosen"] = false;
    d["feasible"] = false;
    d.erase("accelerator");
  }
  r["nearest"] = {{"best_latency_at_ac",
                   {{"device", "u280"},
                    {"candidate", 2},
                    {"latency_us", 70.0},
                    {"metric", 270.1},
                    {"provenance", "modeled"}}},
                  {"best_accuracy_at_lc", nullptr}};
  return r;
}

}  // namespace fitformer::report::fixture
