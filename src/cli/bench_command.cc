// `fitformer bench kernels` and `fitformer bench model`: the sparse kernels against oneDNN's
// dense sgemm, and a pruned model through the sparse runtime against the dense engine, timed
// in this process on this host (every figure `measured`).
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/commands.h"
#include "core/error.h"
#include "core/progress.h"
#include "devices/predict.h"
#include "format/hpf_folder.h"
#include "format/hpf_safetensors.h"
#include "io/model_config.h"
#include "io/safetensors.h"
#include "kernels/spmm.h"
#include "model/bert_classifier.h"
#include "model/causal_lm.h"
#include "model/weights.h"
#include "runtime/bench.h"
#include "runtime/magnitude_prune.h"
#include "runtime/sparse_model.h"

namespace fitformer::cli {
namespace {
namespace fs = std::filesystem;

struct KernelsOptions {
  std::vector<int> threads = {1};
  bool quick = false;
  std::optional<double> min_time;
  bool json = false;
};

struct ModelOptions {
  std::string model_dir;
  std::string family = "causal-lm";
  sparsity::HpPlan plan;
  std::string precision = "fp32";  // fp32 or int8 (format::Precision's names)
  int64_t seq = 128;
  int64_t batch = 1;
  std::vector<int> threads = {1};
  std::optional<double> min_time;
  bool breakdown = false;
  bool no_linears = false;
  bool json = false;
};

// A fresh folder under the system's temporary directory, removed with everything in it.
class ScratchFolder {
 public:
  ScratchFolder() {
    std::string pattern = (fs::temp_directory_path() / "fitformer-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw Error(pattern, "temporary folder", "a folder created by mkdtemp", "an error");
    }
    path_ = pattern;
  }
  ~ScratchFolder() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  ScratchFolder(const ScratchFolder&) = delete;
  ScratchFolder& operator=(const ScratchFolder&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void print_json(nlohmann::json j) {
  j["provenance"] = "measured";
  j["simd_target"] = kernels::simd_target_name();
  fmt::print("{}\n", j.dump(2));
}

void run_kernels(const KernelsOptions& o) {
  runtime::KernelBenchSpec spec = runtime::default_kernel_bench(o.quick);
  spec.threads = o.threads;
  if (o.min_time) spec.timing.min_seconds = *o.min_time;
  Progress progress("bench kernels", static_cast<uint64_t>(runtime::kernel_bench_points(spec)),
                    "points", Progress::terminal_attached() && !o.json);
  const auto rows = runtime::bench_kernels(spec, &progress);
  progress.finish();
  if (o.json) {
    nlohmann::json j = {{"command", "bench kernels"}, {"rows", nlohmann::json::array()}};
    for (const auto& r : rows) {
      j["rows"].push_back({{"shape", r.shape},
                           {"rows", r.rows},
                           {"cols", r.cols},
                           {"tokens", r.tokens},
                           {"sparsity", r.sparsity},
                           {"rho1", r.rho1},
                           {"rho2", r.rho2},
                           {"density", r.density},
                           {"kernel", r.kernel},
                           {"threads", r.threads},
                           {"median_us", r.time.median_us},
                           {"min_us", r.time.min_us},
                           {"reps", r.time.reps},
                           {"dense_median_us", r.dense.median_us},
                           {"speedup_vs_dense", r.speedup()},
                           {"provenance", "measured"}});
    }
    print_json(std::move(j));
    return;
  }
  fmt::print(
      "Kernels vs oneDNN dense sgemm, same process and thread count ({} dispatch). All times "
      "measured: median us per call; speedup = dense / kernel.\n",
      kernels::simd_target_name());
  fmt::print("{:<24} {:>10} {:>4} {:>5} {:>11} {:>7} {:<22} {:>3} {:>10} {:>10} {:>8}\n", "shape",
             "M x K", "N", "spars", "rho1/rho2", "density", "kernel", "thr", "time us", "dense us",
             "speedup");
  for (const auto& r : rows) {
    fmt::print(
        "{:<24} {:>10} {:>4} {:>4.0f}% {:>11} {:>7.3f} {:<22} {:>3} {:>10.1f} {:>10.1f} "
        "{:>7.2f}x\n",
        r.shape, fmt::format("{}x{}", r.rows, r.cols), r.tokens, r.sparsity * 100,
        fmt::format("{:.2f}/{:.2f}", r.rho1, r.rho2), r.density, r.kernel, r.threads,
        r.time.median_us, r.dense.median_us, r.speedup());
  }
}

struct Split {
  double dense_linears_ms = 0, sparse_linears_ms = 0;
};

Split amdahl_split(const runtime::ModelBenchRow& r, int layers) {
  Split s;
  for (const auto& l : r.linears) {
    s.dense_linears_ms += l.dense.median_us * layers / 1e3;
    s.sparse_linears_ms += l.sparse.median_us * layers / 1e3;
  }
  return s;
}

nlohmann::json linears_json(const std::vector<runtime::LinearBenchRow>& linears) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& l : linears) {
    j.push_back({{"site", l.site},
                 {"rows", l.rows},
                 {"cols", l.cols},
                 {"density", l.density},
                 {"dense_us", l.dense.median_us},
                 {"sparse_us", l.sparse.median_us}});
  }
  return j;
}

bool holds_hpf(const fs::path& dir) {
  return !format::hpf_matrix_names(io::SafeTensorsFile::open(dir / model::kWeightsFileName))
              .empty();
}

// The two folders bench_model times side by side, and where they came from.
struct BenchFolders {
  fs::path dense, pruned;
  std::string source;
  bool pruned_here = false;  // pruned by magnitude here with the options' plan
};

// A folder of HPF matrices runs as is against its masked weights; a folder pruned with
// retraining runs its HPF form (hpf/, re-encoded with its own mask at the precision asked)
// against its dense masked weights; a dense folder, or random weights in a task shape, is
// pruned here by magnitude.
// The HPF value type of --precision: the precision names every command takes (fp32, int8;
// the runtime has no int16 path), with the HPF storage names refused by name.
format::ValueType bench_value_type(const std::string& precision) {
  if (precision == "fp32" || precision == "int8")
    return format::precision_value_type(format::parse_precision(precision));
  throw Error("", "--precision",
              precision == "f32" || precision == "i8"
                  ? "fp32 or int8 (f32 and i8 are HPF storage names, not precisions)"
                  : "fp32 or int8",
              "\"" + precision + "\"");
}

BenchFolders bench_folders(const ModelOptions& o, const fs::path& scratch) {
  const format::ValueType type = bench_value_type(o.precision);
  BenchFolders f;
  if (!o.model_dir.empty() && holds_hpf(o.model_dir)) {
    f.pruned = o.model_dir;
    f.dense = scratch / "dense";
    runtime::densify_model_folder(f.pruned, f.dense);
    f.source = o.model_dir + " (pruned)";
    return f;
  }
  if (!o.model_dir.empty() && fs::exists(fs::path(o.model_dir) / "hpf" / model::kWeightsFileName)) {
    f.dense = o.model_dir;
    f.pruned = scratch / "pruned";
    format::convert_hpf_folder(f.dense / "hpf", f.pruned, type);
    f.source = o.model_dir + " (pruned, its HPF form)";
    return f;
  }
  if (o.model_dir.empty()) {
    f.dense = devices::random_model_folder(devices::task_model_config(o.family), scratch / "dense");
    f.source = o.family + " shape, random weights (seed 1)";
  } else {
    f.dense = o.model_dir;
    f.source = o.model_dir;
  }
  runtime::HpPruneSpec prune;
  static_cast<sparsity::HpPlan&>(prune) = o.plan;
  prune.value_type = type;
  f.pruned = scratch / "pruned";
  runtime::prune_model_folder(f.dense, f.pruned, prune);
  f.pruned_here = true;
  return f;
}

struct ModelBench {
  BenchFolders folders;
  io::ModelConfig config;
  runtime::SparseModelStats stats;
  std::vector<runtime::ModelBenchRow> rows;
  double density() const {
    return static_cast<double>(stats.kept_weights) / static_cast<double>(stats.weights);
  }
};

nlohmann::json model_json(const ModelOptions& o, const ModelBench& b) {
  const io::ModelConfig& config = b.config;
  nlohmann::json j = {{"command", "bench model"},
                      {"model", b.folders.source},
                      {"model_type", std::string(io::model_type_name(config.family))},
                      {"hidden_size", config.hidden_size},
                      {"num_hidden_layers", config.num_hidden_layers},
                      {"intermediate_size", config.intermediate_size},
                      {"vocab_size", config.vocab_size},
                      {"hpf_linears", b.stats.hpf_linears},
                      {"dense_linears", b.stats.dense_linears},
                      {"encoder_density", b.density()},
                      {"hpf_bytes", b.stats.hpf_bytes},
                      {"hpf_dense_bytes", b.stats.hpf_dense_bytes},
                      {"rows", nlohmann::json::array()}};
  if (b.folders.pruned_here) {
    j["prune"] = {
        {"pattern", "hp"},
        {"sparsity", o.plan.sparsity},
        {"rho1", o.plan.rho1 ? nlohmann::json(*o.plan.rho1) : nlohmann::json()},
        {"rho2", o.plan.rho1 ? nlohmann::json() : nlohmann::json(sparsity::fixed_density(o.plan))},
        {"precision", o.precision}};
  }
  for (const auto& r : b.rows) {
    const Split split = amdahl_split(r, config.num_hidden_layers);
    // null, not 0, when --no-linears skipped them
    const auto linears_ms = [&](double ms) {
      return r.linears.empty() ? nlohmann::json() : nlohmann::json(ms);
    };
    j["rows"].push_back({{"threads", r.threads},
                         {"batch", r.batch},
                         {"seq", r.seq},
                         {"dense_ms", r.dense.median_us / 1e3},
                         {"sparse_ms", r.sparse.median_us / 1e3},
                         {"reps", r.sparse.reps},
                         {"speedup_vs_dense", r.speedup()},
                         {"first_layer_linears", linears_json(r.linears)},
                         {"all_linears_dense_ms", linears_ms(split.dense_linears_ms)},
                         {"all_linears_sparse_ms", linears_ms(split.sparse_linears_ms)},
                         {"breakdown", o.breakdown ? runtime::breakdown_json(r) : nlohmann::json()},
                         {"provenance", "measured"}});
  }
  return j;
}

// One thread count's first-layer linears and Amdahl's split of the forward.
void print_linears(const runtime::ModelBenchRow& r, int layers) {
  fmt::print(
      "  first layer's linears alone, {} thread(s), {} rows (median us; sparse includes the "
      "layout transposes):\n",
      r.threads, r.batch * r.seq);
  for (const auto& l : r.linears) {
    fmt::print("    {:<17} {:>10} density {:.3f}  dense {:>9.1f}  sparse {:>9.1f}  {:>6.2f}x\n",
               l.site, fmt::format("{}x{}", l.rows, l.cols), l.density, l.dense.median_us,
               l.sparse.median_us, l.dense.median_us / l.sparse.median_us);
  }
  // Amdahl's split: every layer has the first layer's shapes, so the linears' share of a
  // forward is about layers x the first layer's; what remains is the same code both ways.
  const Split split = amdahl_split(r, layers);
  fmt::print(
      "    all {} layers' linears (first layer x {}): dense {:.3f} ms, sparse {:.3f} ms; the "
      "rest of the forward: dense {:.3f} ms, sparse {:.3f} ms\n",
      layers, layers, split.dense_linears_ms, split.sparse_linears_ms,
      r.dense.median_us / 1e3 - split.dense_linears_ms,
      r.sparse.median_us / 1e3 - split.sparse_linears_ms);
}

void print_model(const ModelOptions& o, const ModelBench& b) {
  const io::ModelConfig& config = b.config;
  fmt::print("{}: {} (d {}, {} layers, FFN {}, vocab {})\n", b.folders.source,
             io::model_type_name(config.family), config.hidden_size, config.num_hidden_layers,
             config.intermediate_size, config.vocab_size);
  if (b.folders.pruned_here) {
    fmt::print("  pruned here: HP sparsity {:.2f}, {} {:.2f}, {}\n", o.plan.sparsity,
               o.plan.rho1 ? "rho1" : "rho2", sparsity::fixed_density(o.plan), o.precision);
  }
  fmt::print(
      "  encoder linears: {} HPF, {} dense; density {:.3f}; HPF {:.2f} MB for {:.2f} MB of fp32\n",
      b.stats.hpf_linears, b.stats.dense_linears, b.density(), b.stats.hpf_bytes / 1e6,
      b.stats.hpf_dense_bytes / 1e6);
  fmt::print("  batch {} x seq {}; all times measured, median ms per forward ({} dispatch)\n",
             o.batch, o.seq, kernels::simd_target_name());
  fmt::print("  {:>7} {:>12} {:>14} {:>8}\n", "threads", "dense (ms)", "sparse (ms)", "speedup");
  for (const auto& r : b.rows) {
    fmt::print("  {:>7} {:>12.3f} {:>14.3f} {:>7.2f}x\n", r.threads, r.dense.median_us / 1e3,
               r.sparse.median_us / 1e3, r.speedup());
  }
  for (const auto& r : b.rows) {
    if (!r.linears.empty()) print_linears(r, config.num_hidden_layers);
    if (o.breakdown) fmt::print("{}", runtime::breakdown_table(r));
  }
}

void run_model(const ModelOptions& o) {
  bench_value_type(o.precision);  // before any work
  ScratchFolder scratch;
  ModelBench b;
  b.folders = bench_folders(o, scratch.path());
  b.stats = runtime::sparse_model_stats(runtime::load_sparse_model(b.folders.pruned));
  b.config = io::load_model_config(b.folders.pruned / model::kConfigFileName);
  runtime::ModelBenchSpec spec;
  spec.batch = o.batch;
  spec.seq = o.seq;
  spec.threads = o.threads;
  if (o.min_time) spec.timing.min_seconds = *o.min_time;
  if (o.breakdown) spec.breakdown_reps = 21;
  spec.first_layer_linears = !o.no_linears;
  Progress progress("bench model", spec.threads.size(), "thread counts",
                    Progress::terminal_attached() && !o.json);
  b.rows = runtime::bench_model(b.folders.dense, b.folders.pruned, spec, &progress);
  progress.finish();
  if (o.json)
    print_json(model_json(o, b));
  else
    print_model(o, b);
}

}  // namespace

void add_bench_command(CLI::App& app) {
  CLI::App* bench =
      app.add_subcommand("bench", "Measure the sparse kernels and runtime on this host");
  bench->require_subcommand(1);

  auto k = std::make_shared<KernelsOptions>();
  CLI::App* kernels_cmd = bench->add_subcommand(
      "kernels", "Every kernel of the registry on BERT-base and our layer shapes vs oneDNN sgemm");
  kernels_cmd->add_option("--threads", k->threads, "Thread counts, run one at a time (1,2)")
      ->delimiter(',')
      ->check(CLI::PositiveNumber);
  kernels_cmd->add_flag("--quick", k->quick, "Two shapes, N 1 and 128, 50 and 90 %, one split");
  kernels_cmd->add_option("--min-time", k->min_time, "Seconds of timing per kernel and point")
      ->check(CLI::PositiveNumber);
  kernels_cmd->add_flag("--json", k->json, "Machine-readable output");
  kernels_cmd->callback([k] { run_kernels(*k); });

  auto m = std::make_shared<ModelOptions>();
  CLI::App* model_cmd = bench->add_subcommand(
      "model", "A pruned model through the sparse runtime vs the dense engine, end to end");
  auto* dir = model_cmd
                  ->add_option("--model", m->model_dir,
                               "Model folder: pruned (HPF) as is, dense pruned here")
                  ->check(CLI::ExistingDirectory);
  model_cmd
      ->add_option("--family", m->family,
                   "Random weights in the quick sotu-lm (causal-lm) or TinyBERT shape")
      ->check(CLI::IsMember({"causal-lm", "bert-classifier"}))
      ->capture_default_str()
      ->excludes(dir);
  model_cmd->add_option("--sparsity", m->plan.sparsity, "HP sparsity of every encoder linear")
      ->check(CLI::Range(0.0, 0.999))
      ->capture_default_str();
  auto* rho1 = model_cmd->add_option("--rho1", m->plan.rho1, "Level-1 density (row segments kept)")
                   ->check(CLI::Range(0.0, 1.0));
  model_cmd
      ->add_option("--rho2", m->plan.rho2, "Level-2 density (weights kept per bank; default 0.5)")
      ->check(CLI::Range(0.0, 1.0))
      ->excludes(rho1);
  model_cmd->add_option("--precision", m->precision, "HPF values: fp32 or int8")
      ->capture_default_str();
  model_cmd->add_option("--seq", m->seq, "Sequence length")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  model_cmd->add_option("--batch", m->batch, "Sequences per forward")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  model_cmd->add_option("--threads", m->threads, "Thread counts, run one at a time (1,2)")
      ->delimiter(',')
      ->check(CLI::PositiveNumber);
  model_cmd->add_option("--min-time", m->min_time, "Seconds of timing per engine and thread count")
      ->check(CLI::PositiveNumber);
  model_cmd->add_flag("--breakdown", m->breakdown, "Also time each op of both forwards");
  model_cmd->add_flag("--no-linears", m->no_linears,
                      "Skip timing the first layer's linears alone (a profile then sees the "
                      "forwards only)");
  model_cmd->add_flag("--json", m->json, "Machine-readable output");
  model_cmd->callback([m] { run_model(*m); });
}

}  // namespace fitformer::cli
