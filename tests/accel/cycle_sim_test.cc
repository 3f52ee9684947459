// The cycle simulator: outputs bit-equal to the fixed-point reference on HPF matrices from
// the real packer (ragged shapes, both precisions, one and two token lanes, both deals, token
// tiling); HP never stalls; other patterns fed as streams stall and idle exactly as a
// brute-force count from the mask says; the PE-cycle identity; the weight double buffer.
#include "accel/cycle_sim.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "accel/fixed_point.h"
#include "accel/rtl_image.h"
#include "accel_cases.h"
#include "core/error.h"

namespace fitformer::accel {
namespace {

struct HpCase {
  int64_t rows, cols, tokens;
  sparsity::HpParams hp;
  Precision precision;
  int64_t lanes, pes;
  Deal deal;
  int64_t max_tile;
  std::string name() const {
    return std::to_string(rows) + "x" + std::to_string(cols) + " N" + std::to_string(tokens) +
           " rho " + std::to_string(hp.rho1) + "/" + std::to_string(hp.rho2) + " Bc" +
           std::to_string(hp.block_cols) + " B" + std::to_string(hp.banks) + " " +
           std::string(precision_name(precision)) + " L" + std::to_string(lanes) + " P" +
           std::to_string(pes) + " tile" + std::to_string(max_tile);
  }
};

std::vector<HpCase> hp_cases() {
  std::vector<HpCase> out;
  const int64_t shapes[][3] = {{64, 64, 4}, {100, 200, 5}, {33, 130, 3}, {7, 8, 2}, {256, 96, 9}};
  const sparsity::HpParams hps[] = {{0.5, 0.5, 64, 8},
                                    {0.25, 0.25, 64, 8},
                                    {1.0, 0.125, 64, 8},
                                    {0.1, 1.0, 32, 4},
                                    {0.6, 0.5, 16, 16}};
  int i = 0;
  for (const auto& s : shapes) {
    for (const auto& hp : hps) {
      for (Precision p : {Precision::kInt8, Precision::kInt16}) {
        ++i;
        const int64_t lanes = p == Precision::kInt8 && i % 2 ? 2 : 1;
        const int64_t pes = std::array<int64_t, 4>{1, 3, 8, 64}[static_cast<size_t>(i % 4)];
        out.push_back({s[0], s[1], s[2], hp, p, lanes, pes,
                       i % 3 ? Deal::kRoundRobin : Deal::kContiguous, i % 5 == 0 ? 3 : 0});
      }
    }
  }
  return out;
}

using testing::spec_for;

TEST(CycleSim, HpfOutputsEqualTheReferenceBitwiseAndNeverStall) {
  uint64_t seed = 100;
  for (const HpCase& c : hp_cases()) {
    const auto w = testing::random_hpf(c.rows, c.cols, c.hp, c.precision, seed++);
    const auto x = testing::random_activations(c.tokens, c.cols, c.precision, seed++);
    const auto bias = testing::random_bias(c.rows, seed++);
    std::vector<int64_t> want(static_cast<size_t>(c.tokens * c.rows));
    linear_fixed_reference(w, x, c.tokens, bias, want);
    const AccelSpec spec = spec_for(c.hp.block_cols, c.hp.banks, c.precision, c.lanes, c.pes);
    const Mapping mapping{c.deal, c.max_tile, false};
    const LinearRun run = simulate_linear(spec, mapping, "w", w, x, c.tokens, bias);
    ASSERT_EQ(run.acc, want) << c.name();
    const OpStats& s = run.stats;
    EXPECT_EQ(s.conflict_stall_cycles, 0) << c.name();
    EXPECT_EQ(s.busy_pe_cycles + s.idle_pe_cycles, spec.pes * s.compute_cycles) << c.name();
    EXPECT_EQ(s.provenance, Provenance::kSimulated);
    // Busy cycles are exactly the segments' n cycles per token group.
    const int64_t groups = [&] {
      const int64_t tile = token_tile(spec, mapping, c.rows, c.cols, c.tokens);
      return (c.tokens / tile) * ((tile + c.lanes - 1) / c.lanes) +
             (c.tokens % tile + c.lanes - 1) / c.lanes;
    }();
    EXPECT_EQ(s.busy_pe_cycles, groups * w.blocks() * w.header.k1 * w.header.n) << c.name();
  }
}

TEST(CycleSim, BalancedHpKeepsEveryPeBusy) {
  // k1 = 32 segments on 8 PEs, n = 4 >= bw / ... : step = 4 * 4 = 16 >= bw = 8, no idle.
  const sparsity::HpParams hp{0.5, 0.5, 64, 8};
  const auto w = testing::random_hpf(64, 256, hp, Precision::kInt8, 1);
  ASSERT_EQ(w.header.k1, 32);
  ASSERT_EQ(w.header.n, 4);
  const auto x = testing::random_activations(6, 256, Precision::kInt8, 2);
  const AccelSpec spec = spec_for(64, 8, Precision::kInt8, 1, 8);
  const LinearRun run = simulate_linear(spec, Mapping{}, "w", w, x, 6, {});
  EXPECT_EQ(run.stats.idle_pe_cycles, 0);
  EXPECT_EQ(run.stats.conflict_stall_cycles, 0);
  EXPECT_EQ(run.stats.compute_cycles, 4 * 6 * 16);
}

// Output-bank conflicts (rtl/hpa_commit.sv): a round's rows share NB = P banks by row mod NB,
// one accumulator per bank per cycle, so a round whose P rows all fall into one bank is spaced
// m = P cycles from the next instead of n. 64 rows, k1 = 16, one slot per segment (bw = n = 1),
// 4 PEs: rows 0, 4, 8, ... (all in bank 0) against rows 0 .. 15 (one per bank).
TEST(CycleSim, RoundsWhoseRowsShareAnOutputBankAreSpacedApart) {
  const int64_t rows = 64, cols = 8, tokens = 3;
  const sparsity::HpParams hp{0.25, 1.0, 8, 8};
  int64_t compute[2];
  for (int colliding = 0; colliding < 2; ++colliding) {
    std::vector<float> w(rows * cols);
    for (int64_t r = 0; r < rows; ++r) {
      const bool kept = colliding ? r % 4 == 0 : r < 16;
      for (int64_t c = 0; c < cols; ++c) w[r * cols + c] = (kept ? 10.0f : 0.1f) * (1 + c);
    }
    const auto mask = sparsity::hp_mask(sparsity::magnitude_scores(w), rows, cols, hp);
    const auto m = format::pack_hpf(w, rows, cols, mask, hp, format::ValueType::kI8,
                                    format::ScaleMode::kPerRow);
    ASSERT_EQ(m.header.k1, 16);
    const auto x = testing::random_activations(tokens, cols, Precision::kInt8, 5);
    const LinearRun run =
        simulate_linear(spec_for(8, 8, Precision::kInt8, 1, 4), Mapping{}, "w", m, x, tokens, {});
    std::vector<int64_t> want(static_cast<size_t>(tokens * rows));
    linear_fixed_reference(m, x, tokens, {}, want);
    EXPECT_EQ(run.acc, want);
    compute[colliding] = run.stats.compute_cycles;
  }
  // per step: 4 rounds of n = 1; colliding rounds add m - n = 3 cycles after each but the last
  EXPECT_EQ(compute[0], tokens * 4);
  EXPECT_EQ(compute[1], tokens * (4 + 3 * 3));
}

// The brute force: per block, the segments from the mask in row order, each costing the sum
// over windows of B consecutive kept columns (ascending) of the largest number of them in
// one bank; stalls the sum of (that - 1); PEs get segments round robin; a step issues for as
// long as its slowest PE (at least one cycle) and the others idle meanwhile. (Waiting for the
// next input slice falls between steps, outside compute_cycles.)
struct Brute {
  int64_t stalls = 0, idle = 0, busy = 0, compute = 0;
};

Brute brute_force(const sparsity::Mask& m, int64_t bc, int64_t banks, int64_t pes, int64_t tokens) {
  const int64_t bw = bc / banks;
  Brute out;
  for (int64_t c0 = 0; c0 < m.cols; c0 += bc) {
    std::vector<int64_t> work(static_cast<size_t>(pes), 0);
    int64_t seg = 0;
    for (int64_t r = 0; r < m.rows; ++r) {
      std::vector<int64_t> cols;
      for (int64_t c = c0; c < std::min(m.cols, c0 + bc); ++c) {
        if (m.keep[static_cast<size_t>(r * m.cols + c)]) cols.push_back(c - c0);
      }
      if (cols.empty()) continue;
      int64_t cycles = 0;
      for (size_t w0 = 0; w0 < cols.size(); w0 += static_cast<size_t>(banks)) {
        std::vector<int64_t> per_bank(static_cast<size_t>(banks), 0);
        for (size_t k = w0; k < std::min(cols.size(), w0 + static_cast<size_t>(banks)); ++k) {
          ++per_bank[static_cast<size_t>(cols[k] / bw)];
        }
        const int64_t worst = *std::max_element(per_bank.begin(), per_bank.end());
        cycles += worst;
        out.stalls += (worst - 1) * tokens;
      }
      work[static_cast<size_t>(seg++ % pes)] += cycles;
    }
    const int64_t step = std::max<int64_t>(*std::max_element(work.begin(), work.end()), 1);
    for (int64_t w : work) {
      out.busy += w * tokens;
      out.idle += (step - w) * tokens;
    }
    out.compute += step * tokens;
  }
  return out;
}

TEST(CycleSim, OtherPatternsStallAsTheBruteForceCounts) {
  uint64_t seed = 500;
  for (const auto& [name, pat] : testing::stream_patterns()) {
    for (int64_t pes : {1, 3, 8}) {
      const int64_t rows = 24, cols = 53, tokens = 3, bc = 16, banks = 4;
      const auto w = testing::random_weights(rows, cols, seed++);
      const auto mask = sparsity::make_mask(sparsity::magnitude_scores(w), rows, cols, pat);
      const auto s = pack_stream(w, rows, cols, mask, bc, banks, Precision::kInt16,
                                 format::ScaleMode::kPerRow, StreamOrder::kColumn);
      const auto x = testing::random_activations(tokens, cols, Precision::kInt16, seed++);
      std::vector<int64_t> want(static_cast<size_t>(tokens * rows));
      linear_fixed_reference(s, x, tokens, {}, want);
      const AccelSpec spec = spec_for(bc, banks, Precision::kInt16, 1, pes);
      const LinearRun run = simulate_linear(spec, Mapping{}, name, s, x, tokens, {});
      ASSERT_EQ(run.acc, want) << name << " P" << pes;
      const Brute b = brute_force(mask, bc, banks, pes, tokens);
      EXPECT_EQ(run.stats.conflict_stall_cycles, b.stalls) << name << " P" << pes;
      EXPECT_EQ(run.stats.idle_pe_cycles, b.idle) << name << " P" << pes;
      EXPECT_EQ(run.stats.busy_pe_cycles, b.busy) << name << " P" << pes;
      EXPECT_EQ(run.stats.compute_cycles, b.compute) << name << " P" << pes;
      if (name.starts_with("unstructured")) {
        EXPECT_GT(run.stats.conflict_stall_cycles, 0);
      }
    }
  }
}

TEST(CycleSim, BankInterleavedStreamsAvoidConflictsOfBalancedRows) {
  // Dense Br x Bc blocks: in column order every window hits one bank (bw - 1 stalls per
  // window); interleaved, each window reads every bank once.
  const int64_t rows = 32, cols = 128, tokens = 2;
  const auto w = testing::random_weights(rows, cols, 77);
  const auto mask = sparsity::make_mask(sparsity::magnitude_scores(w), rows, cols,
                                        sparsity::BlockWiseParams{0.5, 8, 64});
  const auto x = testing::random_activations(tokens, cols, Precision::kInt8, 78);
  const AccelSpec spec = spec_for(64, 8, Precision::kInt8, 1, 4);
  int64_t stalls[2];
  for (StreamOrder order : {StreamOrder::kColumn, StreamOrder::kBankInterleaved}) {
    const auto s = pack_stream(w, rows, cols, mask, 64, 8, Precision::kInt8,
                               format::ScaleMode::kPerMatrix, order);
    std::vector<int64_t> want(static_cast<size_t>(tokens * rows));
    linear_fixed_reference(s, x, tokens, {}, want);
    const LinearRun run = simulate_linear(spec, Mapping{}, "block", s, x, tokens, {});
    ASSERT_EQ(run.acc, want);
    stalls[static_cast<int>(order)] = run.stats.conflict_stall_cycles;
  }
  const int64_t kept_segments = rows * cols / 64 / 2;  // half the 8 x 64 blocks, 8 rows each
  EXPECT_EQ(stalls[0], kept_segments * 8 * 7 * tokens);
  EXPECT_EQ(stalls[1], 0);
}

TEST(CycleSim, AllWeightsOfASegmentInOneBankSerialize) {
  // One row, eight kept weights, all in bank 0 (columns 0..7 of Bc 64, bw 8).
  const int64_t cols = 64;
  const auto s = testing::one_bank_segment(StreamOrder::kBankInterleaved);
  const auto x = testing::random_activations(1, cols, Precision::kInt8, 3);
  const LinearRun run =
      simulate_linear(spec_for(64, 8, Precision::kInt8, 1, 1), Mapping{}, "w", s, x, 1, {});
  EXPECT_EQ(run.stats.busy_pe_cycles, 8);
  EXPECT_EQ(run.stats.conflict_stall_cycles, 7);
}

TEST(CycleSim, WeightStreamBoundsTheLayerAndResidencyRemovesIt) {
  const sparsity::HpParams hp{0.5, 0.5, 64, 8};
  const auto w = testing::random_hpf(256, 512, hp, Precision::kInt8, 11);
  const auto x = testing::random_activations(2, 512, Precision::kInt8, 12);
  AccelSpec spec = spec_for(64, 8, Precision::kInt8, 1, 64);
  spec.offchip_gbs = 0.1;  // 0.5 B per cycle at 200 MHz
  const LinearRun slow = simulate_linear(spec, Mapping{}, "w", w, x, 2, {});
  EXPECT_GT(slow.stats.exposed_transfer_cycles, 0);
  EXPECT_GE(slow.stats.cycles - slow.stats.fill_drain_cycles, slow.stats.transfer_cycles);
  // the RTL's image (padded rounds, per-row requantization words), one burst per block
  const RtlLayer layer =
      rtl_layer(spec, w.header.rows, w.header.cols, w.header.k1, w.header.n, false, true);
  const int64_t bytes = w.blocks() * layer.block_bytes + layer.first_extra_bytes;
  EXPECT_EQ(slow.stats.transfer_cycles, 2 * bytes);  // 0.5 B per cycle, one-byte beats
  const LinearRun resident =
      simulate_linear(spec, Mapping{Deal::kRoundRobin, 0, true}, "w", w, x, 2, {});
  EXPECT_EQ(resident.stats.transfer_cycles, 0);
  EXPECT_EQ(resident.stats.exposed_transfer_cycles, 0);
  EXPECT_EQ(resident.acc, slow.acc);
}

TEST(CycleSim, RefusesMismatchedHardware) {
  const sparsity::HpParams hp{0.5, 0.5, 64, 8};
  const auto w = testing::random_hpf(16, 64, hp, Precision::kInt8, 1);
  const auto x = testing::random_activations(1, 64, Precision::kInt8, 2);
  EXPECT_THROW(simulate_linear(spec_for(64, 4, Precision::kInt8, 1, 2), {}, "w", w, x, 1, {}),
               Error);
  EXPECT_THROW(simulate_linear(spec_for(64, 8, Precision::kInt16, 1, 2), {}, "w", w, x, 1, {}),
               Error);
  AccelSpec tiny = spec_for(64, 8, Precision::kInt8, 1, 2);
  tiny.act_buffer_bytes = 10;
  EXPECT_THROW(simulate_linear(tiny, {}, "w", w, x, 1, {}), Error);
}

}  // namespace
}  // namespace fitformer::accel
