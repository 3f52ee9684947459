// Latency predictions per device: FPGAs equal the analytical model of their sized design,
// the host is measured once and then read from the cache, and a device without its kind's
// figures is refused with an Error naming it.
#include "devices/predict.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "accel/analytical.h"
#include "common/catalog_device.h"
#include "common/temp_dir.h"
#include "core/error.h"
#include "devices/model_shapes.h"

namespace fitformer::devices {
namespace {

using testing::catalog_device;

TEST(Predict, FpgaEqualsTheAnalyticalModelOfTheSizedDesign) {
  CandidateModel m;
  m.config = task_model_config("causal-lm");
  m.seq = 64;
  for (const char* id : {"kv260", "zcu104", "u280"}) {
    const io::DeviceSpec& d = catalog_device(id);
    const Prediction e = predict_latency(d, m);
    ASSERT_TRUE(e.verdict.ok) << id << ": " << e.verdict.reason;
    ASSERT_TRUE(e.accel.has_value());
    EXPECT_EQ(e.provenance, Provenance::kModeled);
    const accel::SizedAccel& s = *e.accel;
    const accel::LatencyEstimate direct = accel::estimate_latency(s.spec, s.mapping, s.workload);
    EXPECT_DOUBLE_EQ(e.latency_us, direct.latency_us) << id;
    // The same design size_accelerator picks on its own.
    accel::SizingProblem p;
    p.model = m.config;
    p.seq = m.seq;
    p.batch = m.batch;
    p.plan = m.candidate.plan;
    const accel::SizedAccel again = accel::size_accelerator(d, p);
    EXPECT_EQ(again.spec, s.spec) << id;
    EXPECT_DOUBLE_EQ(again.latency.latency_us, e.latency_us) << id;
    EXPECT_FALSE(e.simulated_us.has_value());
  }
}

TEST(Predict, FpgaSimulatedFigureOnRequest) {
  PredictOptions o;
  o.simulate_fpga = true;
  const Prediction e = predict_latency(catalog_device("zcu104"), tiny_model(), o);
  ASSERT_TRUE(e.verdict.ok) << e.verdict.reason;
  ASSERT_TRUE(e.simulated_us.has_value());
  // HP runs without stalls, so the simulator and the model agree closely (accel's 3 % test).
  EXPECT_NEAR(*e.simulated_us, e.latency_us, 0.03 * e.latency_us);
}

TEST(Predict, HostIsMeasuredOnceThenCached) {
  testing::TempDir dir;
  io::DeviceSpec host = catalog_device("host");
  ASSERT_TRUE(host.is_host);
  PredictOptions o;
  o.cache_dir = dir.path();
  o.timing = {.warmup = 0, .min_reps = 1, .min_seconds = 0, .max_reps = 1};
  const CandidateModel m = tiny_model();
  const Prediction first = predict_latency(host, m, o);
  EXPECT_EQ(first.provenance, Provenance::kMeasured);
  EXPECT_FALSE(first.from_cache);
  EXPECT_GT(first.latency_us, 0);
  EXPECT_TRUE(first.roofline_us.has_value());

  std::vector<std::filesystem::path> files;
  for (const auto& f : std::filesystem::directory_iterator(dir.path() / "devices")) {
    files.push_back(f.path());
  }
  ASSERT_EQ(files.size(), 1u) << "one cache file, no scratch folder left behind";
  const auto mtime = std::filesystem::last_write_time(files[0]);

  const Prediction second = predict_latency(host, m, o);
  EXPECT_TRUE(second.from_cache);
  EXPECT_EQ(second.latency_us, first.latency_us);
  EXPECT_EQ(std::filesystem::last_write_time(files[0]), mtime);

  CandidateModel other = m;
  other.candidate.plan.sparsity = 0.5;
  EXPECT_FALSE(predict_latency(host, other, o).from_cache);

  o.remeasure = true;
  EXPECT_FALSE(predict_latency(host, m, o).from_cache);
}

TEST(Predict, OtherCpusAreCalibratedByTheHostsMeasuredOverRooflineRatio) {
  testing::TempDir dir;
  PredictOptions o;
  o.cache_dir = dir.path();
  o.timing = {.warmup = 0, .min_reps = 1, .min_seconds = 0, .max_reps = 1};
  const CandidateModel m = tiny_model();
  const std::vector<io::DeviceSpec> devices = {catalog_device("rpi5"), catalog_device("host"),
                                               catalog_device("jetson-nano")};
  const std::vector<Prediction> e = predict_catalog(devices, m, o);
  ASSERT_EQ(e.size(), 3u);
  ASSERT_TRUE(e[1].roofline_us.has_value());
  const double factor = e[1].latency_us / *e[1].roofline_us;
  const Prediction plain = predict_latency(devices[0], m, o);
  ASSERT_TRUE(e[0].calibration.has_value());
  EXPECT_DOUBLE_EQ(*e[0].calibration, factor);
  EXPECT_DOUBLE_EQ(e[0].latency_us, plain.latency_us * factor);
  EXPECT_DOUBLE_EQ(*e[0].roofline_us, plain.latency_us);
  EXPECT_EQ(e[0].provenance, Provenance::kModeled);
  EXPECT_NE(e[0].method.find("measured / roofline"), std::string::npos) << e[0].method;
  // GPUs run other code: left alone. So is everything when calibration is off.
  EXPECT_FALSE(e[2].calibration.has_value());
  EXPECT_DOUBLE_EQ(e[2].latency_us, predict_latency(devices[2], m, o).latency_us);
  o.assumptions.calibrate_cpus = false;
  EXPECT_DOUBLE_EQ(predict_catalog(devices, m, o)[0].latency_us, plain.latency_us);
}

TEST(Predict, GpuOverheadAssumptionReplacesThePerOpTerm) {
  const CandidateModel m = tiny_model();
  const io::DeviceSpec& gpu = catalog_device("jetson-nano");
  const Prediction base = predict_latency(gpu, m);
  ASSERT_FALSE(base.ops.empty());
  const double ops = static_cast<double>(base.ops.size());
  const double per_op = base.overhead_us / ops;
  PredictOptions o;
  o.assumptions.gpu_op_overhead_us = per_op + 5;
  const Prediction moved = predict_latency(gpu, m, o);
  EXPECT_NEAR(moved.overhead_us, (per_op + 5) * ops, 1e-9);
  EXPECT_NEAR(moved.latency_us - base.latency_us, 5 * ops, 1e-6);
  // A CPU's roofline keeps its own overhead.
  const io::DeviceSpec& cpu = catalog_device("rpi5");
  EXPECT_DOUBLE_EQ(predict_latency(cpu, m, o).latency_us, predict_latency(cpu, m).latency_us);
}

TEST(Predict, FpgaClockAssumptionScalesTheSizedClock) {
  CandidateModel m;
  m.config = task_model_config("causal-lm");
  m.seq = 64;
  const io::DeviceSpec& d = catalog_device("zcu104");
  const Prediction base = predict_latency(d, m);
  ASSERT_TRUE(base.verdict.ok) << base.verdict.reason;
  for (const double scale : {0.8, 1.2}) {
    PredictOptions o;
    o.assumptions.fpga_clock_scale = scale;
    const Prediction e = predict_latency(d, m, o);
    ASSERT_TRUE(e.verdict.ok) << e.verdict.reason;
    EXPECT_DOUBLE_EQ(e.accel->spec.clock_mhz, d.fpga->clock_mhz * scale);
    // The analytical model of the design sized at that clock, not a rescaled figure.
    const accel::LatencyEstimate direct =
        accel::estimate_latency(e.accel->spec, e.accel->mapping, e.accel->workload);
    EXPECT_DOUBLE_EQ(e.latency_us, direct.latency_us);
    if (scale < 1) {
      EXPECT_GT(e.latency_us, base.latency_us);
    } else {
      EXPECT_LT(e.latency_us, base.latency_us);
    }
  }
}

TEST(Predict, MissingKindSpecIsAnErrorNamingDeviceAndField) {
  const CandidateModel m = tiny_model();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"rpi4", "cpu"}, {"a100", "gpu"}, {"zcu104", "fpga"}};
  for (const auto& [id, field] : cases) {
    io::DeviceSpec d = catalog_device(id);
    d.cpu.reset();
    d.gpu.reset();
    d.fpga.reset();
    try {
      predict_latency(d, m);
      ADD_FAILURE() << id << ": no error";
    } catch (const Error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(id), std::string::npos) << what;
      EXPECT_NE(what.find(field), std::string::npos) << what;
    }
  }
  io::DeviceSpec d = catalog_device("rpi4");
  d.memory_bandwidth_gbs = 0;
  EXPECT_THROW(predict_latency(d, m), Error);
}

// The task shapes come from the recipes, and are the shapes docs/ measured and modeled.
TEST(Predict, TaskShapesAreTheRecipesModels) {
  EXPECT_EQ(task_model_config("causal-lm"),
            model_shape(io::ModelFamily::kCausalLm,
                        {.vocab = 8000, .hidden = 128, .layers = 2, .heads = 4, .ffn = 512}));
  EXPECT_EQ(task_model_config("bert-classifier"),
            model_shape(io::ModelFamily::kBertClassifier,
                        {.vocab = 8000, .hidden = 312, .layers = 4, .heads = 12, .ffn = 1200}));
}

// A candidate is an HP plan by type (devices::Candidate), so another pattern cannot be asked
// for; what remains to refuse are names.
TEST(Predict, UnknownNamesAreRefused) {
  EXPECT_THROW(format::parse_precision("fp16"), Error);
  EXPECT_THROW(task_model_config("gpt"), Error);
}

}  // namespace
}  // namespace fitformer::devices
