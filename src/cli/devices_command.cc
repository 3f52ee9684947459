// `fitformer devices list`: the device catalog, with where each figure comes from;
// `fitformer devices predict`: a candidate model's latency on every device, labelled.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/error.h"
#include "core/progress.h"
#include "devices/predict.h"
#include "io/catalog.h"
#include "report/result_json.h"

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
                      {"host_system_usd", d.host_system_usd},
                      {"system_price_usd", io::system_price_usd(d)},
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
    const io::DeviceSpec* it =
        &io::find_device(devices, options.device, options.catalog, "--device");
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
  fmt::print("{:<13} {:<4} {:>4} {:>9} {:>8} {:>7} {:>9}  {}\n", "id", "kind", "tier", "price $",
             "+ host $", "power W", "mem GB/s", "compute");
  for (const auto& d : devices) {
    fmt::print("{:<13} {:<4} {:>4} {:>9} {:>8} {:>7} {:>9}  {}\n", d.id,
               io::device_kind_name(d.kind), d.tier,
               d.is_host ? std::string("(host)") : fmt::format("{:.0f}", d.price_usd),
               d.host_system_usd > 0 ? fmt::format("{:.0f}", d.host_system_usd) : "-", d.power_w,
               d.memory_bandwidth_gbs, compute_summary(d));
  }
}

struct PredictOptions {
  std::string catalog = io::default_catalog_path().string();
  std::string config;
  std::string family;
  sparsity::HpPlan plan;
  std::string precision = "int8";
  int64_t seq = 128;
  int64_t batch = 1;
  int threads = 1;
  bool simulate = false;
  bool remeasure = false;
  bool json = false;
};

nlohmann::json predict_json(const PredictOptions& o, const devices::CandidateModel& m,
                            const std::vector<devices::Prediction>& estimates) {
  nlohmann::json j = {{"command", "devices predict"},
                      {"model_type", std::string(io::model_type_name(m.config.family))},
                      {"hidden_size", m.config.hidden_size},
                      {"num_hidden_layers", m.config.num_hidden_layers},
                      {"intermediate_size", m.config.intermediate_size},
                      {"pattern", "hp"},
                      {"sparsity", m.candidate.plan.sparsity},
                      {"precision", o.precision},
                      {"seq", m.seq},
                      {"batch", m.batch},
                      {"devices", nlohmann::json::array()}};
  for (const auto& e : estimates) j["devices"].push_back(report::prediction_json(e));
  return j;
}

void print_predictions(const PredictOptions& o, const devices::CandidateModel& m,
                       const std::vector<devices::Prediction>& estimates) {
  fmt::print("{} d {} x {} layers, FFN {}, HP sparsity {:.2f}, {}, seq {} batch {}\n",
             io::model_type_name(m.config.family), m.config.hidden_size, m.config.num_hidden_layers,
             m.config.intermediate_size, m.candidate.plan.sparsity, o.precision, m.seq, m.batch);
  fmt::print("{:<13} {:<4} {:>12} {:<10} {:>13}  {}\n", "id", "kind", "latency ms", "label",
             "simulated ms", "how");
  for (const auto& e : estimates) {
    fmt::print("{:<13} {:<4} {:>12} {:<10} {:>13}  {}\n", e.device_id, io::device_kind_name(e.kind),
               e.verdict.ok ? fmt::format("{:.3f}", e.latency_us / 1e3) : std::string("-"),
               e.verdict.ok ? accel::provenance_name(e.provenance) : "no fit",
               e.simulated_us ? fmt::format("{:.3f}", *e.simulated_us / 1e3) : std::string(""),
               e.method + (e.from_cache ? " (cached)" : "") +
                   (e.roofline_us ? fmt::format("; roofline would say {:.3f} ms (modeled)",
                                                *e.roofline_us / 1e3)
                                  : std::string()));
  }
}

void run_predict(const PredictOptions& o, const std::string& cache_dir) {
  if (o.config.empty() == o.family.empty()) {
    throw Error("", "--config / --family", "exactly one of them", "both or neither");
  }
  devices::CandidateModel m;
  m.config =
      o.config.empty() ? devices::task_model_config(o.family) : io::load_model_config(o.config);
  m.candidate.plan = o.plan;
  m.candidate.precision = format::parse_precision(o.precision);
  m.seq = o.seq;
  m.batch = o.batch;
  devices::PredictOptions p;
  p.simulate_fpga = o.simulate;
  p.remeasure = o.remeasure;
  p.cache_dir = cache_dir;
  p.host_threads = o.threads;
  const std::vector<io::DeviceSpec> all = io::load_catalog(o.catalog);
  Progress progress("devices predict", all.size(), "devices",
                    Progress::terminal_attached() && !o.json);
  std::vector<devices::Prediction> estimates;
  for (const auto& d : all) {
    estimates.push_back(devices::predict_latency(d, m, p));
    progress.advance(1);
  }
  progress.finish();
  if (o.json)
    fmt::print("{}\n", predict_json(o, m, estimates).dump(2));
  else
    print_predictions(o, m, estimates);
}

}  // namespace

void add_devices_command(CLI::App& app, const GlobalOptions& global) {
  CLI::App* devices = app.add_subcommand("devices", "The device catalog");
  devices->require_subcommand(1);
  auto options = std::make_shared<ListOptions>();
  CLI::App* list = devices->add_subcommand("list", "List the devices fitformer can choose from");
  list->add_option("--catalog", options->catalog, "A device catalog TOML")->capture_default_str();
  list->add_option("--device", options->device, "Show one device's figures and their sources");
  list->add_flag("--json", options->json, "Machine-readable output");
  list->callback([options] { run_list(*options); });

  auto p = std::make_shared<PredictOptions>();
  CLI::App* predict = devices->add_subcommand(
      "predict",
      "Predict a candidate model's latency on every device (measured / simulated / modeled)");
  predict->add_option("--catalog", p->catalog, "A device catalog TOML")->capture_default_str();
  predict->add_option("--config", p->config, "A model's config.json");
  predict->add_option("--family", p->family,
                      "causal-lm or bert-classifier: the task model's shape");
  predict->add_option("--sparsity", p->plan.sparsity, "HP sparsity of the encoder linears")
      ->capture_default_str();
  predict->add_option("--rho1", p->plan.rho1, "HP level-1 density (default: rho2 = 0.5)");
  predict->add_option("--precision", p->precision, "int8 or fp32")->capture_default_str();
  predict->add_option("--seq", p->seq, "Sequence length")->capture_default_str();
  predict->add_option("--batch", p->batch, "Batch")->capture_default_str();
  predict->add_option("--threads", p->threads, "Runtime threads for the host measurement")
      ->capture_default_str();
  predict->add_flag("--simulate", p->simulate, "Also run the cycle simulator on each FPGA design");
  predict->add_flag("--remeasure", p->remeasure,
                    "Time the host again instead of reading the cached measurement");
  predict->add_flag("--json", p->json, "Machine-readable output");
  predict->callback([p, &global] { run_predict(*p, global.workspace.cache_dir); });
}

}  // namespace fitformer::cli
