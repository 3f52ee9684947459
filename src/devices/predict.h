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
#include "io/catalog.h"
#include "io/model_config.h"
#include "runtime/bench.h"
#include "sparsity/patterns.h"

namespace fitformer::devices {

using accel::Provenance;
using accel::Verdict;

// What the weights and activations are stored as on the device: int8 (the accelerator's
// int8, the runtime's i8 HPF, the processors' int8 peak) or fp32 (the FPGA then runs int16,
// its widest datapath).
enum class NumberFormat { kInt8, kFp32 };
inline constexpr std::array<std::string_view, 2> kNumberFormatNames = {"int8", "fp32"};
std::string_view number_format_name(NumberFormat format);
// Throws Error (field "precision") listing the allowed names.
NumberFormat parse_number_format(std::string_view name);

// A model as it would be deployed: its shape, how its encoder linears are pruned, its number
// format, and the input it is timed on. Only HP is predicted (the accelerator is HP's; the
// other patterns are compared on the same hardware by `fitformer simulate`).
struct CandidateModel {
  io::ModelConfig config;
  sparsity::Pattern pattern = sparsity::Pattern::kHp;
  double sparsity = 0.9;       // of the encoder linears; 0 keeps them dense
  std::optional<double> rho1;  // at most one of rho1, rho2; neither: rho2 = 0.5
  std::optional<double> rho2;
  NumberFormat precision = NumberFormat::kInt8;
  int64_t seq = 128;
  int64_t batch = 1;
  // A model folder (dense or already pruned) to measure on the host instead of random
  // weights of config's shape; empty: none. Its config.json must equal `config`.
  std::filesystem::path model_dir;
  int64_t block_cols = 64;  // Bc of the HP layers
  int64_t banks = 8;        // B of the HP layers (the FPGA search also tries 4 and 16)
  // Keep B = banks in the FPGA search: the model was pruned (and scored) with that B, and
  // another B would be another model.
  bool banks_fixed = false;
};

struct PredictOptions {
  bool simulate_fpga = false;       // also run the cycle simulator on the sized design
  std::filesystem::path cache_dir;  // host measurements; empty: measure every time
  // Measure the host even when the cache holds the key, and overwrite it. The key covers the
  // candidate, the model files and the timing, not fitformer's own code: after a runtime
  // change, remeasure.
  bool remeasure = false;
  int host_threads = 1;  // the runtime's threads on the host
  // predict_catalog: scale the other CPUs' rooflines by the host's measured / roofline ratio.
  bool calibrate_cpus = true;
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

struct LatencyEstimate {
  std::string device_id;
  io::DeviceKind kind = io::DeviceKind::kCpu;
  Provenance provenance = Provenance::kModeled;
  Verdict verdict;        // not ok: the candidate does not fit (an FPGA no design fits)
  double latency_us = 0;  // the headline figure, of `provenance`
  std::string method;     // one line: how the figure was obtained
  // FPGA: the sized design and its analytical estimate; the simulator's cycles when asked.
  std::optional<accel::SizedAccel> accel;
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

// The task models' shapes (DESIGN.md §6, quick profile): "causal-lm" is sotu-lm's (d 128,
// 2 layers, 4 heads, FFN 512, vocab 8000), "bert-classifier" TinyBERT's (d 312, 4 layers,
// 12 heads, FFN 1200, vocab 8000, 2 labels). Throws Error (field "family") otherwise.
io::ModelConfig task_model_config(std::string_view family);

// The HP plan of a candidate (Error when the pattern is not HP).
accel::HpPlan hp_plan(const CandidateModel& model);

// Predicts the candidate's forward latency on one device. Throws Error naming the device and
// field when the device lacks the spec of its kind (an FPGA without [device.fpga] ...), or
// a zero peak rate or bandwidth the roofline needs; bad candidate fields throw as well.
LatencyEstimate predict_latency(const io::DeviceSpec& device, const CandidateModel& model,
                                const PredictOptions& options = {});

// predict_latency for every device of the catalog, in catalog order. When the catalog holds
// the host and options.calibrate_cpus is set, every other CPU's roofline is multiplied by the
// host's measured / roofline ratio for the same candidate: the efficiency factors above are
// estimates, and how far fitformer's own runtime falls short of its roofline on this host is
// the best evidence of how far it falls short on another CPU running the same code.
// Still modeled; the method line says so and names the factor.
std::vector<LatencyEstimate> predict_catalog(const std::vector<io::DeviceSpec>& devices,
                                             const CandidateModel& model,
                                             const PredictOptions& options = {});

}  // namespace fitformer::devices
