// What the report explains (issue 14 item 6), asserted on the fixture's known figures: the
// cheaper devices and why each lost, by system price; the dense model named; metrics spelled
// out; labels on the nearest points; the 97 % warning; artifact links; and a page and SVGs
// that an independent XML parser (Expat) accepts.
#include <expat.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "common/temp_dir.h"
#include "core/files.h"
#include "report/html.h"
#include "report/result_read.h"
#include "report/select_result_fixture.h"
#include "report/why_not.h"
#include "report/wording.h"

namespace fitformer::report {
namespace {

namespace fs = std::filesystem;
using fixture::feasible_result;
using fixture::gnuplot_on_path;
using fixture::infeasible_result;
using nlohmann::json;

// Expat's verdict on a document: empty when well-formed, else its message and line.
std::string xml_error(const std::string& text) {
  XML_Parser parser = XML_ParserCreate("UTF-8");
  std::string error;
  if (XML_Parse(parser, text.data(), static_cast<int>(text.size()), 1) == XML_STATUS_ERROR) {
    error = std::string(XML_ErrorString(XML_GetErrorCode(parser))) + " at line " +
            std::to_string(XML_GetCurrentLineNumber(parser));
  }
  XML_ParserFree(parser);
  return error;
}

// The rows of the answer's "why not" table, as text with the tags removed, in page order.
std::vector<std::string> why_rows(const std::string& page) {
  const std::size_t start = page.find("<table class=\"why\">");
  const std::size_t end = page.find("</table>", start);
  std::vector<std::string> rows;
  if (start == std::string::npos) return rows;
  const std::string table = page.substr(start, end - start);
  const std::regex row("<tr><td>(.*?)</tr>");
  const std::regex tag("<[^>]*>");
  for (auto it = std::sregex_iterator(table.begin(), table.end(), row);
       it != std::sregex_iterator(); ++it)
    rows.push_back(std::regex_replace((*it)[1].str(), tag, " "));
  return rows;
}

// explain() of the device with this id; an empty explanation when there is none.
Explanation explain_device(const Result& r, const std::string& id) {
  for (const Device& d : r.devices)
    if (d.id == id) return explain(r, d);
  return Explanation{};
}

TEST(Explain, CheaperDevicesAndWhyEachLostBySystemPrice) {
  const Result r = read_result(feasible_result(), "fixture");
  std::vector<std::string> ids;
  for (const Device* d : devices_to_explain(r)) ids.push_back(d->id);
  // slow-cpu costs 99 USD alone but 999 USD with its host system: dearer than kv260's 249.
  EXPECT_EQ(ids, (std::vector<std::string>{"host", "tiny", "pi", "small-fpga"}));
  const auto why = [&](const std::string& id) { return explain_device(r, id); };
  EXPECT_EQ(why("host").verdict, "not considered");
  EXPECT_EQ(why("host").text, "the host (this machine) is not a candidate without --include-host");
  EXPECT_EQ(why("tiny").verdict, "misses AC");
  EXPECT_EQ(why("tiny").text,
            "the best model that runs on it, HP 90 % sparse (ρ2 0.5), fp32, reaches perplexity "
            "299 (measured); AC is ppl<=274.5");
  EXPECT_EQ(why("pi").verdict, "misses LC");
  EXPECT_EQ(why("pi").text,
            "5.5 ms (modeled) against LC 5 ms: 10.0 % over, with HP 50 % sparse (ρ2 0.5), int8");
  EXPECT_EQ(why("small-fpga").verdict, "does not fit");
  EXPECT_EQ(why("small-fpga").text,
            "the closest accelerator design (P=1, B=8, int8, for dense, int8) needs LUT 131 % of "
            "usable, BRAM36 104 % of usable (modeled)");
  EXPECT_EQ(why("u280").verdict, "meets both");
  // A result from before in_scope: a device left out has no best, though its models meet AC.
  json old = feasible_result();
  old["devices"][6].erase("in_scope");
  old["devices"][6]["latencies"] = {
      {{"candidate", 0}, {"latency_us", 2000.0}, {"provenance", "measured"}, {"fits", true}}};
  old["devices"][6]["best"] = nullptr;
  const Result older = read_result(old, "fixture");
  EXPECT_EQ(explain(older, older.devices[6]).verdict, "not chosen");
  EXPECT_EQ(explain(older, older.devices[6]).text,
            "the host (this machine) is not a candidate without --include-host");
}

// Issue 17: each verdict says where its model stands against AC once the interval counts.
TEST(Explain, EachVerdictSaysWhetherItsModelMeetsAcBeyondNoise) {
  const Result r = read_result(fixture::result_with_intervals(), "fixture");
  const auto why = [&](const std::string& id) { return explain_device(r, id); };
  EXPECT_EQ(why("kv260").against_ac,
            "meets AC, but AC lies inside the 95 % interval (not significant)");
  EXPECT_EQ(why("tiny").verdict, "misses AC within noise");
  EXPECT_EQ(why("tiny").text,
            "the best model that runs on it, HP 90 % sparse (ρ2 0.5), fp32, reaches perplexity "
            "299 (95 % interval 272–326) (measured); AC is ppl<=274.5");
  EXPECT_EQ(why("tiny").against_ac, "misses AC within noise");
  EXPECT_EQ(why("pi").against_ac, "meets AC");
  EXPECT_EQ(why("small-fpga").against_ac, "meets AC");  // dense int8, 262 [259, 265]
  EXPECT_EQ(why("host").against_ac, "");
  // Without intervals (a result from before issue 17) the point alone decides.
  const Result old = read_result(feasible_result(), "fixture");
  EXPECT_EQ(explain_device(old, "tiny").against_ac, "misses AC");
  // A candidate far from AC on the failing side misses it outright.
  const Candidate* c3 = find_candidate(r, 3);
  ASSERT_NE(c3, nullptr);
  EXPECT_EQ(against_ac(c3), "misses AC");
}

TEST(Explain, ThePageGivesEveryCandidatesIntervalAndEveryVerdictsStanding) {
  if (!gnuplot_on_path()) GTEST_SKIP() << "gnuplot is not on PATH (scripts/setup installs it)";
  testing::TempDir tmp;
  const std::string page =
      read_file(write_report(fixture::result_with_intervals(), tmp.path() / "out"));
  EXPECT_NE(page.find("perplexity (ppl): 270.1 (95 % interval 265.6–274.6) <span class=\"prov "
                      "measured\">measured</span>, against AC ppl&lt;=274.5: <span "
                      "class=\"warn\">meets AC, but AC lies inside the 95 % interval (not "
                      "significant)</span>"),
            std::string::npos)
      << page;
  EXPECT_NE(page.find("The choice rests on a point estimate within the noise"), std::string::npos);
  const std::vector<std::string> rows = why_rows(page);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_NE(rows[1].find("misses AC within noise"), std::string::npos) << rows[1];
  EXPECT_NE(rows[2].find("meets AC"), std::string::npos) << rows[2];
  // The candidates' table: one row per candidate with its interval and standing.
  EXPECT_NE(page.find("<td class=\"n\">290–310 <small>(t-windows over 40)</small></td><td><span "
                      "class=\"fail\">misses AC</span>"),
            std::string::npos)
      << page;
  EXPECT_NE(page.find("Intervals: 95 % intervals of the valid split"), std::string::npos);
  // The figure's data carry the intervals as columns 4 and 5.
  const std::string dat = read_file(tmp.path() / "out" / "plots" / "accuracy.dat");
  EXPECT_NE(dat.find("0.9 300 0 290 310"), std::string::npos) << dat;
  EXPECT_EQ(xml_error(page), "");
}

TEST(Explain, MetricsAreSpelledOut) {
  EXPECT_EQ(metric_label("ppl"), "perplexity (ppl)");
  EXPECT_EQ(metric_label("acc"), "accuracy (acc)");
  EXPECT_EQ(metric_label("f1"), "F1 score (f1)");
  EXPECT_EQ(metric_label("bleu"), "bleu");
}

TEST(Explain, NothingChosenExplainsEveryDevice) {
  const Result r = read_result(infeasible_result(), "fixture");
  // By system price: host 0, tiny 5, pi 80, small-fpga 120, kv260 249, slow-cpu 999, u280 7000.
  std::vector<std::string> ids;
  for (const Device* d : devices_to_explain(r)) ids.push_back(d->id);
  EXPECT_EQ(ids, (std::vector<std::string>{"host", "tiny", "pi", "small-fpga", "kv260", "slow-cpu",
                                           "u280"}));
  // LC is 10 µs here: kv260's 571 µs is 57.1 times it.
  for (const Device& d : r.devices) {
    if (d.id != "kv260") continue;
    EXPECT_EQ(explain(r, d).text,
              "571 µs (modeled) against LC 10 µs: 57.1 times LC, with HP 70 % sparse (ρ2 0.5), "
              "int8");
  }
}

TEST(Explain, PageStatesTheReasonsAndLabelsEveryFigure) {
  if (!gnuplot_on_path()) GTEST_SKIP() << "gnuplot is not on PATH (scripts/setup installs it)";
  testing::TempDir tmp;
  const std::string page = read_file(write_report(feasible_result(), tmp.path() / "out"));
  const std::vector<std::string> rows = why_rows(page);
  ASSERT_EQ(rows.size(), 4u) << page;
  EXPECT_NE(rows[0].find("This machine"), std::string::npos) << rows[0];
  EXPECT_NE(rows[0].find("0 USD"), std::string::npos) << rows[0];
  EXPECT_NE(rows[1].find("Tiny MCU"), std::string::npos) << rows[1];
  EXPECT_NE(rows[1].find("perplexity 299 (measured)"), std::string::npos) << rows[1];
  EXPECT_NE(rows[2].find("80 USD"), std::string::npos) << rows[2];
  EXPECT_NE(rows[2].find("10.0 % over"), std::string::npos) << rows[2];
  EXPECT_NE(rows[3].find("120 USD"), std::string::npos) << rows[3];
  EXPECT_NE(rows[3].find("LUT 131 % of usable"), std::string::npos) << rows[3];
  // The dense model is "dense"; the metric is spelled out.
  EXPECT_EQ(page.find("hp at sparsity"), std::string::npos);
  EXPECT_NE(page.find("for dense, int8"), std::string::npos);
  EXPECT_NE(page.find("Model: HP 70 % sparse (ρ2 0.5), int8"), std::string::npos);
  EXPECT_NE(page.find("3. perplexity (ppl) against sparsity"), std::string::npos);
  EXPECT_NE(page.find("perplexity (ppl): 270.1 <span class=\"prov measured\">"), std::string::npos);
  // The host is "not considered" in the device table too, not "infeasible".
  EXPECT_NE(page.find("<span>not considered</span>: the host"), std::string::npos);
  // LUT at 97.08 % warns, FF at 96.9 % does not; the closest design of small-fpga is over.
  EXPECT_NE(page.find("<span class=\"warn\">97.1% (near full)</span>"), std::string::npos);
  EXPECT_NE(page.find("<span class=\"ok\">96.9%</span>"), std::string::npos);
  EXPECT_NE(page.find("<span class=\"fail\">130.6% (over)</span>"), std::string::npos);
  // Artifacts link relative to the report (select writes both into one folder).
  EXPECT_NE(page.find("<a href=\"model\"><code>runs/sotu-lm-quick-select/model</code></a>"),
            std::string::npos);
  EXPECT_NE(page.find("<a href=\"deployment.json\">"), std::string::npos);
}

TEST(Explain, ArtifactLinksFollowTheReportElsewhere) {
  if (!gnuplot_on_path()) GTEST_SKIP() << "gnuplot is not on PATH (scripts/setup installs it)";
  testing::TempDir tmp;
  // `fitformer report run/result.json --out elsewhere`: the links climb back to run/.
  const std::string page = read_file(write_report(feasible_result(), tmp.path() / "elsewhere",
                                                  "run/result.json", tmp.path() / "run"));
  EXPECT_NE(page.find("<a href=\"../run/model\">"), std::string::npos);
  // A result from before artifacts_in_run: the report's path select recorded gives the run's
  // folder; without it, the paths are taken as relative to where select ran.
  json old = feasible_result();
  old.erase("artifacts_in_run");
  old["report"] = "runs/sotu-lm-quick-select/report.html";
  const std::string old_page =
      read_file(write_report(old, tmp.path() / "old", "run/result.json", tmp.path() / "run"));
  EXPECT_NE(old_page.find("<a href=\"../run/model\">"), std::string::npos);
  old.erase("report");
  const std::string oldest_page = read_file(write_report(old, tmp.path() / "oldest"));
  const std::regex href("<a href=\"([^\"]*)\"><code>runs/sotu-lm-quick-select/model</code>");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(oldest_page, m, href));
  EXPECT_EQ(fs::weakly_canonical(tmp.path() / "oldest" / m[1].str()),
            fs::weakly_canonical(fs::absolute("runs/sotu-lm-quick-select/model")));
}

TEST(Explain, NearestPointsCarryTheirLabels) {
  if (!gnuplot_on_path()) GTEST_SKIP() << "gnuplot is not on PATH (scripts/setup installs it)";
  testing::TempDir tmp;
  const std::string page = read_file(write_report(infeasible_result(), tmp.path()));
  EXPECT_NE(page.find("latency 70 µs <span class=\"prov modeled\">modeled</span>, perplexity "
                      "270.1 <span class=\"prov measured\">measured</span>"),
            std::string::npos)
      << page;
  EXPECT_NE(page.find("Why each device lost (cheapest first)"), std::string::npos);
}

TEST(Explain, PageAndSvgsAreWellFormedXml) {
  if (!gnuplot_on_path()) GTEST_SKIP() << "gnuplot is not on PATH (scripts/setup installs it)";
  // The checker itself rejects HTML that is not XML.
  EXPECT_NE(xml_error("<p>a<br>b</p>"), "");
  EXPECT_EQ(xml_error("<p>a<br/>b &amp; c</p>"), "");
  testing::TempDir tmp;
  for (const json& result : {feasible_result(), infeasible_result()}) {
    const fs::path report = write_report(result, tmp.path());
    EXPECT_EQ(xml_error(read_file(report)), "") << report;
    for (const char* name : {"accuracy", "latency", "price"}) {
      const fs::path svg = tmp.path() / "plots" / (std::string(name) + ".svg");
      EXPECT_EQ(xml_error(read_file(svg)), "") << svg;
    }
  }
}

TEST(Explain, PlotsSeparatePrecisionsStartAtZeroAndPlaceLabels) {
  if (!gnuplot_on_path()) GTEST_SKIP() << "gnuplot is not on PATH (scripts/setup installs it)";
  testing::TempDir tmp;
  write_report(feasible_result(), tmp.path());
  const std::string accuracy = read_file(tmp.path() / "plots" / "accuracy.gp");
  EXPECT_NE(accuracy.find("set xrange [0:*]"), std::string::npos);
  // int8 solid, fp32 dashed and drawn after it (on top).
  const std::size_t int8 = accuracy.find("dt 1 lc rgb '#08519c' title 'int8'");
  const std::size_t fp32 = accuracy.find("dt 2 lc rgb '#fd8d3c' title 'fp32'");
  ASSERT_NE(int8, std::string::npos) << accuracy;
  ASSERT_NE(fp32, std::string::npos) << accuracy;
  EXPECT_LT(int8, fp32);
  // Price: one placed label per device that meets AC and has a price; no gnuplot-placed labels.
  const std::string price = read_file(tmp.path() / "plots" / "price.gp");
  EXPECT_EQ(price.find("with labels"), std::string::npos);
  for (const char* label : {"'chosen: kv260'", "'u280'", "'slow-cpu'", "'pi'"})
    EXPECT_NE(price.find(std::string("set label ") + label + " at screen"), std::string::npos)
        << label << "\n"
        << price;
  // Latency: each figure is a tic label on the right axis, beside its row.
  const std::string latency = read_file(tmp.path() / "plots" / "latency.gp");
  EXPECT_NE(latency.find("y2tic(4)"), std::string::npos);
  EXPECT_EQ(latency.find("with labels"), std::string::npos);
}

}  // namespace
}  // namespace fitformer::report
