// The CPU/GPU roofline: monotone in work, never below the ideal bound, and the predictions
// built from it add up.
#include "devices/roofline.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "common/catalog_device.h"
#include "devices/predict.h"
#include "io/catalog.h"

namespace fitformer::devices {
namespace {

using testing::catalog_device;

TEST(Roofline, MonotoneInFlopsAndBytes) {
  const double peak = 1e12, bw = 1e11;
  double last = 0;
  for (double flops = 1e3; flops < 1e12; flops *= 3) {
    const double t = roofline_time_us(flops, 1e6, peak, bw, 0.5, 0.7);
    EXPECT_GE(t, last) << flops;
    last = t;
  }
  last = 0;
  for (double bytes = 1e2; bytes < 1e11; bytes *= 3) {
    const double t = roofline_time_us(1e6, bytes, peak, bw, 0.5, 0.7);
    EXPECT_GE(t, last) << bytes;
    last = t;
  }
}

TEST(Roofline, NeverBelowTheBound) {
  const double peak = 2e12, bw = 5e10;
  for (double flops : {0.0, 1e3, 1e6, 1e9, 1e12}) {
    for (double bytes : {0.0, 1e3, 1e6, 1e9}) {
      for (double eff : {0.1, 0.5, 1.0}) {
        const double bound = std::max(flops / peak, bytes / bw) * 1e6;
        EXPECT_GE(roofline_time_us(flops, bytes, peak, bw, eff, eff), bound * (1 - 1e-12))
            << flops << " " << bytes << " " << eff;
      }
    }
  }
  EXPECT_DOUBLE_EQ(roofline_time_us(1e9, 0, 1e12, 1e10, 1, 1), 1e3);
  EXPECT_DOUBLE_EQ(roofline_time_us(0, 1e9, 1e12, 1e10, 1, 1), 1e5);
}

TEST(Roofline, PredictionSumsItsOpsAboveTheBound) {
  CandidateModel m;
  m.config = task_model_config("bert-classifier");
  for (const char* id : {"rpi4", "xeon-8480", "jetson-nano", "a100"}) {
    const io::DeviceSpec& d = catalog_device(id);
    const Prediction e = predict_latency(d, m);
    EXPECT_EQ(e.provenance, Provenance::kModeled) << id;
    ASSERT_FALSE(e.ops.empty()) << id;
    const double peak = peak_ops_per_s(d, 1);
    const double bw = d.memory_bandwidth_gbs * 1e9;
    double sum = 0, bound = 0;
    for (const OpLatency& op : e.ops) {
      sum += op.time_us;
      bound += std::max(op.flops / peak, op.bytes / bw) * 1e6;
    }
    EXPECT_NEAR(e.latency_us, sum + e.overhead_us, 1e-9 * e.latency_us) << id;
    EXPECT_GE(e.latency_us, bound) << id;
    EXPECT_GT(e.overhead_us, 0) << id;
  }
}

// Within HP sparsities (dense at 0 uses the dense efficiency, and may beat 50 % HP, as the
// measured kernels do at low sparsity).
TEST(Roofline, LessSparsityNeverFaster) {
  const io::DeviceSpec& d = catalog_device("rpi5");
  CandidateModel m;
  m.config = task_model_config("causal-lm");
  m.seq = 64;
  double last = 0;
  for (double s : {0.95, 0.9, 0.8, 0.7, 0.5}) {
    m.candidate.plan.sparsity = s;
    const double t = predict_latency(d, m).latency_us;
    EXPECT_GE(t, last) << s;
    last = t;
  }
}

TEST(Roofline, HpfBytesMatchTheFormat) {
  // 128 x 128, Bc 64, B 8: 2 blocks, k1 32, n 4 -> 2048 slots, 3-bit offsets.
  const accel::LinearOp op{.name = "x", .rows = 128, .cols = 128, .tokens = 1, .k1 = 32, .n = 4};
  EXPECT_DOUBLE_EQ(hpf_bytes(op, 64, 8, 1), 20 + 2 * 64 + 2048 + 768 + 4 * 128);
  EXPECT_DOUBLE_EQ(hpf_bytes(op, 64, 8, 4), 20 + 2 * 64 + 4 * 2048 + 768);
}

}  // namespace
}  // namespace fitformer::devices
