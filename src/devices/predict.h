// Latency predictions per catalog device (DESIGN.md §1, §5; issue 6 item 7): FPGAs through
// the accelerator sized for them (accel/sizing.h, analytical model: "modeled", with the cycle
// simulator's figure on request: "simulated"); CPUs and GPUs through a roofline with the
// efficiency factors of roofline.h ("modeled"); this host by running fitformer's own sparse
// runtime on the candidate ("measured"), cached by content hash so a rerun answers at once.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "accel/result_tags.h"
#include "accel/sizing.h"
#include "format/precision.h"
#include "io/catalog.h"
#include "io/model_config.h"
#include "runtime/bench.h"
#include "sparsity/hp_plan.h"

namespace fitformer::devices {

using accel::Provenance;
using accel::Verdict;

// One model as it would be deployed: how its encoder linears are pruned (sparsity 0: dense),
// the precision it runs at, and its folder. Only HP is predicted (the accelerator is HP's; the
// other patterns are compared on the same hardware by `fitformer simulate`).
struct Candidate {
  sparsity::HpPlan plan;
  // int8 everywhere; fp32 on a processor (an FPGA then runs int16, its widest datapath);
  // int16 on an FPGA (a processor, which has no int16 peak, is modeled at fp32).
  format::Precision precision = format::Precision::kInt8;
  // The model folder measured on the host instead of random weights of the shape: a pruned
  // folder (its HPF form in hpf/, written when it was pruned, is what runs), a folder of HPF
  // matrices, or a dense one (pruned here by magnitude when the plan prunes). Its config.json
  // must equal the shape's. A pruned folder also fixes B: the FPGA search keeps plan.banks,
  // since another B would be another model. Empty: random weights (seed 1).
  std::filesystem::path model_dir;
};

// A candidate on an input: the model's shape and the tokens one forward is timed on.
struct CandidateModel {
  io::ModelConfig config;
  Candidate candidate;
  int64_t seq = 128;
  int64_t batch = 1;
};

// The estimates behind modeled figures that a sensitivity check varies (issue 13 item 7;
// scripts/selection_table --sensitivity, explore/sensitivity.h). The defaults are the
// catalog's and roofline_factors' own figures.
struct Assumptions {
  // predict_catalog: scale the other CPUs' rooflines by the host's measured / roofline ratio.
  bool calibrate_cpus = true;
  std::optional<double> gpu_op_overhead_us;  // replaces roofline_factors' per-op GPU overhead
  double fpga_clock_scale = 1;               // multiplies every FPGA's catalog clock_mhz
};

struct PredictOptions {
  bool simulate_fpga = false;       // also run the cycle simulator on the sized design
  std::filesystem::path cache_dir;  // host measurements; empty: measure every time
  // Measure the host even when the cache holds the key, and overwrite it. The key covers the
  // candidate, the model files and the timing, not fitformer's own code: after a runtime
  // change, remeasure.
  bool remeasure = false;
  int host_threads = 1;  // the runtime's threads on the host
  Assumptions assumptions;
  runtime::TimingSpec timing{.warmup = 1, .min_reps = 3, .min_seconds = 0.2};
};

// One operation of a roofline prediction.
struct OpLatency {
  std::string name;
  double flops = 0;
  double bytes = 0;
  double time_us = 0;  // without the per-op overhead
  bool compute_bound = false;
};

struct Prediction {
  std::string device_id;
  io::DeviceKind kind = io::DeviceKind::kCpu;
  Provenance provenance = Provenance::kModeled;
  Verdict verdict;        // not ok: the candidate does not fit (an FPGA no design fits)
  double latency_us = 0;  // the headline figure, of `provenance`
  std::string method;     // one line: how the figure was obtained
  // FPGA: the sized design and its analytical estimate; the simulator's cycles when asked.
  std::optional<accel::SizedAccel> accel;
  // FPGA that no design fits: the one closest to fitting (devices/closest_fit.h).
  std::optional<accel::SizedAccel> closest;
  std::optional<double> simulated_us;
  std::vector<OpLatency> ops;  // CPU / GPU roofline terms, one per workload op
  double overhead_us = 0;      // per-op overhead term of the roofline, summed
  bool from_cache = false;     // host: the measurement came from the cache
  // Host: the roofline's figure for the same device, next to the measurement (modeled).
  std::optional<double> roofline_us;
  int64_t reps = 0;  // host: timed forwards
  // A CPU other than the host, calibrated (predict_catalog): the factor its roofline was
  // multiplied by; roofline_us then holds the uncalibrated figure.
  std::optional<double> calibration;
};

// Writes dir as a dense model folder of random weights (seed 1) in `config`'s shape: the
// stand-in the host measurement and `fitformer bench model` run when given no model. Returns dir.
std::filesystem::path random_model_folder(const io::ModelConfig& config,
                                          const std::filesystem::path& dir);

// A task model's shape by its family, read from the recipe that trains it (DESIGN.md §6):
// "causal-lm" is recipes/sotu-lm.toml's quick profile (d 128, 2 layers, 4 heads, FFN 512),
// "bert-classifier" recipes/spam-cls.toml's model (TinyBERT: d 312, 4 layers, 12 heads, FFN
// 1200, the 2 labels of spam-cls); the vocabulary is the recipe's tokenizer size (8000).
// Positions stay at config.json's default, 512, so that any --seq up to 512 can be predicted
// (the position table adds no work to a forward). Throws Error (field "family") otherwise.
io::ModelConfig task_model_config(std::string_view family);

// Predicts the candidate's forward latency on one device. Throws Error naming the device and
// field when the device lacks the spec of its kind (an FPGA without [device.fpga] ...), or
// a zero peak rate or bandwidth the roofline needs; bad candidate fields throw as well.
Prediction predict_latency(const io::DeviceSpec& device, const CandidateModel& model,
                           const PredictOptions& options = {});

// predict_latency for every device of the catalog, in catalog order. When the catalog holds
// the host and options.assumptions.calibrate_cpus is set, every other CPU's roofline is multiplied
// by the host's measured / roofline ratio for the same candidate: the efficiency factors above are
// estimates, and how far fitformer's own runtime falls short of its roofline on this host is
// the best evidence of how far it falls short on another CPU running the same code.
// Still modeled; the method line says so and names the factor.
std::vector<Prediction> predict_catalog(const std::vector<io::DeviceSpec>& devices,
                                        const CandidateModel& model,
                                        const PredictOptions& options = {});

}  // namespace fitformer::devices
