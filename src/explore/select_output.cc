#include "explore/select_output.h"

#include <fmt/format.h>

#include <cmath>

#include "accel/sized_json.h"
#include "core/error.h"
#include "core/files.h"
#include "io/catalog.h"
#include "runtime/prune.h"

namespace fitformer::explore {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json optional_number(const std::optional<double>& v) {
  return v ? json(*v) : json(nullptr);
}

std::string provenance(Provenance p) {
  return std::string(accel::provenance_name(p));
}

const devices::LatencyEstimate* estimate_of(const SelectRun& run, const std::string& device,
                                            size_t candidate) {
  const auto it = run.predictor->estimates.find({device, candidate});
  return it == run.predictor->estimates.end() ? nullptr : &it->second;
}

json point_json(const SelectRun& run, const std::optional<PointOnDevice>& p) {
  if (!p) return nullptr;
  json j = {{"device", p->device_id},
            {"candidate", p->candidate},
            {"latency_us", p->latency_us},
            {"metric", p->metric_value}};
  if (const auto* e = estimate_of(run, p->device_id, p->candidate))
    j["provenance"] = provenance(e->provenance);
  return j;
}

// floor(count * usable_fraction): what the platform shell leaves.
int64_t usable(int count, double fraction) {
  return static_cast<int64_t>(std::floor(count * fraction));
}

json accelerator_json(const accel::SizedAccel& sized, const io::FpgaSpec& fpga) {
  const accel::ResourceEstimate& r = sized.resources;
  json j = accel::sized_config_json(sized);
  j["latency_us"] = sized.latency.latency_us;
  j["cycles"] = sized.latency.total_cycles;
  j["used"] = {
      {"dsp", r.dsp}, {"bram36", r.bram36}, {"uram", r.uram}, {"lut", r.lut}, {"ff", r.ff}};
  j["available"] = {{"dsp", usable(fpga.dsp, fpga.usable_fraction)},
                    {"bram36", usable(fpga.bram36, fpga.usable_fraction)},
                    {"uram", usable(fpga.uram, fpga.usable_fraction)},
                    {"lut", usable(fpga.lut, fpga.usable_fraction)},
                    {"ff", usable(fpga.ff, fpga.usable_fraction)}};
  j["part"] = fpga.part;
  j["provenance"] = "modeled";
  return j;
}

json candidate_json(const SelectRun& run, size_t i) {
  const CandidatePoint& c = run.loop.candidates[i];
  return {{"index", i},
          {"model", run.loop.candidate_model[i]},
          {"pattern", std::string(sparsity::pattern_name(c.pattern))},
          {"sparsity", c.sparsity},
          {"rho2", optional_number(c.rho2)},
          {"precision", std::string(runtime::precision_name(c.precision))},
          {"metric", c.metric},
          {"value", c.metric_value},
          {"meets_ac", meets(run.ac, c.metric_value)},
          {"provenance", provenance(c.provenance)}};
}

json device_json(const SelectRun& run, const io::DeviceSpec& d, const DeviceOutcome& out) {
  json j = {{"id", d.id},
            {"name", d.name},
            {"kind", std::string(io::device_kind_name(d.kind))},
            {"tier", d.tier},
            {"price_usd", d.price_usd},
            {"power_w", d.power_w},
            {"chosen", out.chosen},
            {"feasible", out.feasible},
            {"reason", out.reason},
            {"best", point_json(run, out.best)},
            {"latencies", json::array()}};
  for (const DeviceLatency& row : run.loop.latencies) {
    if (row.device_id != d.id) continue;
    json r = {{"candidate", row.candidate},
              {"latency_us", row.latency_us},
              {"provenance", provenance(row.provenance)},
              {"fits", row.fits.ok},
              {"reason", row.fits.reason}};
    if (const auto* e = estimate_of(run, d.id, row.candidate)) r["method"] = e->method;
    j["latencies"].push_back(std::move(r));
  }
  if (out.best && d.fpga)
    if (const auto* e = estimate_of(run, d.id, out.best->candidate); e && e->accel)
      j["accelerator"] = accelerator_json(*e->accel, *d.fpga);
  return j;
}

format::ValueType stored_type(runtime::Precision p) {
  switch (p) {
    case runtime::Precision::kInt8:
      return format::ValueType::kI8;
    case runtime::Precision::kInt16:
      return format::ValueType::kI16;
    case runtime::Precision::kFp32:
      return format::ValueType::kF32;
  }
  return format::ValueType::kF32;
}

// The dense model's files, copied through a sibling folder renamed into place.
void copy_model_folder(const fs::path& src, const fs::path& dst) {
  const fs::path partial = dst.string() + ".partial";
  fs::remove_all(partial);
  fs::create_directories(partial);
  for (const char* name : {"config.json", "model.safetensors", "tokenizer.model", "vocab.txt"})
    if (fs::exists(src / name)) fs::copy_file(src / name, partial / name);
  fs::remove_all(dst);
  fs::rename(partial, dst);
}

}  // namespace

json result_json(const SelectRun& run) {
  const Selection& sel = run.selection;
  json j = {{"command", run.command},
            {"recipe", run.recipe_file},
            {"profile", run.profile},
            {"task", run.task},
            {"constraints",
             {{"lc_us", run.lc_us},
              {"ac", to_string(run.ac)},
              {"metric", run.ac.metric},
              {"higher_is_better", run.ac.higher_is_better},
              {"threshold", run.ac.threshold},
              {"objective", std::string(objective_name(run.objective))},
              {"batch", run.predictor->batch},
              {"seq", run.predictor->seq},
              {"devices", run.subset}}},
            {"dense", {{"metric_fp32", run.dense_fp32_metric}}},
            {"feasible", sel.feasible},
            {"chosen", nullptr},
            {"models", json::array()},
            {"candidates", json::array()},
            {"trials", json::array()},
            {"devices", json::array()},
            {"nearest",
             {{"best_latency_at_ac", point_json(run, sel.best_latency_at_ac)},
              {"best_accuracy_at_lc", point_json(run, sel.best_accuracy_at_lc)}}},
            {"artifacts", json::object()}};
  if (sel.feasible) {
    const auto* e = estimate_of(run, sel.device_id, sel.candidate);
    j["chosen"] = {{"device", sel.device_id},
                   {"candidate", sel.candidate},
                   {"latency_us", sel.latency_us},
                   {"provenance", e ? provenance(e->provenance) : "modeled"},
                   {"objective_value", sel.objective_value}};
  }
  for (size_t i = 0; i < run.loop.models.size(); ++i) {
    const LoopModel& m = run.loop.models[i];
    j["models"].push_back({{"index", i},
                           {"sparsity", m.sparsity},
                           {"rho2", optional_number(m.rho2)},
                           {"dir", m.dir.string()}});
  }
  for (size_t i = 0; i < run.loop.candidates.size(); ++i)
    j["candidates"].push_back(candidate_json(run, i));
  for (const SparsityTrial& t : run.loop.trials)
    j["trials"].push_back({{"sparsity", t.sparsity}, {"best_metric", t.metric_value}});
  const std::vector<io::DeviceSpec>& devices = run.predictor->devices;
  for (size_t d = 0; d < devices.size(); ++d)
    j["devices"].push_back(device_json(run, devices[d], sel.devices.at(d)));
  return j;
}

Artifacts write_artifacts(const SelectRun& run, const fs::path& out_dir) {
  const Selection& sel = run.selection;
  if (!sel.feasible) throw Error("", "selection", "a chosen device", "none (infeasible)");
  const CandidatePoint& c = run.loop.candidates.at(sel.candidate);
  const LoopModel& m = run.loop.models.at(run.loop.candidate_model.at(sel.candidate));
  Artifacts a;
  a.model = out_dir / "model";
  std::string stored = "dense fp32 weights (quantized per row when loaded at int8/int16)";
  if (m.sparsity > 0) {
    runtime::HpPruneSpec spec;
    spec.sparsity = m.sparsity;
    spec.rho2 = m.rho2;
    spec.value_type = stored_type(c.precision);
    // B as the model was pruned and as the FPGA design was sized (loop_steps.cc fixes it).
    spec.banks = 8;
    runtime::prune_model_folder(m.dir, a.model, spec);
    for (const char* name : {"tokenizer.model", "vocab.txt"})
      if (fs::exists(m.dir / name))
        fs::copy_file(m.dir / name, a.model / name, fs::copy_options::overwrite_existing);
    stored =
        fmt::format("HPF, {} values with per-row scales", format::value_type_name(spec.value_type));
  } else {
    copy_model_folder(m.dir, a.model);
  }

  const io::DeviceSpec* device = nullptr;
  for (const io::DeviceSpec& d : run.predictor->devices)
    if (d.id == sel.device_id) device = &d;
  const devices::LatencyEstimate* e = estimate_of(run, sel.device_id, sel.candidate);
  json deployment = {{"device", sel.device_id},
                     {"device_name", device ? device->name : ""},
                     {"kind", device ? std::string(io::device_kind_name(device->kind)) : ""},
                     {"model", a.model.string()},
                     {"stored_as", stored},
                     {"pattern", "hp"},
                     {"sparsity", m.sparsity},
                     {"rho2", optional_number(m.sparsity > 0 ? m.rho2 : std::nullopt)},
                     {"block_cols", 64},
                     {"banks", 8},
                     {"precision", std::string(runtime::precision_name(c.precision))},
                     {c.metric, c.metric_value},
                     {"metric_provenance", "measured (valid split)"},
                     {"constraint", to_string(run.ac)},
                     {"latency_us", sel.latency_us},
                     {"latency_provenance", e ? provenance(e->provenance) : "modeled"},
                     {"latency_method", e ? e->method : ""},
                     {"lc_us", run.lc_us},
                     {"seq", run.predictor->seq},
                     {"batch", run.predictor->batch}};
  if (e && e->accel && device && device->fpga) {
    a.accelerator = out_dir / "accelerator.json";
    const json accel = accelerator_json(*e->accel, *device->fpga);
    write_file_atomic(a.accelerator, accel.dump(2) + "\n");
    deployment["accelerator"] = a.accelerator.string();
  }
  if (device && device->is_host)
    deployment["runtime"] = {{"threads", run.predictor->options.host_threads},
                             {"command", "fitformer bench model / the sparse runtime"}};
  a.deployment = out_dir / "deployment.json";
  write_file_atomic(a.deployment, deployment.dump(2) + "\n");
  return a;
}

}  // namespace fitformer::explore
