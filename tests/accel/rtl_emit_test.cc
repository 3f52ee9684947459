// `fitformer rtl emit`'s library: the embedded sources are exactly rtl/*.sv; the depths a
// sized configuration implies, against hand arithmetic; the emitted folder (sources equal to
// the tested RTL, top level with the parameters, file list, README); errors that name the
// file and the field. (tests/rtl's rtl.emit_lint runs the command and lints the result.)
#include "accel/rtl_emit.h"

#include <gtest/gtest.h>

#include <set>

#include "accel/rtl_sources.h"
#include "common/temp_dir.h"
#include "core/error.h"
#include "core/files.h"

namespace fitformer::accel {
namespace {

const std::filesystem::path kRtlDir = std::filesystem::path(FITFORMER_SOURCE_DIR) / "rtl";

// kv260's configuration from a select run of the quick sotu-lm (tests/rtl/kv260_accelerator.json).
nlohmann::json kv260() {
  return {{"pes", 32},
          {"banks", 8},
          {"block_cols", 64},
          {"token_lanes", 2},
          {"precision", "int8"},
          {"clock_mhz", 300.0},
          {"weight_buffer_bytes", 1764020},
          {"weight_memory", "uram"},
          {"act_buffer_bytes", 2048},
          {"out_buffer_bytes", 128000},
          {"offchip_gbs", 15.36},
          {"vector_lanes", 16},
          {"weights_resident", true},
          {"max_token_tile", 0},
          {"part", "XCK26-SFVC784-2LV"},
          {"used", {{"dsp", 448}}}};
}

TEST(RtlEmit, EmbeddedSourcesAreTheRtlFolder) {
  std::set<std::string> on_disk;
  for (const auto& path : list_files(kRtlDir)) {
    if (path.extension() == ".sv") on_disk.insert(path.filename().string());
  }
  std::set<std::string> embedded;
  for (const RtlSourceFile& f : rtl_sources()) {
    embedded.insert(std::string(f.name));
    EXPECT_EQ(std::string(f.text), read_file(kRtlDir / std::string(f.name))) << f.name;
  }
  EXPECT_EQ(embedded, on_disk);
  EXPECT_TRUE(embedded.contains("hpa_top.sv"));
}

TEST(RtlEmit, DepthsFollowTheBuffers) {
  const RtlDesign d = rtl_design_from_json(kv260(), "kv260.json");
  // 15.36 GB/s at 300 MHz = 51.2 B per cycle -> 64; 2P = 64, P x 8 value bytes = 256 and
  // P x 3 offset bytes = 96 allow it
  EXPECT_EQ(d.beat, 64);
  // 1764020 B x 8 / (32 PEs x 8 banks x (8 + 3) bits) = 5011.4 -> 5012 words per PE
  EXPECT_EQ(d.depths.wb_words, 5012);
  EXPECT_EQ(d.depths.row_words, 5012);
  EXPECT_EQ(d.depths.act_words, 2048 / (2 * 8));         // words of 2 lanes x 8 int8 values
  EXPECT_EQ(d.depths.out_words, 128000 / (2 * 4) / 32);  // 2 lanes x 32-bit accumulators, 32 banks
  EXPECT_EQ(d.depths.rp_words, d.depths.out_words);
  EXPECT_TRUE(d.mapping.weights_resident);
}

TEST(RtlEmit, WritesSourcesTopFileListAndReadme) {
  testing::TempDir dir;
  const auto json = dir.path() / "accelerator.json";
  write_file_atomic(json, kv260().dump(2));
  const auto out = dir.path() / "rtl-out";
  const auto written = emit_rtl(json, out);
  EXPECT_EQ(written.size(), rtl_sources().size() + 3);
  for (const RtlSourceFile& f : rtl_sources()) {
    EXPECT_EQ(read_file(out / "rtl" / std::string(f.name)),
              read_file(kRtlDir / std::string(f.name)));
  }
  const std::string top = read_file(out / "hpa_sized_top.sv");
  for (const char* param : {".P(32)", ".B(8)", ".BC(64)", ".W(8)", ".ACC_W(32)", ".L(2)",
                            ".BEAT(64)", ".WB_WORDS(5012)", ".ACT_WORDS(128)", ".OUT_WORDS(500)"}) {
    EXPECT_NE(top.find(param), std::string::npos) << param;
  }
  EXPECT_NE(top.find("module hpa_sized_top"), std::string::npos);
  const std::string list = read_file(out / "files.f");
  EXPECT_NE(list.find("rtl/hpa_top.sv\n"), std::string::npos);
  EXPECT_EQ(list.substr(list.size() - 17), "hpa_sized_top.sv\n");
  EXPECT_NE(read_file(out / "README.md").find("| P (PEs) | 32 |"), std::string::npos);
}

TEST(RtlEmit, BadConfigurationsNameFileAndField) {
  nlohmann::json j = kv260();
  j.erase("banks");
  try {
    rtl_design_from_json(j, "a.json");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("a.json"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("banks"), std::string::npos) << e.what();
  }
  j = kv260();
  j["precision"] = "fp32";
  EXPECT_THROW(rtl_design_from_json(j, "a.json"), Error);
  j = kv260();
  j["block_cols"] = 32;  // bank width 4: 8 offsets of 2 bits, fine
  EXPECT_NO_THROW(rtl_design_from_json(j, "a.json"));
  j["banks"] = 4;  // bank width 8: 4 offsets of 3 bits, 12 bits: not whole bytes
  try {
    rtl_design_from_json(j, "a.json");
    FAIL() << "no error";
  } catch (const Error& e) {
    // the inner error travels as `found`, which Error shortens (core/printable.h)
    EXPECT_NE(std::string(e.what()).find("offset bits a multiple of"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace fitformer::accel
