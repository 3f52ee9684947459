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
#include "report/select_result_fixture.h"

namespace fitformer::report {
namespace {

namespace fs = std::filesystem;
using fixture::feasible_result;
using fixture::gnuplot_on_path;
using fixture::infeasible_result;
using nlohmann::json;

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
  // No FPGA has a sized design; the one that fits none shows its closest.
  const std::size_t design = page.find("PEs (P)");
  ASSERT_NE(design, std::string::npos);
  EXPECT_EQ(page.find("PEs (P)", design + 1), std::string::npos);  // that one only
  EXPECT_NE(
      page.find(
          "Small FPGA <small>(small-fpga)</small> <span class=\"prov modeled\">modeled</span>: "
          "<span class=\"fail\">no design fits</span>"),
      std::string::npos);
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
