// The engine's resource model against Yosys synthesis of rtl/ (docs/rtl_synth/*.json, written by
// scripts/rtl_synth; dense_*.json the dense design, INDEXED = 0): block RAM within the
// requantization words Yosys may put in LUTRAM at every synthesized size; on UltraScale+ (the fit's
// family) DSPs exactly and LUT and FF within the fit's tolerance. Prints the model-vs-synthesis
// table of docs/rtl.md.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <vector>

#include "accel/dense_stream.h"
#include "accel/resources.h"

namespace fitformer::accel {
namespace {

// Largest relative LUT / FF error the fit leaves at a synthesized UltraScale+ size.
constexpr double kFitTolerance = 0.15;

const std::filesystem::path kSynthDir =
    std::filesystem::path(FITFORMER_SOURCE_DIR) / "docs" / "rtl_synth";

struct Synthesized {
  std::string name, family;
  AccelSpec spec;
  RtlDepths depths;
  int64_t clb_lut = 0, ff = 0, dsp = 0, bram36 = 0, bram18 = 0, ltp = 0;
};

std::vector<Synthesized> load_results() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(kSynthDir)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<Synthesized> out;
  for (const auto& f : files) {
    std::ifstream in(f);
    const nlohmann::json j = nlohmann::json::parse(in);
    const nlohmann::json& prm = j.at("params");
    const nlohmann::json& c = j.at("counts");
    Synthesized s;
    s.name = j.at("name");
    s.family = j.at("family");
    AccelSpec& spec = s.spec;
    spec.design = prm.value("INDEXED", 1) == 0 ? Design::kDense : Design::kHp;
    spec.pes = prm.at("P");
    spec.banks = prm.at("B");
    spec.block_cols = prm.at("BC");
    spec.token_lanes = prm.at("L");
    spec.precision = prm.at("W").get<int>() == 16 ? Precision::kInt16 : Precision::kInt8;
    s.depths.wb_words = prm.at("WB_WORDS");
    s.depths.row_words = spec.design == Design::kDense ? 0 : prm.at("ROW_WORDS").get<int64_t>();
    s.depths.act_words = prm.at("ACT_WORDS");
    s.depths.out_words = prm.at("OUT_WORDS");
    s.depths.rp_words = prm.at("RP_WORDS");
    if (spec.design == Design::kDense) {  // the beat the model derives is the synthesized one
      EXPECT_EQ(dense_beat_bytes(spec), prm.at("BEAT").get<int64_t>()) << s.name;
    }
    s.clb_lut = c.at("clb_lut");
    s.ff = c.at("ff");
    s.dsp = c.at("dsp");
    s.bram36 = c.at("bram36");
    s.bram18 = c.at("bram18");
    s.ltp = j.at("ltp");
    out.push_back(s);
  }
  return out;
}

TEST(ResourcesVsSynthesis, EngineModelWithinTheFitAtEverySynthesizedSize) {
  const std::vector<Synthesized> results = load_results();
  ASSERT_GE(results.size(), 4u) << kSynthDir;
  std::cout << "| config | family | LUT synth | LUT model | ratio | FF synth | FF model | ratio | "
               "DSP synth | DSP model | BRAM36 synth | BRAM36 model | longest path |\n"
               "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const Synthesized& s : results) {
    const ResourceEstimate e = estimate_engine_resources(s.spec, s.depths);
    const int64_t bram = s.bram36 + (s.bram18 + 1) / 2;
    const double lut_ratio = static_cast<double>(e.lut) / static_cast<double>(s.clb_lut);
    const double ff_ratio = static_cast<double>(e.ff) / static_cast<double>(s.ff);
    std::cout << fmt::format(
        "| {}P{} B{} int{} L{} | {} | {} | {} | {:.2f} | {} | {} | {:.2f} | {} | {} | {} | {} | {} "
        "|\n",
        s.spec.design == Design::kDense ? "dense " : "", s.spec.pes, s.spec.banks,
        8 * precision_bytes(s.spec.precision), s.spec.token_lanes, s.family, s.clb_lut, e.lut,
        lut_ratio, s.ff, e.ff, ff_ratio, s.dsp, e.dsp, bram, e.bram36, s.ltp);
    // The model counts the per-bank requantization words (rp_words x 40) as block RAM; at the
    // synthesized depth (128) Yosys may build them from LUTRAM: one 18 Kb unit per bank less.
    // The fit's domain is UltraScale+ at int8; 7-series and int16 are reported, not asserted
    // (docs/rtl.md: int16 P4 synthesizes to 1.18x the LUTs the int8-fitted model gives).
    if (s.family != "xcup" || s.spec.precision != Precision::kInt8) continue;
    const int64_t banks = out_banks(s.spec);
    EXPECT_GE(e.bram36, bram) << s.name;
    EXPECT_LE(e.bram36, bram + banks) << s.name;
    EXPECT_EQ(e.dsp, s.dsp) << s.name;
    EXPECT_NEAR(lut_ratio, 1.0, kFitTolerance) << s.name;
    EXPECT_NEAR(ff_ratio, 1.0, kFitTolerance) << s.name;
  }
}

TEST(ResourcesVsSynthesis, BlockRamShapes) {
  EXPECT_EQ(bram18_units(512, 64), 2);    // 512 x 72: one RAMB36
  EXPECT_EQ(bram18_units(512, 24), 1);    // 512 x 36
  EXPECT_EQ(bram18_units(1024, 64), 4);   // 1K x 18, four wide
  EXPECT_EQ(bram18_units(4096, 64), 16);  // 4K x 4: 256 Kb in 16 x 16 Kb
  EXPECT_EQ(bram18_units(100, 1), 1);
  EXPECT_EQ(bram18_units(64, 16), 0);  // LUTRAM
  EXPECT_EQ(bram18_units(0, 8), 0);
  EXPECT_EQ(bram18_units(8, 0), 0);
}

}  // namespace
}  // namespace fitformer::accel
