// The device catalog (catalog/devices.toml): every device fitformer can choose, with the
// figures the latency and resource models need and a source for each figure. Parsing is a
// pure step; src/devices turns these specs into latency predictions.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace fitformer::io {

enum class DeviceKind { kFpga, kCpu, kGpu };

// "fpga", "cpu", "gpu".
std::string_view device_kind_name(DeviceKind kind);

// Programmable-logic resources of an FPGA, and the share left to our design after the
// platform's static shell (Alveo cards) or the processing system's needs.
struct FpgaSpec {
  std::string part;      // e.g. "XCZU7EV-2FFVC1156"
  std::string dsp_type;  // "DSP48E1" (7-series) or "DSP48E2" (UltraScale+)
  int dsp = 0;
  int bram36 = 0;  // 36 Kb block RAMs
  int uram = 0;    // 288 Kb UltraRAMs
  int lut = 0;
  int ff = 0;
  double usable_fraction = 1.0;  // of every resource, after the shell
  double clock_mhz = 0;          // fabric clock our accelerator is assumed to close at
};

// A processor's peak arithmetic: per-core rates times cores times clock.
struct CpuSpec {
  int cores = 0;
  double clock_ghz = 0;
  int simd_bits = 0;               // widest vector unit
  double fp32_flop_per_cycle = 0;  // per core
  double int8_op_per_cycle = 0;    // per core (dot-product instructions where present)
};

// A GPU's peak rates (dense, no structured-sparsity speed-up).
struct GpuSpec {
  double fp32_tflops = 0;
  double fp16_tflops = 0;  // tensor cores where present
  double int8_tops = 0;
};

struct DeviceSpec {
  std::string id;    // short key used on the command line ("zcu104")
  std::string name;  // what a person calls it
  DeviceKind kind = DeviceKind::kCpu;
  int tier = 1;          // 1 embedded / low-end ... 4 datacenter
  bool is_host = false;  // the machine fitformer runs on: measured, not modeled
  double price_usd = 0;
  // What the device needs around it before it can run anything, in USD: the server a PCIe
  // or SXM card sits in, the rest of a desktop or server around a bare CPU, a carrier board
  // for a module. 0 when price_usd already buys a working system (a development board).
  double host_system_usd = 0;
  double power_w = 0;
  double memory_gb = 0;
  double memory_bandwidth_gbs = 0;  // off-chip, peak
  std::optional<FpgaSpec> fpga;
  std::optional<CpuSpec> cpu;
  std::optional<GpuSpec> gpu;
  // Field name ("price_usd", "fpga.dsp", ...) -> where the number comes from: a datasheet,
  // "derived: ..." or "estimate: ...". Every numeric field has one.
  std::map<std::string, std::string> sources;
};

// What the price objective compares (like with like): price_usd + host_system_usd.
double system_price_usd(const DeviceSpec& device);

// Parses the catalog text; `file` names it in errors. A missing or ill-typed field, an
// unknown key, a duplicate id, or a number without a source throws Error naming the file,
// the device and the field.
std::vector<DeviceSpec> parse_catalog(const std::string& toml_text,
                                      const std::filesystem::path& file);
std::vector<DeviceSpec> load_catalog(const std::filesystem::path& file);

// The catalog shipped in the repository (catalog/devices.toml).
std::filesystem::path default_catalog_path();

// The device with this id; throws Error(file, field, ...) naming the nearest id otherwise.
const DeviceSpec& find_device(const std::vector<DeviceSpec>& catalog, const std::string& id,
                              const std::string& file, const std::string& field);

}  // namespace fitformer::io
