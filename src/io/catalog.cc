// Parses catalog/devices.toml. Every number must carry a source, because a catalog whose
// figures cannot be traced is worse than none: the selection rests on them.
#include "io/catalog.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "core/error.h"
#include "core/files.h"
#include "core/locations.h"
#include "core/nearest_name.h"
#include "core/printable.h"
#include "core/safe_name.h"
#include "io/toml_reader.h"

namespace fitformer::io {
namespace {

namespace fs = std::filesystem;

constexpr std::pair<DeviceKind, std::string_view> kKindNames[] = {
    {DeviceKind::kFpga, "fpga"}, {DeviceKind::kCpu, "cpu"}, {DeviceKind::kGpu, "gpu"}};

// The range each figure must fall in, by field name. Wide enough for any device from a
// microcontroller-class board to a datacenter card (the catalog's own span is pynq-z2 to
// h200, 2026), narrow enough that a slipped exponent (1e-300 MHz, 1e12 W) is refused
// instead of yielding a "modeled" latency of 1e297 ms.
struct FieldRange {
  std::string_view key;
  double min, max;
};
constexpr FieldRange kRanges[] = {
    {"tier", 1, 4},
    {"price_usd", 1, 1e7},
    {"host_system_usd", 0, 1e7},
    {"power_w", 0.1, 1e5},
    {"memory_gb", 1e-3, 1e5},
    {"memory_bandwidth_gbs", 0.01, 1e5},
    {"fpga.dsp", 1, 1e6},
    {"fpga.bram36", 1, 1e6},
    {"fpga.uram", 0, 1e6},
    {"fpga.lut", 100, 1e8},
    {"fpga.ff", 100, 1e8},
    {"fpga.usable_fraction", 0.01, 1},
    {"fpga.clock_mhz", 1, 2000},
    {"cpu.cores", 1, 4096},
    {"cpu.clock_ghz", 0.01, 10},
    {"cpu.simd_bits", 32, 4096},
    {"cpu.fp32_flop_per_cycle", 0.01, 4096},
    {"cpu.int8_op_per_cycle", 0.01, 65536},
    {"gpu.fp32_tflops", 1e-3, 1e5},
    {"gpu.fp16_tflops", 1e-3, 1e6},
    {"gpu.int8_tops", 1e-3, 1e6},
};

const FieldRange& range_of(const std::string& field) {
  for (const FieldRange& r : kRanges) {
    if (r.key == field) return r;
  }
  static constexpr FieldRange kAny{"", 0, 1e300};
  return kAny;
}

std::string range_text(double v) {
  return fmt::format("{:g}", v);
}

// Reads numeric fields one by one, remembering which were present so each can be checked
// for a source afterwards.
class DeviceReader {
 public:
  DeviceReader(const toml::table& table, std::string path, const fs::path& file, std::string prefix,
               std::vector<std::string>& numbers)
      : r_(table, std::move(path), file), prefix_(std::move(prefix)), numbers_(numbers) {}

  // A required number that must be positive (or non-negative with allow_zero).
  // A required number within its field's range (kRanges); allow_zero admits 0 below it.
  template <typename T>
  void number(const std::string& key, T& out, bool allow_zero = false) {
    r_.require(key);
    r_.read(key, out);
    const FieldRange& range = range_of(prefix_ + key);
    const auto v = static_cast<double>(out);
    if (!(v >= range.min && v <= range.max) && !(allow_zero && v == 0)) {
      throw Error(r_.file().string(), r_.field(key),
                  "a number in [" + range_text(allow_zero ? 0 : range.min) + ", " +
                      range_text(range.max) + "]",
                  fmt::format("{}", out));
    }
    numbers_.push_back(prefix_ + key);
  }
  TomlTableReader& reader() { return r_; }

 private:
  TomlTableReader r_;
  std::string prefix_;
  std::vector<std::string>& numbers_;
};

FpgaSpec read_fpga(const toml::table& t, const std::string& path, const fs::path& file,
                   std::vector<std::string>& numbers) {
  DeviceReader d(t, path, file, "fpga.", numbers);
  FpgaSpec f;
  d.reader().require("part");
  d.reader().read("part", f.part);
  d.reader().require("dsp_type");
  d.reader().read("dsp_type", f.dsp_type);
  if (f.dsp_type != "DSP48E1" && f.dsp_type != "DSP48E2") {
    throw Error(file.string(), path + ".dsp_type", "\"DSP48E1\" or \"DSP48E2\"",
                "\"" + f.dsp_type + "\"");
  }
  d.number("dsp", f.dsp);
  d.number("bram36", f.bram36);
  d.number("uram", f.uram, /*allow_zero=*/true);
  d.number("lut", f.lut);
  d.number("ff", f.ff);
  d.number("usable_fraction", f.usable_fraction);
  d.number("clock_mhz", f.clock_mhz);
  d.reader().refuse_unknown_keys();
  return f;
}

CpuSpec read_cpu(const toml::table& t, const std::string& path, const fs::path& file,
                 std::vector<std::string>& numbers) {
  DeviceReader d(t, path, file, "cpu.", numbers);
  CpuSpec c;
  d.number("cores", c.cores);
  d.number("clock_ghz", c.clock_ghz);
  d.number("simd_bits", c.simd_bits);
  d.number("fp32_flop_per_cycle", c.fp32_flop_per_cycle);
  d.number("int8_op_per_cycle", c.int8_op_per_cycle);
  d.reader().refuse_unknown_keys();
  return c;
}

GpuSpec read_gpu(const toml::table& t, const std::string& path, const fs::path& file,
                 std::vector<std::string>& numbers) {
  DeviceReader d(t, path, file, "gpu.", numbers);
  GpuSpec g;
  d.number("fp32_tflops", g.fp32_tflops);
  d.number("fp16_tflops", g.fp16_tflops);
  d.number("int8_tops", g.int8_tops);
  d.reader().refuse_unknown_keys();
  return g;
}

DeviceSpec read_device(const toml::table& t, size_t index, const fs::path& file) {
  DeviceSpec dev;
  // Name the device in errors by its id once known, by its position before that.
  std::string path = "device[" + std::to_string(index) + "]";
  if (const auto* id = t.get("id"); id != nullptr && id->is_string()) {
    path = "device[" + *id->value<std::string>() + "]";
  }
  std::vector<std::string> numbers;
  DeviceReader d(t, path, file, "", numbers);
  TomlTableReader& r = d.reader();
  for (const char* key : {"id", "name", "kind"}) r.require(key);
  r.read("id", dev.id);
  r.read("name", dev.name);
  // The id is typed on command lines, listed, and names cache files: a safe name only.
  if (!is_safe_name(dev.id))
    throw Error(file.string(), path + ".id", std::string(kSafeNameRule), "\"" + dev.id + "\"");
  if (dev.name.empty() || dev.name.size() > 200 || !is_printable(dev.name)) {
    throw Error(file.string(), path + ".name",
                "a name of at most 200 characters without control characters",
                "\"" + dev.name + "\"");
  }
  std::string kind;
  r.read("kind", kind);
  bool known_kind = false;
  for (const auto& [k, name] : kKindNames) {
    if (kind == name) {
      dev.kind = k;
      known_kind = true;
    }
  }
  if (!known_kind)
    throw Error(file.string(), path + ".kind", "\"fpga\", \"cpu\" or \"gpu\"", "\"" + kind + "\"");
  r.read("host", dev.is_host);
  d.number("tier", dev.tier);
  // The host is what you already have: no price to pay, and its rates are measured.
  d.number("price_usd", dev.price_usd, /*allow_zero=*/dev.is_host);
  // Optional: absent means the price buys a working system.
  if (r.has("host_system_usd")) d.number("host_system_usd", dev.host_system_usd);
  d.number("power_w", dev.power_w);
  d.number("memory_gb", dev.memory_gb);
  d.number("memory_bandwidth_gbs", dev.memory_bandwidth_gbs);

  const toml::table* fpga = r.table("fpga");
  const toml::table* cpu = r.table("cpu");
  const toml::table* gpu = r.table("gpu");
  const bool kind_matches = dev.kind == DeviceKind::kFpga  ? fpga && !cpu && !gpu
                            : dev.kind == DeviceKind::kCpu ? cpu && !fpga && !gpu
                                                           : gpu && !fpga && !cpu;
  if (!kind_matches) {
    throw Error(file.string(), path,
                "exactly one table [device." + kind + "] for kind \"" + kind + "\"");
  }
  if (fpga) dev.fpga = read_fpga(*fpga, path + ".fpga", file, numbers);
  if (cpu) dev.cpu = read_cpu(*cpu, path + ".cpu", file, numbers);
  if (gpu) dev.gpu = read_gpu(*gpu, path + ".gpu", file, numbers);

  if (const toml::table* sources = r.table("sources")) {
    for (const auto& [key, value] : *sources) {
      if (!value.is_string() || value.value<std::string>()->empty()) {
        throw Error(file.string(), path + ".sources." + std::string(key.str()),
                    "a non-empty string (a datasheet, \"derived: ...\" or \"estimate: ...\")");
      }
      dev.sources[std::string(key.str())] = *value.value<std::string>();
    }
  }
  for (const auto& field : numbers) {
    if (!dev.sources.contains(field)) {
      throw Error(file.string(), path + ".sources", "a source for " + field, "none");
    }
  }
  for (const auto& [field, source] : dev.sources) {
    if (std::find(numbers.begin(), numbers.end(), field) == numbers.end()) {
      throw Error(file.string(), path + ".sources." + field, "the name of a numeric field",
                  "a source for a field this device does not have");
    }
  }
  r.refuse_unknown_keys();
  return dev;
}

}  // namespace

std::string_view device_kind_name(DeviceKind kind) {
  for (const auto& [k, name] : kKindNames) {
    if (k == kind) return name;
  }
  return "?";
}

double system_price_usd(const DeviceSpec& device) {
  return device.price_usd + device.host_system_usd;
}

std::vector<DeviceSpec> parse_catalog(const std::string& toml_text, const fs::path& file) {
  const toml::table root = parse_toml(toml_text, file);
  TomlTableReader top(root, "", file);
  const toml::array* devices = top.array_of_tables("device");
  top.refuse_unknown_keys();
  if (devices == nullptr || devices->empty()) {
    throw Error(file.string(), "device", "at least one [[device]] table", "none");
  }
  std::vector<DeviceSpec> out;
  std::set<std::string> ids;
  int hosts = 0;
  for (size_t i = 0; i < devices->size(); ++i) {
    DeviceSpec dev = read_device(*devices->get(i)->as_table(), i, file);
    if (!ids.insert(dev.id).second) {
      throw Error(file.string(), "device[" + dev.id + "].id", "a unique id", "a duplicate");
    }
    hosts += dev.is_host;
    out.push_back(std::move(dev));
  }
  if (hosts > 1)
    throw Error(file.string(), "host", "at most one device with host = true",
                std::to_string(hosts));
  return out;
}

std::vector<DeviceSpec> load_catalog(const fs::path& file) {
  return parse_catalog(read_file(file), file);
}

const DeviceSpec& find_device(const std::vector<DeviceSpec>& catalog, const std::string& id,
                              const std::string& file, const std::string& field) {
  const auto it =
      std::find_if(catalog.begin(), catalog.end(), [&](const DeviceSpec& d) { return d.id == id; });
  if (it != catalog.end()) return *it;
  std::vector<std::string> ids;
  for (const DeviceSpec& d : catalog) ids.push_back(d.id);
  throw Error(file, field, "a device id of the catalog (devices list)",
              quoted_with_suggestion(id, ids));
}

fs::path default_catalog_path() {
  return default_locations().resources / "catalog" / "devices.toml";
}

}  // namespace fitformer::io
