// The chosen model at its precision, deployment.json and accelerator.json.
#include "explore/artifacts.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "accel/sized_json.h"
#include "core/error.h"
#include "core/files.h"
#include "explore/select_run.h"
#include "format/hpf_folder.h"
#include "io/catalog.h"

namespace fitformer::explore {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

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

Artifacts write_artifacts(const SelectRun& run, const fs::path& out_dir) {
  const Selection& sel = run.selection;
  if (!sel.feasible) throw Error("", "selection", "a chosen device", "none (infeasible)");
  const CandidatePoint& c = run.loop.candidates.at(sel.candidate);
  const sparsity::HpPlan& plan = c.candidate.plan;
  const fs::path& dir = c.candidate.model_dir;
  Artifacts a;
  a.model = out_dir / "model";
  std::string stored = "dense fp32 weights (quantized per row when loaded at int8/int16)";
  if (sparsity::is_pruned(plan)) {
    // The model's HPF form, written from its own mask when it was pruned, at the deployed
    // precision: the mask is kept, only the values are encoded again.
    const format::ValueType type = format::precision_value_type(c.candidate.precision);
    format::convert_hpf_folder(dir / "hpf", a.model, type);
    for (const char* name : {"tokenizer.model", "vocab.txt"})
      if (fs::exists(dir / name))
        fs::copy_file(dir / name, a.model / name, fs::copy_options::overwrite_existing);
    stored = fmt::format("HPF, {} values with per-row scales", format::value_type_name(type));
  } else {
    copy_model_folder(dir, a.model);
  }

  const io::DeviceSpec* device = nullptr;
  for (const io::DeviceSpec& d : run.predictor.devices)
    if (d.id == sel.device_id) device = &d;
  const devices::Prediction* e = run.predictor.estimate(sel.device_id, sel.candidate);
  json deployment = {
      {"device", sel.device_id},
      {"device_name", device ? device->name : ""},
      {"kind", device ? std::string(io::device_kind_name(device->kind)) : ""},
      {"model", a.model.string()},
      {"stored_as", stored},
      {"pattern", "hp"},
      {"sparsity", plan.sparsity},
      {"rho2", sparsity::is_pruned(plan) && plan.rho2 ? json(*plan.rho2) : json()},
      {"block_cols", plan.block_cols},
      {"banks", plan.banks},
      {"precision", std::string(format::precision_name(c.candidate.precision))},
      {c.metric, c.metric_value},
      {"metric_provenance", "measured (valid split)"},
      {"constraint", to_string(run.ac)},
      {"latency_us", sel.latency_us},
      {"latency_provenance", e ? std::string(accel::provenance_name(e->provenance)) : "modeled"},
      {"latency_method", e ? e->method : ""},
      {"lc_us", run.lc_us},
      {"seq", run.predictor.seq},
      {"batch", run.predictor.batch}};
  if (e && e->accel && device && device->fpga) {
    a.accelerator = out_dir / "accelerator.json";
    const json accel = accel::sized_design_json(*e->accel, *device->fpga);
    write_file_atomic(a.accelerator, accel.dump(2) + "\n");
    deployment["accelerator"] = a.accelerator.string();
  }
  if (device && device->is_host)
    deployment["runtime"] = {{"threads", run.predictor.options.host_threads},
                             {"command", "fitformer bench model / the sparse runtime"}};
  a.deployment = out_dir / "deployment.json";
  write_file_atomic(a.deployment, deployment.dump(2) + "\n");
  return a;
}

}  // namespace fitformer::explore
