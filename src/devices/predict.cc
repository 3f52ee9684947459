// predict_latency: one catalog device, one candidate model, one labelled latency.
#include "devices/predict.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "accel/analytical.h"
#include "core/error.h"
#include "core/files.h"
#include "core/hash.h"
#include "core/random.h"
#include "devices/fpga_sim.h"
#include "devices/roofline.h"
#include "format/hpf_safetensors.h"
#include "io/safetensors.h"
#include "model/bert_classifier.h"
#include "model/causal_lm.h"
#include "model/weights.h"
#include "runtime/prune.h"
#include "runtime/sparse_model.h"

namespace fitformer::devices {
namespace fs = std::filesystem;
namespace {

std::string device_file(const io::DeviceSpec& device) {
  return "catalog device \"" + device.id + "\"";
}

accel::Precision accel_precision(NumberFormat format) {
  return format == NumberFormat::kInt8 ? accel::Precision::kInt8 : accel::Precision::kInt16;
}

int64_t value_bytes(NumberFormat format) {
  return format == NumberFormat::kInt8 ? 1 : 4;
}

LatencyEstimate predict_fpga(const io::DeviceSpec& device, const CandidateModel& model,
                             const PredictOptions& options) {
  if (!device.fpga) {
    throw Error(device_file(device), "fpga", "a [device.fpga] table for an FPGA", "none");
  }
  accel::SizingProblem problem;
  problem.model = model.config;
  problem.seq = model.seq;
  problem.batch = model.batch;
  problem.plan = hp_plan(model);
  problem.precisions = {accel_precision(model.precision)};
  if (model.banks_fixed) problem.banks = {model.banks};
  LatencyEstimate e;
  e.device_id = device.id;
  e.kind = device.kind;
  e.provenance = Provenance::kModeled;
  accel::SizedAccel sized = accel::size_accelerator(device, problem);
  e.verdict = sized.verdict;
  if (sized.verdict.ok) {
    const accel::AccelSpec& s = sized.spec;
    e.latency_us = sized.latency.latency_us;
    e.method = fmt::format(
        "HP accelerator P={} B={} Bc={} lanes={} {} @ {:.0f} MHz, weights {}; analytical model",
        s.pes, s.banks, s.block_cols, s.token_lanes, accel::precision_name(s.precision),
        s.clock_mhz, sized.mapping.weights_resident ? "resident" : "streamed");
    if (options.simulate_fpga) {
      const accel::SimResult sim =
          simulate_random(s, sized.mapping, sized.workload, sparsity::Pattern::kHp, 1);
      e.simulated_us = sim.latency_us;
    }
  } else {
    e.method = "no accelerator configuration fits: " + sized.verdict.reason;
  }
  e.accel = std::move(sized);
  return e;
}

LatencyEstimate predict_roofline(const io::DeviceSpec& device, const CandidateModel& model) {
  const int64_t vb = value_bytes(model.precision);
  const double peak = peak_ops_per_s(device, vb);  // checks the kind's spec
  if (!(device.memory_bandwidth_gbs > 0)) {
    throw Error(device_file(device), "memory_bandwidth_gbs", "> 0",
                fmt::format("{}", device.memory_bandwidth_gbs));
  }
  const RooflineFactors f = roofline_factors(device.kind);
  const accel::Workload w =
      accel::build_workload(model.config, model.seq, model.batch, hp_plan(model));
  LatencyEstimate e;
  e.device_id = device.id;
  e.kind = device.kind;
  e.provenance = Provenance::kModeled;
  for (const RooflineOp& op : roofline_ops(w, vb)) {
    const double eff = op.cls == RooflineOp::Class::kDense    ? f.dense_compute
                       : op.cls == RooflineOp::Class::kSparse ? f.sparse_compute
                                                              : f.vector_compute;
    const double bw = device.memory_bandwidth_gbs * 1e9;
    OpLatency o{.name = op.name, .flops = op.flops, .bytes = op.bytes};
    o.time_us = roofline_time_us(op.flops, op.bytes, peak, bw, eff, f.bandwidth);
    o.compute_bound = op.flops / (peak * eff) >= op.bytes / (bw * f.bandwidth);
    e.latency_us += o.time_us + f.op_overhead_us;
    e.overhead_us += f.op_overhead_us;
    e.ops.push_back(std::move(o));
  }
  e.method = fmt::format(
      "roofline, {} peak {:.0f} GOP/s, {:.0f} GB/s; efficiencies (estimates) "
      "dense {:.2f} sparse {:.2f} vector {:.2f} memory {:.2f}, {:.0f} us per op",
      number_format_name(model.precision), peak / 1e9, device.memory_bandwidth_gbs, f.dense_compute,
      f.sparse_compute, f.vector_compute, f.bandwidth, f.op_overhead_us);
  return e;
}

bool holds_hpf(const fs::path& dir) {
  return !format::hpf_matrix_names(io::SafeTensorsFile::open(dir / model::kWeightsFileName))
              .empty();
}

std::string host_cache_key(const io::DeviceSpec& device, const CandidateModel& m,
                           const PredictOptions& options) {
  ContentHash h;
  h.add(std::string_view("fitformer devices host measurement v1"));
  h.add(std::string_view(device.id));
  h.add(std::string_view(io::model_config_json(m.config)));
  h.add(std::string_view(sparsity::pattern_name(m.pattern)));
  h.add(m.sparsity).add(m.rho1.value_or(-1)).add(m.rho2.value_or(-1));
  h.add(std::string_view(number_format_name(m.precision)));
  h.add(m.seq).add(m.batch).add(m.block_cols).add(m.banks);
  h.add(static_cast<int64_t>(options.host_threads));
  h.add(static_cast<int64_t>(options.timing.warmup))
      .add(static_cast<int64_t>(options.timing.min_reps));
  h.add(options.timing.min_seconds);
  if (!m.model_dir.empty()) {
    h.add_file((m.model_dir / model::kConfigFileName).string());
    h.add_file((m.model_dir / model::kWeightsFileName).string());
  }
  return h.hex();
}

// Builds (or takes) the pruned folder and times sparse_forward on it.
runtime::Timing measure_host(const CandidateModel& m, const PredictOptions& options,
                             const fs::path& scratch) {
  fs::path dense_dir = m.model_dir;
  fs::path run_dir;
  if (dense_dir.empty()) {
    dense_dir = scratch / "dense";
    model::write_model_folder(
        dense_dir, m.config,
        model::random_tensors(m.config.family == io::ModelFamily::kCausalLm
                                  ? model::causal_lm_tensor_specs(m.config)
                                  : model::bert_classifier_tensor_specs(m.config),
                              1));
  } else if (io::load_model_config(m.model_dir / model::kConfigFileName) != m.config) {
    throw Error((m.model_dir / model::kConfigFileName).string(), "config",
                "the candidate's model config", "a different one");
  }
  if (!m.model_dir.empty() && holds_hpf(m.model_dir)) {
    run_dir = m.model_dir;
  } else if (m.sparsity > 0) {
    runtime::HpPruneSpec prune;
    prune.sparsity = m.sparsity;
    prune.rho1 = m.rho1;
    prune.rho2 = m.rho2;
    prune.block_cols = m.block_cols;
    prune.banks = m.banks;
    prune.value_type =
        m.precision == NumberFormat::kInt8 ? format::ValueType::kI8 : format::ValueType::kF32;
    run_dir = scratch / "pruned";
    runtime::prune_model_folder(dense_dir, run_dir, prune);
  } else {
    run_dir = dense_dir;
  }
  const runtime::SparseModel sm = runtime::load_sparse_model(run_dir);
  model::TokenBatch batch;
  batch.batch_size = m.batch;
  batch.seq_len = m.seq;
  Rng rng(17);
  batch.token_ids.resize(static_cast<size_t>(m.batch * m.seq));
  for (int32_t& t : batch.token_ids) {
    t = static_cast<int32_t>(rng.below(static_cast<uint64_t>(m.config.vocab_size)));
  }
  model::RunConfig run;
  run.num_threads = options.host_threads;
  int64_t numel = 1;
  for (const int64_t d : runtime::output_shape(sm, batch)) numel *= d;
  std::vector<float> out(static_cast<size_t>(numel));
  return runtime::time_interleaved({[&] { runtime::sparse_forward(sm, batch, run, out); }},
                                   options.timing)[0];
}

LatencyEstimate predict_host(const io::DeviceSpec& device, const CandidateModel& m,
                             const PredictOptions& options) {
  if (m.pattern != sparsity::Pattern::kHp) hp_plan(m);  // the same refusal as elsewhere
  LatencyEstimate e;
  e.device_id = device.id;
  e.kind = device.kind;
  e.provenance = Provenance::kMeasured;
  if (device.cpu || device.gpu) e.roofline_us = predict_roofline(device, m).latency_us;
  const std::string key = host_cache_key(device, m, options);
  const fs::path cache_file =
      options.cache_dir.empty() ? fs::path() : options.cache_dir / "devices" / (key + ".json");
  e.method = fmt::format(
      "fitformer's sparse runtime on this host, {} thread(s), {} weights, "
      "median of timed forwards",
      options.host_threads, m.precision == NumberFormat::kInt8 ? "i8" : "f32");
  if (!cache_file.empty() && !options.remeasure && fs::exists(cache_file)) {
    const auto j = nlohmann::json::parse(read_file(cache_file), nullptr, false);
    if (!j.is_discarded() && j.contains("median_us") && j.contains("reps")) {
      e.latency_us = j["median_us"].get<double>();
      e.reps = j["reps"].get<int64_t>();
      e.from_cache = true;
      return e;
    }
  }
  const fs::path scratch =
      (options.cache_dir.empty() ? fs::temp_directory_path() : options.cache_dir / "devices") /
      ("scratch-" + key);
  fs::remove_all(scratch);
  runtime::Timing t;
  try {
    t = measure_host(m, options, scratch);
  } catch (...) {
    fs::remove_all(scratch);
    throw;
  }
  fs::remove_all(scratch);
  e.latency_us = t.median_us;
  e.reps = t.reps;
  if (!cache_file.empty()) {
    const nlohmann::json j = {{"device", device.id},
                              {"median_us", t.median_us},
                              {"min_us", t.min_us},
                              {"reps", t.reps},
                              {"provenance", "measured"}};
    write_file_atomic(cache_file, j.dump(2) + "\n");
  }
  return e;
}

}  // namespace

std::string_view number_format_name(NumberFormat format) {
  return kNumberFormatNames[static_cast<size_t>(format)];
}

NumberFormat parse_number_format(std::string_view name) {
  for (size_t i = 0; i < kNumberFormatNames.size(); ++i) {
    if (kNumberFormatNames[i] == name) return static_cast<NumberFormat>(i);
  }
  throw Error("", "precision", "int8 or fp32", std::string(name));
}

io::ModelConfig task_model_config(std::string_view family) {
  if (family == "causal-lm") {
    io::ModelConfig c = io::default_model_config(io::ModelFamily::kCausalLm);
    c.vocab_size = 8000;
    c.hidden_size = 128;
    c.num_hidden_layers = 2;
    c.num_attention_heads = 4;
    c.intermediate_size = 512;
    return c;
  }
  if (family == "bert-classifier") {
    io::ModelConfig c = io::default_model_config(io::ModelFamily::kBertClassifier);
    c.vocab_size = 8000;
    c.hidden_size = 312;
    c.num_hidden_layers = 4;
    c.num_attention_heads = 12;
    c.intermediate_size = 1200;
    return c;
  }
  throw Error("", "family", "causal-lm or bert-classifier", std::string(family));
}

accel::HpPlan hp_plan(const CandidateModel& model) {
  if (model.pattern != sparsity::Pattern::kHp) {
    throw Error("", "pattern", "hp (latency is predicted for HP models)",
                std::string(sparsity::pattern_name(model.pattern)));
  }
  return accel::HpPlan{.sparsity = model.sparsity,
                       .rho1 = model.rho1,
                       .rho2 = model.rho2,
                       .block_cols = model.block_cols,
                       .banks = model.banks};
}

LatencyEstimate predict_latency(const io::DeviceSpec& device, const CandidateModel& model,
                                const PredictOptions& options) {
  if (device.is_host) return predict_host(device, model, options);
  if (device.kind == io::DeviceKind::kFpga) return predict_fpga(device, model, options);
  return predict_roofline(device, model);
}

std::vector<LatencyEstimate> predict_catalog(const std::vector<io::DeviceSpec>& devices,
                                             const CandidateModel& model,
                                             const PredictOptions& options) {
  std::vector<LatencyEstimate> out;
  out.reserve(devices.size());
  for (const auto& d : devices) out.push_back(predict_latency(d, model, options));
  if (!options.calibrate_cpus) return out;
  std::optional<double> factor;
  for (const LatencyEstimate& e : out)
    if (e.provenance == Provenance::kMeasured && e.roofline_us && *e.roofline_us > 0)
      factor = e.latency_us / *e.roofline_us;
  if (!factor) return out;
  for (size_t i = 0; i < out.size(); ++i) {
    LatencyEstimate& e = out[i];
    if (devices[i].kind != io::DeviceKind::kCpu || devices[i].is_host) continue;
    e.roofline_us = e.latency_us;
    e.calibration = *factor;
    e.latency_us *= *factor;
    e.method += fmt::format("; x{:.2f}, this host's measured / roofline ratio", *factor);
  }
  return out;
}

}  // namespace fitformer::devices
