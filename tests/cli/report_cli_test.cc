// `fitformer report RESULT.json [--out DIR]`: a select result read back draws the page into the
// folder asked for (or the result's own), and a file that is not a result fails with one line.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "common/run_fitformer.h"
#include "common/temp_dir.h"

namespace fitformer {
namespace {

namespace fs = std::filesystem;

// A minimal infeasible select result: the fields report/html.h requires and a task name.
const char* kResult = R"({
  "task": "tiny-report-task",
  "constraints": {"lc_us": 1000, "metric": "acc", "threshold": 0.8, "ac": "acc>=0.8"},
  "feasible": false,
  "candidates": [{"index": 0, "pattern": "hp", "sparsity": 0, "rho2": null,
                  "precision": "int8", "metric": "acc", "value": 0.7, "meets_ac": false,
                  "provenance": "measured"}],
  "devices": [{"id": "zcu104", "name": "ZCU104", "kind": "fpga", "reason": "no candidate meets AC"}]
})";

TEST(ReportCli, RedrawsTheReportFromTheResultAlone) {
  const testing::TempDir dir;
  const fs::path result = dir.write("run/result.json", kResult);
  const testing::CommandResult elsewhere = testing::run_fitformer(
      "report " + result.string() + " --out " + (dir.path() / "out").string());
  ASSERT_EQ(elsewhere.exit_code, 0) << elsewhere.output;
  const fs::path page = dir.path() / "out" / "report.html";
  EXPECT_EQ(elsewhere.output, "report: " + page.string() + "\n");
  ASSERT_TRUE(fs::exists(page));
  EXPECT_NE(testing::read_text(page).find("tiny-report-task"), std::string::npos);

  const testing::CommandResult beside = testing::run_fitformer("report " + result.string());
  ASSERT_EQ(beside.exit_code, 0) << beside.output;
  EXPECT_TRUE(fs::exists(dir.path() / "run" / "report.html"));
}

TEST(ReportCli, ANonResultFailsWithOneLine) {
  const testing::TempDir dir;
  const fs::path bad = dir.write("bad.json", "[1, 2]");
  const testing::CommandResult r = testing::run_fitformer("report " + bad.string());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(r.output.rfind("fitformer: error: " + bad.string(), 0), 0u) << r.output;
  EXPECT_EQ(r.output.find('\n'), r.output.size() - 1) << r.output;
}

// A result with a field of the wrong type: the line names the file and the field.
TEST(ReportCli, AFieldOfTheWrongTypeIsNamedWithTheFile) {
  const testing::TempDir dir;
  std::string text = kResult;
  const std::string lc = "\"lc_us\": 1000";
  text.replace(text.find(lc), lc.size(), "\"lc_us\": \"fast\"");
  const fs::path bad = dir.write("result.json", text);
  const testing::CommandResult r = testing::run_fitformer("report " + bad.string());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(r.output, "fitformer: error: " + bad.string() +
                          ": constraints.lc_us: expected a number, found \"fast\"\n");
  EXPECT_FALSE(fs::exists(dir.path() / "report.html"));
}

}  // namespace
}  // namespace fitformer
