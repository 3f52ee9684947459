// predict_latency: one catalog device, one candidate model, one labelled latency.
#include "devices/predict.h"

#include <fmt/format.h>

#include <algorithm>

#include "accel/analytical.h"
#include "core/error.h"
#include "core/files.h"
#include "core/hash.h"
#include "core/locations.h"
#include "core/random.h"
#include "devices/closest_fit.h"
#include "devices/fpga_sim.h"
#include "devices/host_cache.h"
#include "devices/roofline.h"
#include "format/hpf_folder.h"
#include "format/hpf_safetensors.h"
#include "io/safetensors.h"
#include "model/bert_classifier.h"
#include "model/causal_lm.h"
#include "model/recipe_config.h"
#include "model/weights.h"
#include "runtime/magnitude_prune.h"
#include "runtime/sparse_model.h"

namespace fitformer::devices {
namespace fs = std::filesystem;
namespace {

std::string device_file(const io::DeviceSpec& device) {
  return "catalog device \"" + device.id + "\"";
}

using format::Precision;

// A folder pruned with the candidate's plan: B is its, not the FPGA search's to choose.
bool pruned_folder(const Candidate& c) {
  return !c.model_dir.empty() && sparsity::is_pruned(c.plan);
}

// The accelerator's datapath for a deployed precision: int8 as is, anything wider on int16.
Precision accel_precision(Precision precision) {
  return precision == Precision::kInt8 ? Precision::kInt8 : Precision::kInt16;
}

// Bytes per value on a processor: int8, else fp32 (no processor peak is listed for int16).
int64_t value_bytes(Precision precision) {
  return precision == Precision::kInt8 ? 1 : 4;
}

Prediction predict_fpga(const io::DeviceSpec& device, const CandidateModel& model,
                        const PredictOptions& options) {
  if (!device.fpga) {
    throw Error(device_file(device), "fpga", "a [device.fpga] table for an FPGA", "none");
  }
  accel::SizingProblem problem;
  problem.model = model.config;
  problem.seq = model.seq;
  problem.batch = model.batch;
  problem.plan = model.candidate.plan;
  problem.precisions = {accel_precision(model.candidate.precision)};
  if (pruned_folder(model.candidate)) problem.banks = {model.candidate.plan.banks};
  Prediction e;
  e.device_id = device.id;
  e.kind = device.kind;
  e.provenance = Provenance::kModeled;
  io::DeviceSpec clocked = device;
  clocked.fpga->clock_mhz *= options.assumptions.fpga_clock_scale;
  accel::SizedAccel sized = accel::size_accelerator(clocked, problem);
  e.verdict = sized.verdict;
  if (sized.verdict.ok) {
    const accel::AccelSpec& s = sized.spec;
    e.latency_us = sized.latency.latency_us;
    e.method = fmt::format(
        "HP accelerator P={} B={} Bc={} lanes={} {} @ {:.0f} MHz, weights {}; analytical model",
        s.pes, s.banks, s.block_cols, s.token_lanes, format::precision_name(s.precision),
        s.clock_mhz, sized.mapping.weights_resident ? "resident" : "streamed");
    if (options.simulate_fpga) {
      const accel::SimResult sim =
          simulate_random(s, sized.mapping, sized.workload, sparsity::Pattern::kHp, 1);
      e.simulated_us = sim.latency_us;
    }
  } else {
    e.closest = closest_design(clocked, problem);
    if (e.closest) e.verdict.reason += "; the closest design " + shortfall(*e.closest, clocked);
    e.method = "no accelerator configuration fits: " + e.verdict.reason;
  }
  e.accel = std::move(sized);
  return e;
}

Prediction predict_roofline(const io::DeviceSpec& device, const CandidateModel& model,
                            const Assumptions& assumptions) {
  const int64_t vb = value_bytes(model.candidate.precision);
  const double peak = peak_ops_per_s(device, vb);  // checks the kind's spec
  if (!(device.memory_bandwidth_gbs > 0)) {
    throw Error(device_file(device), "memory_bandwidth_gbs", "> 0",
                fmt::format("{}", device.memory_bandwidth_gbs));
  }
  RooflineFactors f = roofline_factors(device.kind);
  if (device.kind == io::DeviceKind::kGpu && assumptions.gpu_op_overhead_us)
    f.op_overhead_us = *assumptions.gpu_op_overhead_us;
  const accel::Workload w =
      accel::build_workload(model.config, model.seq, model.batch, model.candidate.plan);
  Prediction e;
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
      format::precision_name(model.candidate.precision), peak / 1e9, device.memory_bandwidth_gbs,
      f.dense_compute, f.sparse_compute, f.vector_compute, f.bandwidth, f.op_overhead_us);
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
  const sparsity::HpPlan& plan = m.candidate.plan;
  h.add(std::string_view("hp"));
  h.add(plan.sparsity).add(plan.rho1.value_or(-1)).add(plan.rho2.value_or(-1));
  h.add(std::string_view(format::precision_name(m.candidate.precision)));
  h.add(m.seq).add(m.batch).add(plan.block_cols).add(plan.banks);
  h.add(static_cast<int64_t>(options.host_threads));
  h.add(static_cast<int64_t>(options.timing.warmup))
      .add(static_cast<int64_t>(options.timing.min_reps));
  h.add(options.timing.min_seconds);
  if (!m.candidate.model_dir.empty()) {
    h.add_file((m.candidate.model_dir / model::kConfigFileName).string());
    h.add_file((m.candidate.model_dir / model::kWeightsFileName).string());
  }
  return h.hex();
}

// The folder the host runs for a candidate, at the HPF value type of its precision (i8 for
// int8, else f32): a pruned folder's HPF form (hpf/, written from the model's own mask when it
// was pruned) re-encoded with that mask, a folder of HPF matrices as is, a dense model as is,
// or a dense folder (random weights when the candidate has none) that the plan prunes, pruned
// here by magnitude: the one place that model's mask is chosen.
fs::path host_model_folder(const CandidateModel& m, const fs::path& scratch) {
  const Candidate& c = m.candidate;
  const format::ValueType type =
      c.precision == Precision::kInt8 ? format::ValueType::kI8 : format::ValueType::kF32;
  const fs::path dense =
      c.model_dir.empty() ? random_model_folder(m.config, scratch / "dense") : c.model_dir;
  if (io::load_model_config(dense / model::kConfigFileName) != m.config)
    throw Error((dense / model::kConfigFileName).string(), "config", "the candidate's model config",
                "a different one");
  if (holds_hpf(dense) || !sparsity::is_pruned(c.plan)) return dense;
  const fs::path hpf_form = dense / "hpf";
  if (fs::exists(hpf_form / model::kWeightsFileName)) {
    if (type == format::ValueType::kF32) return hpf_form;
    format::convert_hpf_folder(hpf_form, scratch / "pruned", type);
    return scratch / "pruned";
  }
  runtime::HpPruneSpec prune;
  static_cast<sparsity::HpPlan&>(prune) = c.plan;
  prune.value_type = type;
  runtime::prune_model_folder(dense, scratch / "pruned", prune);
  return scratch / "pruned";
}

// The median time of sparse_forward on one batch of random tokens (seed 17).
runtime::Timing time_host_forward(const fs::path& folder, const CandidateModel& m,
                                  const PredictOptions& options) {
  const runtime::SparseModel sm = runtime::load_sparse_model(folder);
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

Prediction predict_host(const io::DeviceSpec& device, const CandidateModel& m,
                        const PredictOptions& options) {
  Prediction e;
  e.device_id = device.id;
  e.kind = device.kind;
  e.provenance = Provenance::kMeasured;
  if (device.cpu || device.gpu)
    e.roofline_us = predict_roofline(device, m, options.assumptions).latency_us;
  const std::string key = host_cache_key(device, m, options);
  const fs::path cache_file =
      options.cache_dir.empty() ? fs::path() : options.cache_dir / "devices" / (key + ".json");
  e.method = fmt::format(
      "fitformer's sparse runtime on this host, {} thread(s), {} weights, "
      "median of timed forwards",
      options.host_threads, m.candidate.precision == Precision::kInt8 ? "i8" : "f32");
  if (!cache_file.empty() && !options.remeasure) {
    if (const auto cached = read_host_measurement(cache_file, device.id)) {
      e.latency_us = cached->median_us;
      e.reps = cached->reps;
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
    t = time_host_forward(host_model_folder(m, scratch), m, options);
  } catch (...) {
    fs::remove_all(scratch);
    throw;
  }
  fs::remove_all(scratch);
  e.latency_us = t.median_us;
  e.reps = t.reps;
  if (!cache_file.empty())
    write_host_measurement(cache_file, device.id, {t.median_us, t.min_us, t.reps});
  return e;
}

}  // namespace

fs::path random_model_folder(const io::ModelConfig& config, const fs::path& dir) {
  model::write_model_folder(dir, config,
                            model::random_tensors(config.family == io::ModelFamily::kCausalLm
                                                      ? model::causal_lm_tensor_specs(config)
                                                      : model::bert_classifier_tensor_specs(config),
                                                  1));
  return dir;
}

io::ModelConfig task_model_config(std::string_view family) {
  struct TaskModel {
    std::string_view family, recipe, profile;
    int labels;  // spam-cls: ham, spam (data/spam.cc)
  };
  static constexpr TaskModel kTaskModels[] = {{"causal-lm", "sotu-lm.toml", "quick", 0},
                                              {"bert-classifier", "spam-cls.toml", "", 2}};
  for (const TaskModel& t : kTaskModels) {
    if (t.family != family) continue;
    const io::Recipe recipe = io::load_recipe(default_locations().resources / "recipes" / t.recipe,
                                              std::string(t.profile));
    io::ModelConfig c = model::recipe_model_config(recipe, recipe.tokenizer.vocab_size, t.labels);
    c.max_position_embeddings = io::ModelConfig{}.max_position_embeddings;
    return c;
  }
  throw Error("", "family", "causal-lm or bert-classifier", std::string(family));
}

Prediction predict_latency(const io::DeviceSpec& device, const CandidateModel& model,
                           const PredictOptions& options) {
  if (device.is_host) return predict_host(device, model, options);
  if (device.kind == io::DeviceKind::kFpga) return predict_fpga(device, model, options);
  return predict_roofline(device, model, options.assumptions);
}

std::vector<Prediction> predict_catalog(const std::vector<io::DeviceSpec>& devices,
                                        const CandidateModel& model,
                                        const PredictOptions& options) {
  std::vector<Prediction> out;
  out.reserve(devices.size());
  for (const auto& d : devices) out.push_back(predict_latency(d, model, options));
  if (!options.assumptions.calibrate_cpus) return out;
  std::optional<double> factor;
  for (const Prediction& e : out)
    if (e.provenance == Provenance::kMeasured && e.roofline_us && *e.roofline_us > 0)
      factor = e.latency_us / *e.roofline_us;
  if (!factor) return out;
  for (size_t i = 0; i < out.size(); ++i) {
    Prediction& e = out[i];
    if (devices[i].kind != io::DeviceKind::kCpu || devices[i].is_host) continue;
    e.roofline_us = e.latency_us;
    e.calibration = *factor;
    e.latency_us *= *factor;
    e.method += fmt::format("; x{:.2f}, this host's measured / roofline ratio", *factor);
  }
  return out;
}

}  // namespace fitformer::devices
