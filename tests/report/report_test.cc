// write_report on synthetic select results: a feasible one (the chosen device, escaped names,
// LC, plots that gnuplot really drew), an infeasible one (the nearest points, no artifacts),
// and the errors for a missing field or a missing gnuplot.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string>

#include "common/temp_dir.h"
#include "core/error.h"
#include "core/files.h"
#include "report/html.h"

namespace fitformer::report {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

bool gnuplot_on_path() {
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

json device(std::string id, std::string name, std::string kind, double price, double latency_us,
            long candidate, bool feasible) {
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
json feasible_result() {
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
      {"used", {{"dsp", 100}, {"bram36", 50}, {"uram", 0}, {"lut", 30000}, {"ff", 40000}}},
      {"available",
       {{"dsp", 1248}, {"bram36", 144}, {"uram", 64}, {"lut", 117120}, {"ff", 234240}}},
      {"provenance", "modeled"}};
  json slow = device("slow-cpu", "Slow <CPU> & Co", "cpu", 99, 9000, 2, false);
  json u280 = device("u280", "AMD Alveo U280", "fpga", 7000, 70, 2, true);
  json nobest = device("tiny", "Tiny MCU", "cpu", 5, 1, 0, false);
  nobest["best"] = nullptr;
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
          {"devices", {kv260, slow, u280, nobest}},
          {"nearest", nullptr},
          {"artifacts",
           {{"model", "runs/sotu-lm-quick-select/model"},
            {"deployment", "runs/sotu-lm-quick-select/deployment.json"}}}};
}

// Nothing meets LC 10 µs: no choice, no artifacts, the nearest points quoted.
json infeasible_result() {
  json r = feasible_result();
  r["constraints"]["lc_us"] = 10;
  r["feasible"] = false;
  r["chosen"] = nullptr;
  r["artifacts"] = json::object();
  for (auto& d : r["devices"]) {
    d["chosen"] = false;
    d["feasible"] = false;
    d.erase("accelerator");
  }
  r["nearest"] = {{"best_latency_at_ac",
                   {{"device", "u280"}, {"candidate", 2}, {"latency_us", 70.0}, {"metric", 270.1}}},
                  {"best_accuracy_at_lc", nullptr}};
  return r;
}

// Every plots/x.svg the page references, checked to exist and to be SVG.
void expect_plots_drawn(const std::string& page, const fs::path& dir) {
  const std::regex img(R"re(<img src="(plots/[a-z]+\.svg)")re");
  int count = 0;
  for (auto it = std::sregex_iterator(page.begin(), page.end(), img); it != std::sregex_iterator();
       ++it) {
    const fs::path svg = dir / (*it)[1].str();
    ASSERT_TRUE(fs::exists(svg)) << svg;
    const std::string head = read_file(svg).substr(0, 200);
    EXPECT_TRUE(head.starts_with("<?xml") || head.starts_with("<svg")) << svg << ": " << head;
    EXPECT_NE(head.find("svg"), std::string::npos) << svg;
    ++count;
  }
  EXPECT_EQ(count, 3);
}

TEST(WriteReport, FeasibleNamesTheChoiceAndDrawsThePlots) {
  if (!gnuplot_on_path()) GTEST_SKIP() << "gnuplot is not on PATH (scripts/setup installs it)";
  testing::TempDir tmp;
  const fs::path report = write_report(feasible_result(), tmp.path() / "out");
  EXPECT_EQ(report, tmp.path() / "out" / "report.html");
  const std::string page = read_file(report);
  EXPECT_NE(page.find("AMD Kria KV260"), std::string::npos);
  EXPECT_NE(page.find("Slow &lt;CPU&gt; &amp; Co"), std::string::npos);
  EXPECT_EQ(page.find("Slow <CPU>"), std::string::npos);
  EXPECT_NE(page.find("5000 µs"), std::string::npos);
  EXPECT_NE(page.find("ppl&lt;=274.5"), std::string::npos);
  EXPECT_NE(page.find("runs/sotu-lm-quick-select/deployment.json"), std::string::npos);
  EXPECT_NE(page.find("8.0%"), std::string::npos);  // 100 of 1248 DSPs
  EXPECT_EQ(page.find("<script"), std::string::npos);
  expect_plots_drawn(page, tmp.path() / "out");
  for (const char* name : {"accuracy", "latency", "price"}) {
    EXPECT_TRUE(fs::exists(tmp.path() / "out" / "plots" / (std::string(name) + ".gp")));
    EXPECT_TRUE(fs::exists(tmp.path() / "out" / "plots" / (std::string(name) + ".dat")));
  }
  // The LC line is drawn where the script says.
  EXPECT_NE(read_file(tmp.path() / "out" / "plots" / "latency.gp").find("lc_us = 5000"),
            std::string::npos);
}

// The margin and the sensitivity table: which assumption changes the answer, with its figures.
TEST(WriteReport, SensitivityTableSaysWhichAssumptionChangesTheAnswer) {
  if (!gnuplot_on_path()) GTEST_SKIP() << "gnuplot is not on PATH (scripts/setup installs it)";
  testing::TempDir tmp;
  json r = feasible_result();
  r["chosen"]["lc_margin"] = 0.8858;
  r["sensitivity"] = {{{"assumption", "FPGA clocks -20 %"},
                       {"feasible", true},
                       {"device", "u280"},
                       {"latency_us", 123.0},
                       {"provenance", "modeled"},
                       {"changes_choice", true},
                       {"chosen_latency_us", 5100.0},
                       {"chosen_meets_lc", false},
                       {"chosen_provenance", "modeled"}},
                      {{"assumption", "GPU per-op overhead 16 us"},
                       {"feasible", true},
                       {"device", "kv260"},
                       {"latency_us", 571.0},
                       {"provenance", "modeled"},
                       {"changes_choice", false},
                       {"chosen_latency_us", 571.0},
                       {"chosen_meets_lc", true}}};
  const std::string page = read_file(write_report(r, tmp.path()));
  EXPECT_NE(page.find("Margin: 88.6 % below LC"), std::string::npos);
  const size_t flip =
      page.find("<td>FPGA clocks -20 %</td><td><strong>changes to</strong> AMD Alveo U280");
  EXPECT_NE(flip, std::string::npos) << page;
  EXPECT_NE(page.find("misses LC", flip), std::string::npos);
  const size_t same = page.find("<td>GPU per-op overhead 16 us</td><td>AMD Kria KV260");
  EXPECT_NE(same, std::string::npos);
  EXPECT_NE(page.find("meets LC", same), std::string::npos);
  // A sensitivity row of the wrong type is named.
  r["sensitivity"][0]["changes_choice"] = "yes";
  try {
    write_report(r, tmp.path());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.field(), "sensitivity[0].changes_choice");
  }
}

TEST(WriteReport, InfeasibleQuotesTheNearestPoints) {
  if (!gnuplot_on_path()) GTEST_SKIP() << "gnuplot is not on PATH (scripts/setup installs it)";
  testing::TempDir tmp;
  const std::string page = read_file(write_report(infeasible_result(), tmp.path()));
  EXPECT_NE(page.find("No device meets both"), std::string::npos);
  EXPECT_NE(page.find("AMD Alveo U280"), std::string::npos);
  EXPECT_NE(page.find("10 µs"), std::string::npos);
  EXPECT_NE(page.find("No deployable artifacts"), std::string::npos);
  EXPECT_NE(page.find("no accelerator was sized"), std::string::npos);
  expect_plots_drawn(page, tmp.path());
}

TEST(WriteReport, MissingFieldsAreNamed) {
  testing::TempDir tmp;
  for (const char* field : {"devices", "candidates", "constraints", "feasible"}) {
    json r = feasible_result();
    r.erase(field);
    try {
      write_report(r, tmp.path());
      ADD_FAILURE() << "no error without " << field;
    } catch (const Error& e) {
      EXPECT_EQ(e.field(), field);
    }
  }
  json r = feasible_result();
  r["constraints"].erase("lc_us");
  try {
    write_report(r, tmp.path());
    ADD_FAILURE() << "no error without constraints.lc_us";
  } catch (const Error& e) {
    EXPECT_EQ(e.field(), "constraints.lc_us");
  }
  r = feasible_result();
  r["devices"][1]["best"]["latency_us"] = "fast";
  try {
    write_report(r, tmp.path());
    ADD_FAILURE() << "no error for a string latency";
  } catch (const Error& e) {
    EXPECT_EQ(e.field(), "devices[1].best.latency_us");
    EXPECT_EQ(e.found(), "\"fast\"");
  }
  EXPECT_FALSE(fs::exists(tmp.path() / "report.html"));
}

// Restores PATH when the test ends, pass or fail.
class PathOverride {
 public:
  explicit PathOverride(const std::string& value) {
    if (const char* old = std::getenv("PATH")) old_ = old;
    ::setenv("PATH", value.c_str(), 1);
  }
  ~PathOverride() {
    if (old_)
      ::setenv("PATH", old_->c_str(), 1);
    else
      ::unsetenv("PATH");
  }
  PathOverride(const PathOverride&) = delete;
  PathOverride& operator=(const PathOverride&) = delete;

 private:
  std::optional<std::string> old_;
};

TEST(WriteReport, MissingGnuplotIsNamed) {
  testing::TempDir tmp;
  const PathOverride empty_path((tmp.path() / "empty").string());
  try {
    write_report(feasible_result(), tmp.path());
    ADD_FAILURE() << "no error without gnuplot";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("gnuplot"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(tmp.path() / "report.html"));
}

TEST(WriteReport, FailingGnuplotReportsItsStderr) {
  testing::TempDir tmp;
  // A stand-in gnuplot that fails the way a broken script does.
  const fs::path fake =
      tmp.write("bin/gnuplot", "#!/bin/sh\necho 'line 3: bad plot' >&2\nexit 1\n");
  fs::permissions(fake, fs::perms::owner_all);
  const PathOverride fake_path((tmp.path() / "bin").string());
  try {
    write_report(feasible_result(), tmp.path() / "out");
    ADD_FAILURE() << "no error from a failing gnuplot";
  } catch (const Error& e) {
    EXPECT_EQ(e.field(), "gnuplot");
    EXPECT_NE(e.found().find("line 3: bad plot"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(tmp.path() / "out" / "plots" / "accuracy.svg"));
}

}  // namespace
}  // namespace fitformer::report
