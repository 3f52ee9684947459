// `fitformer simulate`: sizes the HP accelerator (or, with --design dense, the dense baseline
// design for the unpruned model) for one FPGA, then runs the model through the cycle-level
// simulator with the chosen pattern, printing per-layer cycles, utilization, stalls, the
// resource use and the chosen parameters.
#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <variant>

#include "accel/analytical.h"
#include "accel/dense_stream.h"
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
  std::string stream_packer;  // empty: HPF for hp, bank-interleaved for the others
  std::string design = "hp";  // or "dense": the dense baseline design on the dense model
  sparsity::HpPlan plan;
  std::string precision = "int8";
  int64_t seq = 0;  // 0: 64 for the causal LM, 128 for BERT
  int64_t batch = 1;
  bool json = false;
};

io::DeviceSpec find_device(const std::vector<io::DeviceSpec>& devices, const SimulateOptions& o) {
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

// What one simulation of a sized design gives, with the sums the summary prints.
struct Simulation {
  io::DeviceSpec device;
  sparsity::Pattern pattern = sparsity::Pattern::kHp;
  int64_t seq = 0, batch = 0;
  std::string source;  // where the weights come from
  std::string packer;  // "hpf" or a StreamOrder name (the pruned layers'; dense layers are HPF)
  int64_t weight_bytes = 0, padding_bytes = 0;  // Linear layers' packed weights, all layers
  int64_t image_bytes = 0;  // what the weight port streams for one pass (OpStats, simulated)
  accel::SizedAccel sized;
  accel::SimResult sim;
  int64_t stalls = 0, idle = 0, busy = 0;
  double utilization = 0;
};

// Sizes the accelerator for the HP model on the device, then runs the model through the cycle
// simulator with the chosen pattern on that same hardware.
Simulation simulate(const SimulateOptions& o) {
  if (o.model_dir.empty() == o.family.empty()) {
    throw Error("", "--model / --family", "exactly one of them", "both or neither");
  }
  const io::ModelConfig config =
      o.model_dir.empty()
          ? devices::task_model_config(o.family)
          : io::load_model_config(std::filesystem::path(o.model_dir) / model::kConfigFileName);
  Simulation r;
  r.pattern = sparsity::parse_pattern(o.pattern);
  std::optional<accel::StreamOrder> packer;
  if (!o.stream_packer.empty()) {
    packer = accel::parse_stream_order(o.stream_packer, "--stream-packer");
  }
  r.device = find_device(io::load_catalog(o.catalog), o);
  r.seq = o.seq > 0 ? o.seq : (config.family == io::ModelFamily::kCausalLm ? 64 : 128);
  r.batch = o.batch;
  accel::SizingProblem problem;
  problem.model = config;
  problem.seq = r.seq;
  problem.batch = r.batch;
  problem.plan = o.plan;
  problem.design = accel::parse_design(o.design);
  if (problem.design == accel::Design::kDense &&
      (sparsity::is_pruned(o.plan) || r.pattern != sparsity::Pattern::kHp)) {
    throw Error(
        "", "--design dense", "--sparsity 0 and no --pattern (it runs the dense model)",
        fmt::format("sparsity {}, pattern {}", o.plan.sparsity, sparsity::pattern_name(r.pattern)));
  }
  // An FPGA runs int8 as is and anything wider on its int16 datapath.
  problem.precisions = {format::parse_precision(o.precision) == format::Precision::kInt8
                            ? format::Precision::kInt8
                            : format::Precision::kInt16};
  r.sized = accel::size_accelerator(r.device, problem);
  if (!r.sized.verdict.ok) {
    throw Error(o.catalog, "--device", "an FPGA the model fits",
                r.device.id + ": " + r.sized.verdict.reason);
  }
  const devices::LayerWeights weights =
      o.model_dir.empty() ? devices::LayerWeights{}
                          : devices::model_folder_weights(o.model_dir, r.sized.workload);
  const auto layers = devices::layer_data(r.sized.workload, r.sized.spec.precision, r.pattern, 1,
                                          weights, packer, problem.design);
  r.packer = problem.design == accel::Design::kDense ? "dense (values only)"
             : packer                              ? std::string(accel::stream_order_name(*packer))
             : r.pattern == sparsity::Pattern::kHp ? "hpf"
                                                   : "bank-interleaved";
  for (const accel::LayerData& d : layers) {
    if (const auto* s = std::get_if<accel::StreamMatrix>(&d.weights)) {
      r.weight_bytes += s->bytes();
      r.padding_bytes += s->padding_bytes();
    } else if (const auto* m = std::get_if<accel::DenseMatrix>(&d.weights)) {
      r.weight_bytes +=
          static_cast<int64_t>(m->values.size()) * format::precision_bytes(m->precision);
    } else {
      r.weight_bytes += std::get<format::hpf::Matrix>(d.weights).bytes();
    }
  }
  r.sim = accel::simulate_workload(r.sized.spec, r.sized.mapping, r.sized.workload, layers);
  for (const auto& op : r.sim.ops) {
    r.stalls += op.conflict_stall_cycles;
    r.idle += op.idle_pe_cycles;
    r.image_bytes += op.weight_image_bytes;
    r.busy += op.busy_pe_cycles;
  }
  r.utilization = static_cast<double>(r.sim.macs) /
                  (static_cast<double>(accel::peak_macs_per_cycle(r.sized.spec)) *
                   static_cast<double>(r.sim.total_cycles));
  r.source = o.model_dir.empty()
                 ? o.family + " task shape, random weights (seed 1)"
                 : o.model_dir + " (its encoder weights; dense heads random, seed 1)";
  return r;
}

nlohmann::json simulation_json(const SimulateOptions& o, const Simulation& r) {
  const accel::ResourceEstimate& res = r.sized.resources;
  const io::FpgaSpec& fpga = *r.device.fpga;
  nlohmann::json j = {{"command", "simulate"},
                      {"model", r.source},
                      {"device", r.device.id},
                      {"design", std::string(accel::design_name(r.sized.spec.design))},
                      {"pattern", std::string(sparsity::pattern_name(r.pattern))},
                      {"stream_packer", r.packer},
                      {"weight_bytes", r.weight_bytes},
                      {"padding_bytes", r.padding_bytes},
                      {"weight_image_bytes", r.image_bytes},
                      {"sparsity", o.plan.sparsity},
                      {"seq", r.seq},
                      {"batch", r.batch},
                      {"provenance", "simulated"},
                      {"total_cycles", r.sim.total_cycles},
                      {"latency_us", r.sim.latency_us},
                      {"macs", r.sim.macs},
                      {"utilization", r.utilization},
                      {"conflict_stall_cycles", r.stalls},
                      {"idle_pe_cycles", r.idle},
                      {"busy_pe_cycles", r.busy},
                      {"modeled_cycles", r.sized.latency.total_cycles},
                      {"accelerator", accel::sized_config_json(r.sized)},
                      {"resources",
                       {{"provenance", "modeled"},
                        {"dsp", res.dsp},
                        {"bram36", res.bram36},
                        {"uram", res.uram},
                        {"lut", res.lut},
                        {"ff", res.ff},
                        {"usable_fraction", fpga.usable_fraction},
                        {"device_dsp", fpga.dsp},
                        {"device_bram36", fpga.bram36},
                        {"device_uram", fpga.uram},
                        {"device_lut", fpga.lut},
                        {"device_ff", fpga.ff}}},
                      {"ops", nlohmann::json::array()}};
  for (const auto& op : r.sim.ops) j["ops"].push_back(op_json(op));
  return j;
}

void print_simulation(const SimulateOptions& o, const Simulation& r) {
  const accel::AccelSpec& s = r.sized.spec;
  const accel::ResourceEstimate& res = r.sized.resources;
  const io::FpgaSpec& fpga = *r.device.fpga;
  fmt::print("{} on {} ({}), pattern {} at sparsity {:.2f}, seq {} batch {}\n", r.source,
             r.device.id, r.device.name, sparsity::pattern_name(r.pattern), o.plan.sparsity, r.seq,
             r.batch);
  fmt::print(
      "weights packed as {} (pruned layers; dense ones HPF): {} bytes in all, {} of them "
      "padding; the array streams {} bytes per pass\n",
      r.packer, r.weight_bytes, r.padding_bytes, r.image_bytes);
  fmt::print(
      "accelerator ({} design, sized for this model, modeled): P={} B={} Bc={} lanes={} {} @ "
      "{:.0f} MHz, weights {} in {} ({} KiB), act {} KiB, out {} KiB, {:.1f} GB/s, {} vector "
      "lanes\n",
      accel::design_name(s.design), s.pes, s.banks, s.block_cols, s.token_lanes,
      format::precision_name(s.precision), s.clock_mhz,
      r.sized.mapping.weights_resident ? "resident" : "streamed",
      accel::memory_name(s.weight_memory), s.weight_buffer_bytes / 1024, s.act_buffer_bytes / 1024,
      s.out_buffer_bytes / 1024, s.offchip_gbs, s.vector_lanes);
  fmt::print(
      "resources (modeled; LUT/FF constants fitted to Yosys): DSP {}/{}  BRAM36 {}/{}  "
      "URAM {}/{}  LUT {}/{}  FF {}/{}  (usable fraction {:.2f})\n",
      res.dsp, fpga.dsp, res.bram36, fpga.bram36, res.uram, fpga.uram, res.lut, fpga.lut, res.ff,
      fpga.ff, fpga.usable_fraction);
  fmt::print("{:<24} {:>10} {:>11} {:>10} {:>12} {:>12} {:>6}  {}\n", "op", "cycles", "compute",
             "exposed xfer", "stall PE-cyc", "idle PE-cyc", "util", "provenance");
  for (const auto& op : r.sim.ops) {
    fmt::print("{:<24} {:>10} {:>11} {:>10} {:>12} {:>12} {:>5.1f}%  {}\n", op.name, op.cycles,
               op.compute_cycles, op.exposed_transfer_cycles, op.conflict_stall_cycles,
               op.idle_pe_cycles, op.utilization * 100, accel::provenance_name(op.provenance));
  }
  fmt::print(
      "total: {} cycles = {:.1f} us (simulated), utilization {:.1f}%, conflict stalls {} "
      "PE-cycles, idle {} PE-cycles; the analytical model gives {} cycles (modeled)\n",
      r.sim.total_cycles, r.sim.latency_us, r.utilization * 100, r.stalls, r.idle,
      r.sized.latency.total_cycles);
}

void run_simulate(const SimulateOptions& o) {
  const Simulation r = simulate(o);
  if (o.json)
    fmt::print("{}\n", simulation_json(o, r).dump(2));
  else
    print_simulation(o, r);
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
  cmd->add_option("--stream-packer", o->stream_packer,
                  "How the pruned layers' weights are packed: column, bank-interleaved or padded "
                  "(a stream; default: HPF for hp, bank-interleaved for the other patterns)");
  cmd->add_option("--design", o->design,
                  "hp, or dense: the dense baseline accelerator (no indices) on the unpruned "
                  "model, sized by the same search (needs --sparsity 0)")
      ->capture_default_str();
  cmd->add_option("--sparsity", o->plan.sparsity, "Sparsity of the encoder linears")
      ->capture_default_str();
  cmd->add_option("--rho1", o->plan.rho1, "HP level-1 density (default: rho2 = 0.5)");
  cmd->add_option("--precision", o->precision, "int8 or fp32 (int16 on the FPGA)")
      ->capture_default_str();
  cmd->add_option("--seq", o->seq, "Sequence length (default 64 causal-lm, 128 bert)");
  cmd->add_option("--batch", o->batch, "Batch")->capture_default_str();
  cmd->add_flag("--json", o->json, "Machine-readable output");
  cmd->callback([o] { run_simulate(*o); });
}

}  // namespace fitformer::cli
