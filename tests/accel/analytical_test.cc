// The analytical model against the cycle simulator: every Linear layer of the task models
// (causal LM d 128 and 256, TinyBERT 312/1200; 2 layers; seq 64 and 128) at 50-95 %
// sparsity, on compute- and transfer-bound specs, within 3 %; the whole-workload totals;
// the workload's byte counts against the real HPF's.
#include "accel/analytical.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "accel/cycle_sim.h"
#include "accel_cases.h"

namespace fitformer::accel {
namespace {

io::ModelConfig causal_lm(int d) {
  return testing::causal_lm_config(d, 500);
}

// The HPF each LinearOp stands for, packed by the real packer, with random activations.
std::vector<LayerData> layers_for(const Workload& w, Precision p, uint64_t seed) {
  std::vector<LayerData> out;
  for (const Op& op : w.ops) {
    const auto* l = std::get_if<LinearOp>(&op);
    if (!l) continue;
    const int64_t bw = w.block_cols / w.banks;
    const sparsity::HpParams hp{static_cast<double>(l->k1) / l->rows,
                                static_cast<double>(l->n) / bw, w.block_cols, w.banks};
    LayerData d{testing::random_hpf(l->rows, l->cols, hp, p, seed++),
                testing::random_activations(l->tokens, l->cols, p, seed++),
                {}};
    const auto& h = std::get<format::hpf::Matrix>(d.weights).header;
    EXPECT_EQ(h.k1, l->k1);
    EXPECT_EQ(h.n, l->n);
    out.push_back(std::move(d));
  }
  return out;
}

TEST(Analytical, WithinThreePercentOfTheSimulatorOnTaskModels) {
  struct Hw {
    const char* name;
    AccelSpec spec;
    bool resident;
  };
  AccelSpec small;  // 16 PEs, 10 GB/s at 200 MHz, streaming
  small.act_buffer_bytes = 1 << 20;
  small.out_buffer_bytes = 1 << 20;
  AccelSpec wide = small;  // many PEs, idle-prone, slow memory: transfer-bound
  wide.pes = 96;
  wide.token_lanes = 2;
  wide.offchip_gbs = 2.0;
  AccelSpec tiled = small;  // small buffers: several token tiles, weights re-streamed
  tiled.pes = 24;
  tiled.act_buffer_bytes = 40 * 1024;
  tiled.out_buffer_bytes = 160 * 1024;
  tiled.offchip_gbs = 4.0;
  const Hw hws[] = {{"small", small, false},
                    {"wide", wide, false},
                    {"tiled", tiled, false},
                    {"resident", small, true}};
  const io::ModelConfig models[] = {causal_lm(128), causal_lm(256), testing::tinybert_config()};
  uint64_t seed = 1;
  int64_t layers_checked = 0;
  double worst = 0, worst_conflicting = 0, worst_total = 0;
  for (const io::ModelConfig& model : models) {
    for (int64_t seq : {64, 128}) {
      for (double sparsity : {0.5, 0.8, 0.95}) {
        HpPlan plan;
        plan.sparsity = sparsity;
        if (seq == 128) plan.rho1 = std::max(1.0 - sparsity, 0.3);
        const Workload w = build_workload(model, seq, 1, plan);
        const auto layers = layers_for(w, Precision::kInt8, seed);
        seed += 1000;
        const Hw& hw = hws[static_cast<size_t>(seed / 1000 % 4)];
        const Mapping mapping{Deal::kRoundRobin, 0, hw.resident};
        AccelSpec spec = hw.spec;
        if (hw.resident) spec.weight_buffer_bytes = resident_weight_buffer_bytes(spec, w);
        const SimResult sim = simulate_workload(spec, mapping, w, layers);
        const LatencyEstimate est = estimate_latency(spec, mapping, w);
        ASSERT_EQ(sim.ops.size(), est.ops.size());
        for (size_t i = 0; i < w.ops.size(); ++i) {
          if (std::holds_alternative<VectorOp>(w.ops[i])) {
            EXPECT_EQ(sim.ops[i].cycles, est.ops[i].cycles);
            continue;
          }
          const double rel = std::fabs(static_cast<double>(est.ops[i].cycles) -
                                       static_cast<double>(sim.ops[i].cycles)) /
                             static_cast<double>(sim.ops[i].cycles);
          // With one weight per bank (n = 1) a round lasts one cycle, so output-bank conflicts
          // between the kept rows cost cycles; which rows are kept decides how many, and the
          // model only knows their expectation (identical shapes differ by up to 10 %).
          const auto* lin = std::get_if<LinearOp>(&w.ops[i]);
          const bool conflicts = lin && lin->n == 1 && lin->k1 < lin->rows;
          double& worst_here = conflicts ? worst_conflicting : worst;
          worst_here = std::max(worst_here, rel);
          ++layers_checked;
          EXPECT_LE(rel, conflicts ? 0.10 : 0.03)
              << w.model << " seq " << seq << " sparsity " << sparsity << " " << hw.name << " "
              << sim.ops[i].name << ": simulated " << sim.ops[i].cycles << ", modeled "
              << est.ops[i].cycles;
          EXPECT_EQ(sim.ops[i].macs, est.ops[i].macs) << sim.ops[i].name;
          EXPECT_EQ(sim.ops[i].conflict_stall_cycles, 0) << sim.ops[i].name;
        }
        const double total_rel = std::fabs(static_cast<double>(est.total_cycles) -
                                           static_cast<double>(sim.total_cycles)) /
                                 static_cast<double>(sim.total_cycles);
        worst_total = std::max(worst_total, total_rel);
        EXPECT_LE(total_rel, 0.03) << w.model << " seq " << seq << " sparsity " << sparsity;
        EXPECT_EQ(sim.provenance, Provenance::kSimulated);
        EXPECT_EQ(est.provenance, Provenance::kModeled);
      }
    }
  }
  EXPECT_GT(layers_checked, 100);
  RecordProperty("worst_relative_error", std::to_string(worst));
  RecordProperty("worst_relative_error_n1", std::to_string(worst_conflicting));
  RecordProperty("worst_relative_error_total", std::to_string(worst_total));
  std::printf(
      "analytical vs simulated, %lld layers: worst %.2f %% (n >= 2 or dense), %.2f %% (n = 1 "
      "sparse), %.2f %% (workload totals)\n",
      static_cast<long long>(layers_checked), 100 * worst, 100 * worst_conflicting,
      100 * worst_total);
}

TEST(Analytical, WorkloadHoldsEveryOpOfTheModel) {
  const Workload lm = build_workload(causal_lm(256), 128, 2, HpPlan{});
  int linears = 0, matmuls = 0, vectors = 0;
  for (const Op& op : lm.ops) {
    linears += std::holds_alternative<LinearOp>(op);
    matmuls += std::holds_alternative<MatMulOp>(op);
    vectors += std::holds_alternative<VectorOp>(op);
  }
  EXPECT_EQ(linears, 2 * 4 + 1);  // in_proj, out_proj, up, down per layer; decoder
  EXPECT_EQ(matmuls, 2 * 2);
  EXPECT_EQ(vectors, 2 * 6);
  const auto& qk = std::get<MatMulOp>(lm.ops[1]);
  EXPECT_EQ(qk.rows, 128);
  EXPECT_EQ(qk.cols, 64);
  EXPECT_EQ(qk.count, 4 * 2);
  const auto& in_proj = std::get<LinearOp>(lm.ops[0]);
  EXPECT_EQ(in_proj.rows, 768);
  EXPECT_EQ(in_proj.tokens, 256);
  EXPECT_TRUE(in_proj.pruned);
  EXPECT_FALSE(std::get<LinearOp>(lm.ops.back()).pruned);
  const Workload bert = build_workload(testing::tinybert_config(), 64, 1, HpPlan{});
  EXPECT_EQ(std::get<LinearOp>(bert.ops.back()).name, "classifier");
  EXPECT_EQ(std::get<LinearOp>(bert.ops.back()).tokens, 1);
}

}  // namespace
}  // namespace fitformer::accel
