// `fitformer devices list`: the device catalog, with where each figure comes from.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/error.h"
#include "io/catalog.h"

namespace fitformer::cli {
namespace {

struct ListOptions {
  std::string catalog = io::default_catalog_path().string();
  std::string device;  // print one device's figures with their sources
  bool json = false;
};

// The device's headline compute figure, as a person compares them.
std::string compute_summary(const io::DeviceSpec& d) {
  if (d.fpga) {
    return fmt::format("{} {} DSP, {} BRAM36, {} URAM, {}k LUT @ {:.0f} MHz", d.fpga->part,
                       d.fpga->dsp, d.fpga->bram36, d.fpga->uram, d.fpga->lut / 1000,
                       d.fpga->clock_mhz);
  }
  if (d.cpu) {
    const double gflops = d.cpu->cores * d.cpu->clock_ghz * d.cpu->fp32_flop_per_cycle;
    return fmt::format("{} cores @ {:.1f} GHz, {}-bit SIMD, {:.0f} GFLOP/s fp32 peak", d.cpu->cores,
                       d.cpu->clock_ghz, d.cpu->simd_bits, gflops);
  }
  return fmt::format("{:g} TFLOP/s fp32, {:g} fp16, {:g} TOP/s int8 peak", d.gpu->fp32_tflops,
                     d.gpu->fp16_tflops, d.gpu->int8_tops);
}

nlohmann::json device_json(const io::DeviceSpec& d) {
  nlohmann::json j = {{"id", d.id},
                      {"name", d.name},
                      {"kind", std::string(io::device_kind_name(d.kind))},
                      {"tier", d.tier},
                      {"host", d.is_host},
                      {"price_usd", d.price_usd},
                      {"power_w", d.power_w},
                      {"memory_gb", d.memory_gb},
                      {"memory_bandwidth_gbs", d.memory_bandwidth_gbs},
                      {"sources", d.sources}};
  if (d.fpga) {
    j["fpga"] = {{"part", d.fpga->part},
                 {"dsp_type", d.fpga->dsp_type},
                 {"dsp", d.fpga->dsp},
                 {"bram36", d.fpga->bram36},
                 {"uram", d.fpga->uram},
                 {"lut", d.fpga->lut},
                 {"ff", d.fpga->ff},
                 {"usable_fraction", d.fpga->usable_fraction},
                 {"clock_mhz", d.fpga->clock_mhz}};
  }
  if (d.cpu) {
    j["cpu"] = {{"cores", d.cpu->cores},
                {"clock_ghz", d.cpu->clock_ghz},
                {"simd_bits", d.cpu->simd_bits},
                {"fp32_flop_per_cycle", d.cpu->fp32_flop_per_cycle},
                {"int8_op_per_cycle", d.cpu->int8_op_per_cycle}};
  }
  if (d.gpu) {
    j["gpu"] = {{"fp32_tflops", d.gpu->fp32_tflops},
                {"fp16_tflops", d.gpu->fp16_tflops},
                {"int8_tops", d.gpu->int8_tops}};
  }
  return j;
}

void run_list(const ListOptions& options) {
  const std::vector<io::DeviceSpec> devices = io::load_catalog(options.catalog);
  if (!options.device.empty()) {
    const auto it = std::find_if(devices.begin(), devices.end(),
                                 [&](const io::DeviceSpec& d) { return d.id == options.device; });
    if (it == devices.end()) {
      std::string ids;
      for (const auto& d : devices) ids += (ids.empty() ? "" : ", ") + d.id;
      throw Error(options.catalog, "--device", "one of: " + ids, "\"" + options.device + "\"");
    }
    if (options.json) {
      fmt::print("{}\n", device_json(*it).dump(2));
      return;
    }
    fmt::print("{} ({}, {}, tier {})\n  {}\n  sources:\n", it->name, it->id,
               io::device_kind_name(it->kind), it->tier, compute_summary(*it));
    for (const auto& [field, source] : it->sources) fmt::print("    {:<26} {}\n", field, source);
    return;
  }
  if (options.json) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& d : devices) j.push_back(device_json(d));
    fmt::print("{}\n", j.dump(2));
    return;
  }
  fmt::print("[catalog: data-sheet figures and marked estimates; `--device ID` shows sources]\n");
  fmt::print("{:<13} {:<4} {:>4} {:>9} {:>7} {:>9}  {}\n", "id", "kind", "tier", "price $",
             "power W", "mem GB/s", "compute");
  for (const auto& d : devices) {
    fmt::print("{:<13} {:<4} {:>4} {:>9} {:>7} {:>9}  {}\n", d.id, io::device_kind_name(d.kind),
               d.tier, d.is_host ? std::string("(host)") : fmt::format("{:.0f}", d.price_usd),
               d.power_w, d.memory_bandwidth_gbs, compute_summary(d));
  }
}

}  // namespace

void add_devices_command(CLI::App& app) {
  CLI::App* devices = app.add_subcommand("devices", "The device catalog");
  devices->require_subcommand(1);
  auto options = std::make_shared<ListOptions>();
  CLI::App* list = devices->add_subcommand("list", "List the devices fitformer can choose from");
  list->add_option("--catalog", options->catalog, "A device catalog TOML")->capture_default_str();
  list->add_option("--device", options->device, "Show one device's figures and their sources");
  list->add_flag("--json", options->json, "Machine-readable output");
  list->callback([options] { run_list(*options); });
}

}  // namespace fitformer::cli
