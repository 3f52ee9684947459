// Tests of the device catalog: the shipped file is complete and sourced, and every kind of
// bad entry is refused with the file, the device and the field named.
#include "io/catalog.h"

#include <gtest/gtest.h>

#include <set>

#include "common/catalog_fixture.h"
#include "common/error_of.h"
#include "core/error.h"

namespace fitformer::io {
namespace {

const char* const kGood = testing::kValidCatalog;

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const size_t pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  return text.replace(pos, from.size(), to);
}

std::string error_of(const std::string& text) {
  return testing::error_of([&] { parse_catalog(text, "/c/devices.toml"); });
}

TEST(Catalog, ShippedCatalogCoversTheRequiredDevices) {
  const auto devices = load_catalog(default_catalog_path());
  std::set<std::string> ids;
  int fpgas = 0, cpus = 0, gpus = 0, hosts = 0;
  for (const auto& d : devices) {
    ids.insert(d.id);
    fpgas += d.kind == DeviceKind::kFpga;
    cpus += d.kind == DeviceKind::kCpu;
    gpus += d.kind == DeviceKind::kGpu;
    hosts += d.is_host;
    for (const auto& [field, source] : d.sources) EXPECT_FALSE(source.empty()) << d.id << field;
  }
  EXPECT_GE(fpgas, 9);
  EXPECT_GE(cpus, 4);
  EXPECT_GE(gpus, 6);
  EXPECT_EQ(hosts, 1);
  for (const char* id : {"pynq-z2", "ultra96-v2", "kv260", "zcu104", "zcu102", "u50", "u200",
                         "u250", "u280", "host", "rpi4", "rpi5", "jetson-nano", "jetson-tx2",
                         "xavier-nx", "orin-nano", "rtx3090", "a100", "h200"}) {
    EXPECT_TRUE(ids.contains(id)) << id;
  }
}

TEST(Catalog, ReadsEveryField) {
  const auto devices = parse_catalog(kGood, "/c/devices.toml");
  ASSERT_EQ(devices.size(), 1u);
  const DeviceSpec& d = devices[0];
  EXPECT_EQ(d.id, "board");
  EXPECT_EQ(d.kind, DeviceKind::kFpga);
  ASSERT_TRUE(d.fpga.has_value());
  EXPECT_FALSE(d.cpu.has_value());
  EXPECT_EQ(d.fpga->dsp, 220);
  EXPECT_EQ(d.fpga->uram, 0);
  EXPECT_DOUBLE_EQ(d.fpga->usable_fraction, 0.9);
  EXPECT_DOUBLE_EQ(d.memory_bandwidth_gbs, 4);
  EXPECT_EQ(d.sources.at("fpga.dsp"), "s");
}

// Issue 14: a card that needs a server is compared at the price of both; the field is
// optional (a development board is a working system), sourced and range-checked like the rest.
TEST(Catalog, HostSystemCostIsOptionalSourcedAndAddedToThePrice) {
  const DeviceSpec board = parse_catalog(kGood, "/c/devices.toml").at(0);
  EXPECT_EQ(board.host_system_usd, 0);
  EXPECT_EQ(system_price_usd(board), 100);
  const std::string with_host =
      replaced(replaced(kGood, "price_usd = 100\n", "price_usd = 100\nhost_system_usd = 2500\n"),
               "price_usd = \"s\"\n", "price_usd = \"s\"\nhost_system_usd = \"a server\"\n");
  const DeviceSpec card = parse_catalog(with_host, "/c/devices.toml").at(0);
  EXPECT_EQ(card.host_system_usd, 2500);
  EXPECT_EQ(system_price_usd(card), 2600);
  EXPECT_EQ(card.sources.at("host_system_usd"), "a server");
  std::string e = error_of(replaced(with_host, "host_system_usd = \"a server\"\n", ""));
  EXPECT_NE(e.find("device[board].sources: expected a source for host_system_usd"),
            std::string::npos)
      << e;
  e = error_of(replaced(with_host, "host_system_usd = 2500", "host_system_usd = -1"));
  EXPECT_NE(e.find("device[board].host_system_usd: expected a number in [0, 1e+07], found -1"),
            std::string::npos)
      << e;
  // The shipped catalog: every PCIe or SXM card and every bare server CPU names its host.
  for (const DeviceSpec& d : load_catalog(default_catalog_path())) {
    for (const char* id : {"u50", "u200", "u250", "u280", "rtx3090", "v100", "a100", "h200",
                           "xeon-8480", "ryzen9-7950x"}) {
      if (d.id == id) {
        EXPECT_GT(d.host_system_usd, 0) << id;
        EXPECT_TRUE(d.sources.contains("host_system_usd")) << id;
      }
    }
  }
}

TEST(Catalog, RefusesBadEntriesNamingDeviceAndField) {
  const auto has = [](const std::string& message, const std::string& part) {
    return message.find(part) != std::string::npos;
  };
  std::string e = error_of(replaced(kGood, "dsp = 220\n", ""));
  EXPECT_TRUE(has(e, "/c/devices.toml: device[board].fpga.dsp: expected a value")) << e;
  e = error_of(replaced(kGood, "dsp = 220", "dsp = \"many\""));
  EXPECT_TRUE(has(e, "device[board].fpga.dsp: expected an integer")) << e;
  e = error_of(replaced(kGood, "dsp = 220", "dsp = -3"));
  EXPECT_TRUE(has(e, "device[board].fpga.dsp: expected a number in [1, 1e+06], found -3")) << e;
  e = error_of(replaced(kGood, "\"fpga.lut\" = \"s\"\n", ""));
  EXPECT_TRUE(has(e, "device[board].sources: expected a source for fpga.lut")) << e;
  e = error_of(replaced(kGood, "\"fpga.lut\" = \"s\"", "\"fpga.lut\" = \"\""));
  EXPECT_TRUE(has(e, "device[board].sources.fpga.lut")) << e;
  e = error_of(replaced(kGood, "tier = 1", "tier = 1\nwatts = 3"));
  EXPECT_TRUE(has(e, "device[board].watts: expected one of:")) << e;
  e = error_of(replaced(kGood, "kind = \"fpga\"", "kind = \"asic\""));
  EXPECT_TRUE(has(e, "device[board].kind")) << e;
  e = error_of(replaced(kGood, "kind = \"fpga\"", "kind = \"gpu\""));
  EXPECT_TRUE(has(e, "exactly one table [device.gpu]")) << e;
  e = error_of(replaced(kGood, "usable_fraction = 0.9", "usable_fraction = 1.5"));
  EXPECT_TRUE(has(e, "fpga.usable_fraction: expected a number in [0.01, 1]")) << e;
  e = error_of(replaced(kGood, "DSP48E1\"", "DSP58\""));
  EXPECT_TRUE(has(e, "fpga.dsp_type")) << e;
  e = error_of(replaced(kGood, "\"fpga.ff\" = \"s\"", "\"fpga.ff\" = \"s\"\n\"fpga.hbm\" = \"s\""));
  EXPECT_TRUE(has(e, "sources.fpga.hbm: expected the name of a numeric field")) << e;
  e = error_of(std::string(kGood) + kGood);
  EXPECT_TRUE(has(e, "device[board].id: expected a unique id")) << e;
  e = error_of(replaced(kGood, "id = \"board\"\n", ""));
  EXPECT_TRUE(has(e, "device[0].id: expected a value")) << e;
  e = error_of("x = 1\n");
  EXPECT_TRUE(has(e, "/c/devices.toml: x: expected one of: device")) << e;
  e = error_of("# no devices\n");
  EXPECT_TRUE(has(e, "device: expected at least one [[device]] table")) << e;
  EXPECT_TRUE(has(error_of("[[device]\n"), "line 1: expected valid TOML"));
}

// Regressions of issue 12: figures that were listed and used (a "modeled" latency of
// 1e297 ms), and ids printed raw.
TEST(Catalog, RefusesNonFiniteAndAbsurdFiguresNamingFileDeviceAndField) {
  const std::pair<std::string, std::string> cases[] = {
      {"clock_mhz = nan",
       "/c/devices.toml: device[board].fpga.clock_mhz: expected a finite number, found nan"},
      {"clock_mhz = inf",
       "/c/devices.toml: device[board].fpga.clock_mhz: expected a finite number, found inf"},
      {"clock_mhz = 1e-300",
       "/c/devices.toml: device[board].fpga.clock_mhz: expected a number in [1, 2000], found "
       "1e-300"},
      {"price_usd = 1e300",
       "/c/devices.toml: device[board].price_usd: expected a number in [1, 1e+07]"},
      {"memory_bandwidth_gbs = 1e-300",
       "device[board].memory_bandwidth_gbs: expected a number in [0.01, 100000]"},
      {"power_w = -inf", "device[board].power_w: expected a finite number, found -inf"},
      {"dsp = 2147483647",
       "device[board].fpga.dsp: expected a number in [1, 1e+06], found 2147483647"},
      {"tier = 5", "device[board].tier: expected a number in [1, 4], found 5"},
  };
  for (const auto& [line, needle] : cases) {
    const std::string key = line.substr(0, line.find(' '));
    const std::string e = error_of(testing::replace_line(kGood, key, line));
    EXPECT_NE(e.find(needle), std::string::npos) << line << " -> " << e;
  }
}

TEST(Catalog, IdsAreSafeNamesAndNamesPrintable) {
  std::string e = error_of(replaced(kGood, "id = \"board\"", "id = \"bo\\nard\""));
  EXPECT_EQ(e.find('\n'), std::string::npos) << e;
  EXPECT_TRUE(e.find("/c/devices.toml: device[bo\\nard].id: expected a name of letters") == 0) << e;
  e = error_of(replaced(kGood, "id = \"board\"", "id = \"\\u001b[2J\""));
  EXPECT_EQ(e.find('\x1b'), std::string::npos) << e;
  EXPECT_NE(e.find("device[\\x1b[2J].id: expected a name of letters"), std::string::npos) << e;
  e = error_of(replaced(kGood, "id = \"board\"", "id = \"../x\""));
  EXPECT_NE(e.find("device[../x].id"), std::string::npos) << e;
  e = error_of(
      replaced(kGood, "name = \"A board\"", "name = \"A \\u001b[31mred\\u001b[0m board\""));
  EXPECT_NE(e.find("device[board].name: expected a name of at most 200 characters without control"),
            std::string::npos)
      << e;
}

}  // namespace
}  // namespace fitformer::io
