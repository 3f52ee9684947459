// `fitformer simulate`: sizes the HP accelerator for one FPGA, then runs the model through the
// cycle-level simulator with the chosen pattern, printing per-layer cycles, utilization,
// stalls, the resource use and the chosen parameters.
#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <variant>

#include "accel/analytical.h"
#include "accel/sized_json.h"
#include "accel/sizing.h"
#include "cli/commands.h"
#include "core/error.h"
#include "devices/fpga_sim.h"
#include "devices/predict.h"
#include "io/catalog.h"
#include "io/model_config.h"
#include "model/weights.h"

namespace fitformer::cli {
namespace {

struct SimulateOptions {
  std::string model_dir;
  std::string family;
  std::string device = "zcu104";
  std::string catalog = io::default_catalog_path().string();
  std::string pattern = "hp";
  double sparsity = 0.9;
  std::optional<double> rho1;
  std::string precision = "int8";
  int64_t seq = 0;  // 0: 64 for the causal LM, 128 for BERT
  int64_t batch = 1;
  bool json = false;
};

const io::DeviceSpec& find_device(const std::vector<io::DeviceSpec>& devices,
                                  const SimulateOptions& o) {
  for (const auto& d : devices) {
    if (d.id == o.device) {
      if (d.kind != io::DeviceKind::kFpga) {
        throw Error(o.catalog, "--device", "an FPGA",
                    d.id + " (" + std::string(io::device_kind_name(d.kind)) + ")");
      }
      return d;
    }
  }
  throw Error(o.catalog, "--device", "an FPGA id of the catalog", "\"" + o.device + "\"");
}

nlohmann::json op_json(const accel::OpStats& s) {
  return {{"name", s.name},
          {"provenance", std::string(accel::provenance_name(s.provenance))},
          {"cycles", s.cycles},
          {"compute_cycles", s.compute_cycles},
          {"transfer_cycles", s.transfer_cycles},
          {"exposed_transfer_cycles", s.exposed_transfer_cycles},
          {"fill_drain_cycles", s.fill_drain_cycles},
          {"macs", s.macs},
          {"busy_pe_cycles", s.busy_pe_cycles},
          {"idle_pe_cycles", s.idle_pe_cycles},
          {"conflict_stall_cycles", s.conflict_stall_cycles},
          {"utilization", s.utilization}};
}

void run_simulate(const SimulateOptions& o) {
  if (o.model_dir.empty() == o.family.empty()) {
    throw Error("", "--model / --family", "exactly one of them", "both or neither");
  }
  const io::ModelConfig config =
      o.model_dir.empty()
          ? devices::task_model_config(o.family)
          : io::load_model_config(std::filesystem::path(o.model_dir) / model::kConfigFileName);
  const sparsity::Pattern pattern = sparsity::parse_pattern(o.pattern);
  const auto all = io::load_catalog(o.catalog);
  const io::DeviceSpec& device = find_device(all, o);

  // The design is sized for the HP model; another pattern runs on that same hardware.
  devices::CandidateModel candidate;
  candidate.config = config;
  candidate.sparsity = o.sparsity;
  candidate.rho1 = o.rho1;
  candidate.precision = devices::parse_number_format(o.precision);
  candidate.seq = o.seq > 0 ? o.seq : (config.family == io::ModelFamily::kCausalLm ? 64 : 128);
  candidate.batch = o.batch;
  accel::SizingProblem problem;
  problem.model = config;
  problem.seq = candidate.seq;
  problem.batch = candidate.batch;
  problem.plan = devices::hp_plan(candidate);
  problem.precisions = {candidate.precision == devices::NumberFormat::kInt8
                            ? accel::Precision::kInt8
                            : accel::Precision::kInt16};
  const accel::SizedAccel sized = accel::size_accelerator(device, problem);
  if (!sized.verdict.ok) {
    throw Error(o.catalog, "--device", "an FPGA the model fits",
                device.id + ": " + sized.verdict.reason);
  }
  const devices::LayerWeights weights =
      o.model_dir.empty() ? devices::LayerWeights{}
                          : devices::model_folder_weights(o.model_dir, sized.workload);
  const accel::SimResult sim = accel::simulate_workload(
      sized.spec, sized.mapping, sized.workload,
      devices::layer_data(sized.workload, sized.spec.precision, pattern, 1, weights));
  const accel::AccelSpec& s = sized.spec;
  const accel::ResourceEstimate& r = sized.resources;
  int64_t stalls = 0, idle = 0, busy = 0;
  for (const auto& op : sim.ops) {
    stalls += op.conflict_stall_cycles;
    idle += op.idle_pe_cycles;
    busy += op.busy_pe_cycles;
  }
  const double utilization =
      static_cast<double>(sim.macs) /
      (static_cast<double>(accel::peak_macs_per_cycle(s)) * static_cast<double>(sim.total_cycles));
  const std::string source =
      o.model_dir.empty() ? o.family + " task shape, random weights (seed 1)"
                          : o.model_dir + " (its encoder weights; dense heads random, seed 1)";
  if (o.json) {
    nlohmann::json j = {{"command", "simulate"},
                        {"model", source},
                        {"device", device.id},
                        {"pattern", std::string(sparsity::pattern_name(pattern))},
                        {"sparsity", o.sparsity},
                        {"seq", candidate.seq},
                        {"batch", candidate.batch},
                        {"provenance", "simulated"},
                        {"total_cycles", sim.total_cycles},
                        {"latency_us", sim.latency_us},
                        {"macs", sim.macs},
                        {"utilization", utilization},
                        {"conflict_stall_cycles", stalls},
                        {"idle_pe_cycles", idle},
                        {"busy_pe_cycles", busy},
                        {"modeled_hp_cycles", sized.latency.total_cycles},
                        {"accelerator", accel::sized_config_json(sized)},
                        {"resources",
                         {{"provenance", "modeled"},
                          {"dsp", r.dsp},
                          {"bram36", r.bram36},
                          {"uram", r.uram},
                          {"lut", r.lut},
                          {"ff", r.ff},
                          {"usable_fraction", device.fpga->usable_fraction},
                          {"device_dsp", device.fpga->dsp},
                          {"device_bram36", device.fpga->bram36},
                          {"device_uram", device.fpga->uram},
                          {"device_lut", device.fpga->lut},
                          {"device_ff", device.fpga->ff}}},
                        {"ops", nlohmann::json::array()}};
    for (const auto& op : sim.ops) j["ops"].push_back(op_json(op));
    fmt::print("{}\n", j.dump(2));
    return;
  }
  fmt::print("{} on {} ({}), pattern {} at sparsity {:.2f}, seq {} batch {}\n", source, device.id,
             device.name, sparsity::pattern_name(pattern), o.sparsity, candidate.seq,
             candidate.batch);
  fmt::print(
      "accelerator (sized for HP, modeled): P={} B={} Bc={} lanes={} {} @ {:.0f} MHz, "
      "weights {} in {} ({} KiB), act {} KiB, out {} KiB, {:.1f} GB/s, {} vector lanes\n",
      s.pes, s.banks, s.block_cols, s.token_lanes, accel::precision_name(s.precision), s.clock_mhz,
      sized.mapping.weights_resident ? "resident" : "streamed", accel::memory_name(s.weight_memory),
      s.weight_buffer_bytes / 1024, s.act_buffer_bytes / 1024, s.out_buffer_bytes / 1024,
      s.offchip_gbs, s.vector_lanes);
  fmt::print(
      "resources (modeled; LUT/FF constants are estimates): DSP {}/{}  BRAM36 {}/{}  "
      "URAM {}/{}  LUT {}/{}  FF {}/{}  (usable fraction {:.2f})\n",
      r.dsp, device.fpga->dsp, r.bram36, device.fpga->bram36, r.uram, device.fpga->uram, r.lut,
      device.fpga->lut, r.ff, device.fpga->ff, device.fpga->usable_fraction);
  fmt::print("{:<24} {:>10} {:>11} {:>10} {:>12} {:>12} {:>6}  {}\n", "op", "cycles", "compute",
             "exposed xfer", "stall PE-cyc", "idle PE-cyc", "util", "provenance");
  for (const auto& op : sim.ops) {
    fmt::print("{:<24} {:>10} {:>11} {:>10} {:>12} {:>12} {:>5.1f}%  {}\n", op.name, op.cycles,
               op.compute_cycles, op.exposed_transfer_cycles, op.conflict_stall_cycles,
               op.idle_pe_cycles, op.utilization * 100, accel::provenance_name(op.provenance));
  }
  fmt::print(
      "total: {} cycles = {:.1f} us (simulated), utilization {:.1f}%, conflict stalls {} "
      "PE-cycles, idle {} PE-cycles; the analytical model gives {} cycles for HP\n",
      sim.total_cycles, sim.latency_us, utilization * 100, stalls, idle,
      sized.latency.total_cycles);
}

}  // namespace

void add_simulate_command(CLI::App& app) {
  auto o = std::make_shared<SimulateOptions>();
  CLI::App* cmd = app.add_subcommand(
      "simulate",
      "Size the HP accelerator for an FPGA and run a model through its cycle simulator");
  cmd->add_option("--model", o->model_dir,
                  "A dense model folder: its shape and its encoder weights, pruned here");
  cmd->add_option("--family", o->family, "causal-lm or bert-classifier: the task model's shape");
  cmd->add_option("--device", o->device, "An FPGA of the catalog")->capture_default_str();
  cmd->add_option("--catalog", o->catalog, "A device catalog TOML")->capture_default_str();
  cmd->add_option("--pattern", o->pattern, "hp, unstructured, block or bank-balanced")
      ->capture_default_str();
  cmd->add_option("--sparsity", o->sparsity, "Sparsity of the encoder linears")
      ->capture_default_str();
  cmd->add_option("--rho1", o->rho1, "HP level-1 density (default: rho2 = 0.5)");
  cmd->add_option("--precision", o->precision, "int8 or fp32 (int16 on the FPGA)")
      ->capture_default_str();
  cmd->add_option("--seq", o->seq, "Sequence length (default 64 causal-lm, 128 bert)");
  cmd->add_option("--batch", o->batch, "Batch")->capture_default_str();
  cmd->add_flag("--json", o->json, "Machine-readable output");
  cmd->callback([o] { run_simulate(*o); });
}

}  // namespace fitformer::cli
