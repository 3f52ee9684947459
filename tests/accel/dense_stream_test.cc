// The dense baseline design (accel/dense_stream.h): quantization by format/value_type's rule,
// the off-chip image decoded back by hand, the cycle simulator's accumulators against an
// independent dense int64 reference and against kernels' fixed-point reference on the same
// values as an HPF at density 1, the analytical model against the simulator on the task models,
// what the dense design saves over HP at density 1, its resources and its sizing.
#include "accel/dense_stream.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>

#include "accel/analytical.h"
#include "accel/cycle_sim.h"
#include "accel/resources.h"
#include "accel/sizing.h"
#include "accel_cases.h"
#include "core/error.h"
#include "io/catalog.h"

namespace fitformer::accel {
namespace {

AccelSpec dense_spec(int64_t pes, int64_t banks, Precision p, int64_t lanes) {
  AccelSpec s;
  s.design = Design::kDense;
  s.pes = pes;
  s.banks = banks;
  s.precision = p;
  s.token_lanes = lanes;
  s.act_buffer_bytes = 1 << 20;
  s.out_buffer_bytes = 1 << 20;
  s.weight_buffer_bytes = 1 << 22;
  return s;
}

// y = W x by hand: per column block of Bc an exact int64 segment sum, added into the
// accumulator (starting at the bias) with saturation to the precision's width, blocks in
// ascending order (the documented rule of kernels/fixed_point.h, written out independently).
std::vector<int64_t> dense_reference(const DenseMatrix& w, std::span<const int16_t> x,
                                     int64_t tokens, std::span<const int64_t> bias, int64_t bc) {
  const int bits = w.precision == Precision::kInt8 ? 32 : 48;
  const int64_t hi = (int64_t{1} << (bits - 1)) - 1, lo = -hi - 1;
  std::vector<int64_t> acc(static_cast<size_t>(tokens * w.rows));
  for (int64_t t = 0; t < tokens; ++t) {
    for (int64_t r = 0; r < w.rows; ++r) {
      int64_t a = bias.empty() ? 0 : bias[static_cast<size_t>(r)];
      for (int64_t k0 = 0; k0 < w.cols; k0 += bc) {
        int64_t seg = 0;
        for (int64_t k = k0; k < std::min(w.cols, k0 + bc); ++k) {
          seg += int64_t{w.values[static_cast<size_t>(r * w.cols + k)]} *
                 x[static_cast<size_t>(t * w.cols + k)];
        }
        a = std::clamp(a + seg, lo, hi);
      }
      acc[static_cast<size_t>(t * w.rows + r)] = a;
    }
  }
  return acc;
}

TEST(DenseStream, QuantizesByTheValueTypeRule) {
  const auto w = testing::random_weights(5, 70, 11);
  for (auto mode : {format::ScaleMode::kPerRow, format::ScaleMode::kPerMatrix}) {
    const bool per_row = mode == format::ScaleMode::kPerRow;
    const DenseMatrix d = quantize_dense(w, 5, 70, Precision::kInt8, mode);
    ASSERT_EQ(d.scales.size(), per_row ? 5u : 1u);
    for (int64_t r = 0; r < 5; ++r) {
      float m = 0;  // max |w| over the values sharing the scale
      for (int64_t i = per_row ? r * 70 : 0; i < (per_row ? r * 70 + 70 : 350); ++i) {
        m = std::max(m, std::fabs(w[static_cast<size_t>(i)]));
      }
      const float s = m / 127.0f;
      EXPECT_FLOAT_EQ(d.scales[per_row ? static_cast<size_t>(r) : 0], s);
      for (int64_t k = 0; k < 70; ++k) {
        const long q = std::lround(static_cast<double>(w[static_cast<size_t>(r * 70 + k)]) / s);
        EXPECT_EQ(d.values[static_cast<size_t>(r * 70 + k)], std::clamp<long>(q, -127, 127))
            << r << "," << k;
      }
    }
  }
  EXPECT_THROW(quantize_dense(w, 5, 71, Precision::kInt8, format::ScaleMode::kPerRow), Error);
  EXPECT_THROW(quantize_dense(w, 5, 70, Precision::kFp32, format::ScaleMode::kPerRow), Error);
}

TEST(DenseStream, ImageHoldsEveryValueOnceWithoutIndices) {
  // P 3 (not a power of two), ragged M and K, int16, per-row requantization and a bias.
  const AccelSpec spec = dense_spec(3, 4, Precision::kInt16, 1);
  const int64_t rows = 7, cols = 41, bc = spec.block_cols, bw = bank_width(spec);
  const DenseMatrix w = quantize_dense(testing::random_weights(rows, cols, 3), rows, cols,
                                       Precision::kInt16, format::ScaleMode::kPerRow);
  const auto bias = testing::random_bias(rows, 4);
  std::vector<kernels::Requant> rq;
  for (int64_t r = 0; r < rows; ++r) rq.push_back({static_cast<int32_t>(1000 + r), 7});
  const RtlWeightImage img = dense_image(spec, w, bias, rq);
  const RtlLayer l = dense_layer(spec, rows, cols, true, true);
  EXPECT_EQ(l.rounds, 3);
  EXPECT_EQ(l.q_rows, 3);
  EXPECT_EQ(l.out_banks, 3);
  EXPECT_EQ(l.rows_bytes, 0);
  ASSERT_EQ(img.blocks.size(), 1u);
  EXPECT_EQ(static_cast<int64_t>(img.blocks[0].size()), 9 * 64 * 2);  // R P Bc values, 2 B
  EXPECT_EQ(l.block_bytes, 9 * 64 * 2);
  EXPECT_EQ(static_cast<int64_t>(img.first_extra.size()), 9 * 8 + 9 * 8);
  EXPECT_EQ(l.first_extra_bytes, 9 * 16);
  auto le = [](const std::vector<uint8_t>& v, size_t at, int bytes) {
    uint64_t x = 0;
    for (int i = 0; i < bytes; ++i) x |= uint64_t{v[at + static_cast<size_t>(i)]} << (8 * i);
    return x;
  };
  for (int64_t r = 0; r < 9; ++r) {
    const int64_t b = static_cast<int64_t>(le(img.first_extra, static_cast<size_t>(8 * r), 8));
    EXPECT_EQ(b, r < rows ? bias[static_cast<size_t>(r)] : 0) << r;
    EXPECT_EQ(le(img.first_extra, static_cast<size_t>(72 + 8 * r), 4),
              r < rows ? static_cast<uint64_t>(1000 + r) : 0u);
  }
  // value (round, slot, PE, bank) at ((r * bw + c) * P + p) * B + j
  for (int64_t r = 0; r < 3; ++r) {
    for (int64_t c = 0; c < bw; ++c) {
      for (int64_t p = 0; p < 3; ++p) {
        for (int64_t j = 0; j < 4; ++j) {
          const size_t at = static_cast<size_t>((((r * bw + c) * 3 + p) * 4 + j) * 2);
          const int64_t row = r * 3 + p, k = j * bw + c;
          const auto got = static_cast<int16_t>(le(img.blocks[0], at, 2));
          const int16_t want = row < rows && k < cols ? w.values[row * cols + k] : 0;
          EXPECT_EQ(got, want) << row << "," << k;
        }
      }
    }
  }
  EXPECT_EQ(bc, 64);
  EXPECT_THROW(dense_image(spec, w, std::vector<int64_t>(3), {}), Error);
}

TEST(DenseStream, BeatDividesEverySection) {
  for (int64_t pes : {1, 2, 3, 4, 6, 8, 12, 32}) {
    for (int64_t banks : {4, 8, 16}) {
      for (double gbs : {0.05, 1.0, 4.0, 40.0, 400.0}) {
        AccelSpec s = dense_spec(pes, banks, Precision::kInt8, 1);
        s.offchip_gbs = gbs;
        const int64_t beat = dense_beat_bytes(s);
        const int64_t group = banks;
        EXPECT_EQ(beat & (beat - 1), 0);
        EXPECT_EQ((4 * pes) % beat, 0) << pes;
        EXPECT_EQ((pes * group) % beat, 0) << pes << " " << banks;
        EXPECT_LE((group - 1 + beat) / group, pes);
      }
    }
  }
}

TEST(DenseStream, SimulatorAccumulatorsEqualTheDenseReference) {
  struct Point {
    int64_t pes, banks;
    Precision p;
    int64_t lanes, rows, cols, tokens, tile;
    bool resident;
  };
  const Point points[] = {{4, 8, Precision::kInt8, 1, 37, 150, 5, 2, false},
                          {3, 4, Precision::kInt8, 2, 10, 64, 7, 4, false},
                          {2, 4, Precision::kInt16, 1, 9, 99, 3, 3, true},
                          {8, 16, Precision::kInt16, 1, 20, 128, 4, 64, false}};
  uint64_t seed = 100;
  for (const Point& pt : points) {
    const AccelSpec spec = dense_spec(pt.pes, pt.banks, pt.p, pt.lanes);
    const auto wf = testing::random_weights(pt.rows, pt.cols, seed++);
    const DenseMatrix w = quantize_dense(wf, pt.rows, pt.cols, pt.p, format::ScaleMode::kPerRow);
    const auto x = testing::random_activations(pt.tokens, pt.cols, pt.p, seed++);
    // biases near the accumulator's limits, so that saturation shows
    const int bits = pt.p == Precision::kInt8 ? 32 : 48;
    std::vector<int64_t> bias;
    for (int64_t r = 0; r < pt.rows; ++r) {
      const int64_t top = (int64_t{1} << (bits - 1)) - 1;
      bias.push_back(r % 3 == 0 ? top - 1000 : (r % 3 == 1 ? -top + 1000 : 12345));
    }
    const Mapping mapping{Deal::kRoundRobin, pt.tile, pt.resident};
    const LinearRun run = simulate_linear(spec, mapping, "dense", w, x, pt.tokens, bias);
    const auto want = dense_reference(w, x, pt.tokens, bias, spec.block_cols);
    ASSERT_EQ(run.acc.size(), want.size());
    int64_t saturated = 0;
    for (size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ(run.acc[i], want[i]) << "P" << pt.pes << " at " << i;
      saturated += std::llabs(want[i]) >= (int64_t{1} << (bits - 1)) - 1;
    }
    EXPECT_GT(saturated, 0);
    // kernels' fixed-point reference on the same values as an HPF at density 1
    const sparsity::HpParams full{1.0, 1.0, spec.block_cols, spec.banks};
    const auto hpf = testing::random_hpf(pt.rows, pt.cols, full, pt.p, seed - 2);
    std::vector<int64_t> fixed(want.size(), std::numeric_limits<int64_t>::min());  // poisoned
    kernels::linear_fixed_reference(hpf, x, pt.tokens, bias, fixed);
    EXPECT_EQ(fixed, run.acc);
    const int64_t blocks = (pt.cols + spec.block_cols - 1) / spec.block_cols;
    EXPECT_EQ(run.stats.macs, blocks * pt.rows * spec.block_cols * pt.tokens);
    EXPECT_EQ(run.stats.conflict_stall_cycles, 0);
    EXPECT_GT(run.stats.cycles, 0);
  }
}

std::vector<LayerData> dense_layers(const Workload& w, Precision p, uint64_t seed) {
  std::vector<LayerData> out;
  for (const Op& op : w.ops) {
    const auto* l = std::get_if<LinearOp>(&op);
    if (!l) continue;
    out.push_back({quantize_dense(testing::random_weights(l->rows, l->cols, seed), l->rows, l->cols,
                                  p, format::ScaleMode::kPerRow),
                   testing::random_activations(l->tokens, l->cols, p, seed + 1),
                   {}});
    seed += 2;
  }
  return out;
}

TEST(DenseStream, AnalyticalAgreesWithTheSimulatorOnTaskModels) {
  AccelSpec fast = dense_spec(16, 8, Precision::kInt8, 1);  // streamed, 10 GB/s
  AccelSpec slow = dense_spec(48, 8, Precision::kInt8, 2);  // transfer-bound, P not 2^k
  slow.offchip_gbs = 2.0;
  AccelSpec tiled = dense_spec(24, 16, Precision::kInt16, 1);
  tiled.act_buffer_bytes = 40 * 1024;
  tiled.out_buffer_bytes = 160 * 1024;
  tiled.offchip_gbs = 4.0;
  const AccelSpec specs[] = {fast, slow, tiled};
  // Streamed layers of several token tiles whose blocks alternate between compute- and
  // transfer-bound: the model spaces a tile's blocks from the tile's start, where the loader
  // fetched the next tile's second block as soon as its half was free (the HP model shares this
  // approximation: 3.4 % on the same layer at density 1), so these get 8 %.
  double worst = 0, worst_tiled = 0;
  int64_t checked = 0;
  uint64_t seed = 7;
  for (const io::ModelConfig& model :
       {testing::causal_lm_config(128, 2000), testing::tinybert_config()}) {
    HpPlan plan;
    plan.sparsity = 0;
    for (const AccelSpec& base : specs) {
      for (bool resident : {false, true}) {
        plan.banks = base.banks;
        const Workload w = build_workload(model, 64, 1, plan);
        AccelSpec spec = base;
        if (resident) spec.weight_buffer_bytes = resident_weight_buffer_bytes(spec, w);
        const Mapping mapping{Deal::kRoundRobin, 0, resident};
        const SimResult sim =
            simulate_workload(spec, mapping, w, dense_layers(w, spec.precision, seed));
        seed += 100;
        const LatencyEstimate est = estimate_latency(spec, mapping, w);
        for (size_t i = 0; i < w.ops.size(); ++i) {
          const double rel = std::fabs(static_cast<double>(est.ops[i].cycles) -
                                       static_cast<double>(sim.ops[i].cycles)) /
                             static_cast<double>(sim.ops[i].cycles);
          const auto* lin = std::get_if<LinearOp>(&w.ops[i]);
          const bool tiled =
              lin && !resident &&
              token_tile(spec, mapping, lin->rows, lin->cols, lin->tokens) < lin->tokens;
          (tiled ? worst_tiled : worst) = std::max(tiled ? worst_tiled : worst, rel);
          ++checked;
          EXPECT_LE(rel, tiled ? 0.08 : 0.03)
              << w.model << " P" << spec.pes << " " << sim.ops[i].name << ": simulated "
              << sim.ops[i].cycles << ", modeled " << est.ops[i].cycles;
          EXPECT_EQ(sim.ops[i].macs, est.ops[i].macs) << sim.ops[i].name;
        }
      }
    }
  }
  EXPECT_GT(checked, 50);
  std::printf(
      "dense design, analytical vs simulated, %lld ops: worst %.2f %% (one tile or resident), "
      "%.2f %% (streamed, several tiles)\n",
      static_cast<long long>(checked), 100 * worst, 100 * worst_tiled);
}

TEST(DenseStream, SavesTheIndexBytesOfHpAtDensityOne) {
  // The same dense layer, streamed: HP at density 1 carries rows and offsets; the dense design
  // only values, so at a memory-bound rate it takes fewer cycles.
  AccelSpec dense = dense_spec(8, 8, Precision::kInt8, 1);
  dense.offchip_gbs = 1.0;
  AccelSpec hp = dense;
  hp.design = Design::kHp;
  const int64_t rows = 64, cols = 256, tokens = 4;
  const auto wf = testing::random_weights(rows, cols, 5);
  const auto x = testing::random_activations(tokens, cols, Precision::kInt8, 6);
  const DenseMatrix w =
      quantize_dense(wf, rows, cols, Precision::kInt8, format::ScaleMode::kPerRow);
  const auto hpf = testing::random_hpf(rows, cols, {1.0, 1.0, 64, 8}, Precision::kInt8, 5);
  const Mapping streamed{Deal::kRoundRobin, 0, false};
  const LinearRun d = simulate_linear(dense, streamed, "d", w, x, tokens, {});
  const LinearRun h = simulate_linear(hp, streamed, "h", hpf, x, tokens, {});
  EXPECT_EQ(d.acc, h.acc);
  EXPECT_LT(d.stats.cycles, h.stats.cycles);
  // the streamed column block as each simulator source counts it
  EXPECT_EQ(dense_layer(dense, rows, cols, false, true).block_bytes, rows * 64);  // values only
  EXPECT_GT(rtl_layer(hp, rows, cols, rows, 8, false, true).block_bytes,
            rows * 64 + 2 * rows);  // + rows + offsets
  // wrong weights for the design, and pruned layers on the dense design, are refused
  EXPECT_THROW(simulate_linear(hp, streamed, "x", w, x, tokens, {}), Error);
  EXPECT_THROW(simulate_linear(dense, streamed, "x", hpf, x, tokens, {}), Error);
  Workload pruned = build_workload(testing::causal_lm_config(128, 2000), 16, 1, HpPlan{});
  EXPECT_FALSE(check_mapping(dense, streamed, pruned).ok);
}

TEST(DenseStream, ResourcesDropTheIndexPath) {
  for (int64_t pes : {4, 16, 64}) {
    AccelSpec dense = dense_spec(pes, 8, Precision::kInt8, 2);
    AccelSpec hp = dense;
    hp.design = Design::kHp;
    const ResourceEstimate d = estimate_resources(dense, "DSP48E2");
    const ResourceEstimate h = estimate_resources(hp, "DSP48E2");
    EXPECT_EQ(d.dsp, h.dsp) << pes;  // NB = P at powers of two: same multipliers, requantizers
    EXPECT_LT(d.lut, h.lut) << pes;
    EXPECT_LE(d.bram36, h.bram36) << pes;
  }
  AccelSpec odd = dense_spec(12, 8, Precision::kInt8, 1);
  AccelSpec odd_hp = odd;
  odd_hp.design = Design::kHp;  // NB 16 requantizers against the dense design's 12
  EXPECT_EQ(estimate_resources(odd_hp, "DSP48E2").dsp - estimate_resources(odd, "DSP48E2").dsp,
            4 * kRequantDspInt8);
}

TEST(DenseStream, SizingGivesTheDenseDesignItsOwnConfiguration) {
  const auto catalog = io::load_catalog(io::default_catalog_path());
  SizingProblem problem;
  problem.model = testing::tinybert_config();
  problem.seq = 128;
  problem.plan.sparsity = 0;
  problem.pes = {4, 8, 16, 32, 48, 64};
  problem.banks = {8};
  int sized = 0;
  for (const io::DeviceSpec& device : catalog) {
    if (device.id != "kv260" && device.id != "zcu104") continue;
    problem.design = Design::kHp;
    const SizedAccel hp = size_accelerator(device, problem);
    problem.design = Design::kDense;
    problem.plan.sparsity = 0.9;  // ignored: the dense design runs the dense model
    const SizedAccel dense = size_accelerator(device, problem);
    problem.plan.sparsity = 0;
    ASSERT_TRUE(hp.verdict.ok) << hp.verdict.reason;
    ASSERT_TRUE(dense.verdict.ok) << dense.verdict.reason;
    EXPECT_EQ(dense.spec.design, Design::kDense);
    EXPECT_TRUE(check_mapping(dense.spec, dense.mapping, dense.workload).ok);
    // both run the same dense model; without the index path the dense design is no slower
    EXPECT_LE(dense.latency.latency_us, hp.latency.latency_us) << device.id;
    EXPECT_GE(dense.spec.pes, hp.spec.pes) << device.id;
    ++sized;
  }
  EXPECT_EQ(sized, 2);
}

}  // namespace
}  // namespace fitformer::accel
