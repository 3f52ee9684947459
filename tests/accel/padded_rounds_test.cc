// The padded stream packer and its path through the cycle simulator: an HP mask packed padded
// gives HPF's cycles and outputs exactly (both packers from the real code, several seeds,
// ragged shapes, int8/int16, streamed and resident); the padding, the rounds and the compute
// cycles of non-HP masks equal a brute-force count from the mask.
#include "accel/padded_rounds.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <string>

#include "accel/cycle_sim.h"
#include "accel/fixed_point.h"
#include "accel/rtl_image.h"
#include "accel_cases.h"
#include "core/error.h"

namespace fitformer::accel {
namespace {

constexpr int64_t kPoison = std::numeric_limits<int64_t>::min();

using testing::spec_for;

std::vector<int64_t> reference(const auto& w, std::span<const int16_t> x, int64_t tokens,
                               std::span<const int64_t> bias, int64_t rows) {
  std::vector<int64_t> acc(static_cast<size_t>(tokens * rows), kPoison);
  linear_fixed_reference(w, x, tokens, bias, acc);
  return acc;
}

struct HpCase {
  int64_t rows, cols, tokens;
  sparsity::HpParams hp;
};

// Whether some bank of the last column block has at least n real columns: then every kept
// segment of an HP mask has n weights in some bank, and its padded length is HPF's n.
bool last_block_holds_n(int64_t cols, const sparsity::HpParams& hp) {
  const int64_t bw = hp.block_cols / hp.banks;
  const int64_t real = cols - (cols - 1) / hp.block_cols * hp.block_cols;
  return std::min(bw, real) >= sparsity::hp_counts(1 << 10, hp).n;
}

std::vector<HpCase> hp_cases() {
  return {{64, 64, 4, {0.5, 0.5, 64, 8}},     {100, 200, 5, {0.25, 0.25, 64, 8}},
          {33, 130, 3, {0.6, 0.5, 16, 16}},   {256, 96, 9, {1.0, 0.125, 64, 8}},
          {7, 8, 2, {0.5, 1.0, 8, 8}},        {90, 100, 4, {0.1, 1.0, 32, 4}},
          {129, 72, 3, {0.3, 0.75, 64, 8}},   {48, 250, 6, {0.5, 0.5, 32, 4}},
          {200, 128, 5, {0.12, 0.5, 128, 8}}, {31, 70, 3, {0.7, 0.25, 64, 16}}};
}

// Every field of the simulated stats, HPF against the padded stream of the same mask.
void expect_same_cycles(const OpStats& hpf, const OpStats& padded, const std::string& what) {
  EXPECT_EQ(padded.cycles, hpf.cycles) << what;
  EXPECT_EQ(padded.compute_cycles, hpf.compute_cycles) << what;
  EXPECT_EQ(padded.transfer_cycles, hpf.transfer_cycles) << what;
  EXPECT_EQ(padded.exposed_transfer_cycles, hpf.exposed_transfer_cycles) << what;
  EXPECT_EQ(padded.fill_drain_cycles, hpf.fill_drain_cycles) << what;
  EXPECT_EQ(padded.busy_pe_cycles, hpf.busy_pe_cycles) << what;
  EXPECT_EQ(padded.idle_pe_cycles, hpf.idle_pe_cycles) << what;
  EXPECT_EQ(padded.conflict_stall_cycles, 0) << what;
}

TEST(PaddedStream, HpMaskGivesHpfCyclesAndOutputsThroughEitherPacker) {
  uint64_t seed = 900;
  int checked = 0, narrow = 0;
  for (const HpCase& c : hp_cases()) {
    for (Precision p : {Precision::kInt8, Precision::kInt16}) {
      for (int variant = 0; variant < 4; ++variant) {
        const auto w = testing::random_weights(c.rows, c.cols, seed++);
        const auto mask = sparsity::hp_mask(sparsity::magnitude_scores(w), c.rows, c.cols, c.hp);
        const auto hpf = format::pack_hpf(w, c.rows, c.cols, mask, c.hp, precision_value_type(p),
                                          format::ScaleMode::kPerRow);
        const auto stream = pack_stream(w, c.rows, c.cols, mask, c.hp.block_cols, c.hp.banks, p,
                                        format::ScaleMode::kPerRow, StreamOrder::kPadded);
        const auto x = testing::random_activations(c.tokens, c.cols, p, seed++);
        const auto bias =
            variant % 2 ? testing::random_bias(c.rows, seed++) : std::vector<int64_t>{};
        const int64_t lanes = p == Precision::kInt8 && variant >= 2 ? 2 : 1;
        const int64_t pes = std::array<int64_t, 4>{1, 3, 8, 64}[static_cast<size_t>(variant)];
        // transfer-bound (0.05 GB/s: 0.25 B per cycle) or not, resident or streamed
        const AccelSpec spec =
            spec_for(c.hp.block_cols, c.hp.banks, p, lanes, pes, variant == 1 ? 0.05 : 10);
        const Mapping mapping{variant == 2 ? Deal::kContiguous : Deal::kRoundRobin,
                              variant == 3 ? 2 : 0, variant == 3};
        const std::string what =
            fmt::format("{}x{} N{} k1/n {}/{} Bc{} B{} {} P{} variant {}", c.rows, c.cols, c.tokens,
                        hpf.header.k1, hpf.header.n, c.hp.block_cols, c.hp.banks, precision_name(p),
                        pes, variant);
        const LinearRun a = simulate_linear(spec, mapping, "w", hpf, x, c.tokens, bias);
        const LinearRun b = simulate_linear(spec, mapping, "w", stream, x, c.tokens, bias);
        // bit-identical outputs: both equal the HPF reference (and the stream's own)
        const auto want = reference(hpf, x, c.tokens, bias, c.rows);
        ASSERT_EQ(a.acc, want) << what;
        ASSERT_EQ(b.acc, want) << what;
        ASSERT_EQ(reference(stream, x, c.tokens, bias, c.rows), want) << what;
        if (last_block_holds_n(c.cols, c.hp)) {
          expect_same_cycles(a.stats, b.stats, what);
          ++checked;
        } else {
          // A last block narrower than n in every bank: HPF still spends n slots per segment
          // there, the padded stream only its widest bank's count.
          EXPECT_LT(b.stats.busy_pe_cycles, a.stats.busy_pe_cycles) << what;
          EXPECT_LE(b.stats.compute_cycles, a.stats.compute_cycles) << what;
          ++narrow;
        }
        if (c.cols % c.hp.block_cols == 0) {
          EXPECT_EQ(stream.padding_entries(), 0) << what;
          EXPECT_EQ(b.stats.macs, a.stats.macs) << what;
        }
      }
    }
  }
  EXPECT_GE(checked, 60);  // most cases are the exact one; the narrow ones are checked above
  EXPECT_GE(narrow, 8);
}

// The padded stream's image of an HP mask, and of a bank-balanced mask (HP with k1 = M), is the
// RTL's HPF image byte for byte: what tests/rtl runs through the Verilated RTL.
TEST(PaddedStream, UniformPaddedImageIsTheRtlImageByteForByte) {
  struct Case {
    std::string name;
    int64_t rows, cols;
    sparsity::HpParams hp;
    bool bank_balanced;
  };
  const Case cases[] = {{"hp", 77, 192, {0.3, 0.5, 64, 8}, false},
                        {"hp ragged K", 50, 200, {0.5, 0.5, 64, 8}, false},
                        {"hp B16", 40, 128, {0.4, 0.5, 64, 16}, false},
                        {"bank-balanced", 45, 128, {1.0, 0.25, 64, 8}, true}};
  uint64_t seed = 41;
  for (const Case& c : cases) {
    const auto w = testing::random_weights(c.rows, c.cols, seed++);
    const auto mask = c.bank_balanced
                          ? sparsity::make_mask(sparsity::magnitude_scores(w), c.rows, c.cols,
                                                sparsity::BankBalancedParams{c.hp.rho2, 64, 8})
                          : sparsity::hp_mask(sparsity::magnitude_scores(w), c.rows, c.cols, c.hp);
    for (Precision p : {Precision::kInt8, Precision::kInt16}) {
      const auto hpf = format::pack_hpf(w, c.rows, c.cols, mask, c.hp, precision_value_type(p),
                                        format::ScaleMode::kPerRow);
      const auto stream = pack_stream(w, c.rows, c.cols, mask, c.hp.block_cols, c.hp.banks, p,
                                      format::ScaleMode::kPerRow, StreamOrder::kPadded);
      for (int64_t pes : {1, 5, 16}) {
        const std::string what =
            c.name + " " + std::string(precision_name(p)) + " P" + std::to_string(pes);
        const AccelSpec spec = spec_for(c.hp.block_cols, c.hp.banks, p, 1, pes);
        const auto bias = testing::random_bias(c.rows, seed++);
        const std::vector<kernels::Requant> requant(static_cast<size_t>(c.rows),
                                                    kernels::Requant{1 << 30, 31});
        const RtlWeightImage want = rtl_weight_image(spec, hpf, bias, requant);
        const PaddedRounds plan = plan_padded_rounds(spec, stream, true);
        ASSERT_TRUE(plan.uniform) << what;
        const RtlWeightImage got = padded_weight_image(spec, stream, plan, bias, requant);
        EXPECT_EQ(got.first_extra, want.first_extra) << what;
        EXPECT_EQ(plan.first_extra_bytes, static_cast<int64_t>(want.first_extra.size())) << what;
        ASSERT_EQ(got.blocks.size(), want.blocks.size()) << what;
        for (size_t b = 0; b < want.blocks.size(); ++b) {
          EXPECT_EQ(got.blocks[b], want.blocks[b]) << what << " block " << b;
          EXPECT_EQ(plan.block_bytes[b], static_cast<int64_t>(want.blocks[b].size())) << what;
        }
        // the dummy segments of the last round are the only padded slots
        const int64_t k1 = hpf.header.k1, rounds = (k1 + pes - 1) / pes;
        EXPECT_EQ(plan.padded_slots, hpf.blocks() * (rounds * pes - k1) * hpf.header.n) << what;
      }
    }
  }
}

// A stream whose rounds differ in length has no image the RTL as it is can take.
TEST(PaddedStream, RtlImageRefusesRoundsOfDifferentLengths) {
  const auto s = testing::random_stream(32, 128, sparsity::UnstructuredParams{0.3}, 64, 8,
                                        Precision::kInt8, StreamOrder::kPadded, 9);
  const AccelSpec spec = spec_for(64, 8, Precision::kInt8, 1, 4);
  const PaddedRounds plan = plan_padded_rounds(spec, s, false);
  EXPECT_FALSE(plan.uniform);
  EXPECT_THROW(padded_weight_image(spec, s, plan, {}, {}), Error);
}

// Brute force from the mask alone: per column block and kept row, the kept count of each bank;
// the padded length is the largest, the padding the rest of the L x B slots.
struct BruteSegment {
  int64_t block, row, length, kept;
};
std::vector<BruteSegment> brute_segments(const sparsity::Mask& m, int64_t bc, int64_t banks) {
  const int64_t bw = bc / banks;
  std::vector<BruteSegment> out;
  for (int64_t c0 = 0, b = 0; c0 < m.cols; c0 += bc, ++b) {
    for (int64_t r = 0; r < m.rows; ++r) {
      std::vector<int64_t> per_bank(static_cast<size_t>(banks), 0);
      int64_t kept = 0;
      for (int64_t c = c0; c < std::min(m.cols, c0 + bc); ++c) {
        if (m.keep[static_cast<size_t>(r * m.cols + c)])
          ++per_bank[static_cast<size_t>((c - c0) / bw)], ++kept;
      }
      if (kept > 0)
        out.push_back({b, r, *std::max_element(per_bank.begin(), per_bank.end()), kept});
    }
  }
  return out;
}

// Bytes as stream_matrix.h states them: per block, every entry's value and offset bits
// packed, 4 bytes per segment; 4 per scale.
int64_t stated_bytes(const std::vector<BruteSegment>& segs, int64_t blocks, int64_t banks,
                     int64_t value_bytes, int offset_bits, int64_t scales, bool padded) {
  int64_t total = 4 * scales;
  for (int64_t b = 0; b < blocks; ++b) {
    int64_t entries = 0, count = 0;
    for (const auto& s : segs) {
      if (s.block != b) continue;
      entries += padded ? s.length * banks : s.kept;
      ++count;
    }
    total += entries * value_bytes + (entries * offset_bits + 7) / 8 + 4 * count;
  }
  return total;
}

TEST(PaddedStream, PaddingRoundsAndCyclesEqualABruteForceCount) {
  uint64_t seed = 1300;
  for (const auto& [name, pat] : testing::stream_patterns()) {
    for (int64_t pes : {1, 3, 8}) {
      for (Precision p : {Precision::kInt8, Precision::kInt16}) {
        const int64_t rows = 40, cols = 53, tokens = 3, bc = 16, banks = 4, bw = 4;
        const std::string what =
            name + " P" + std::to_string(pes) + " " + std::string(precision_name(p));
        const auto w = testing::random_weights(rows, cols, seed++);
        const auto mask = sparsity::make_mask(sparsity::magnitude_scores(w), rows, cols, pat);
        const auto s = pack_stream(w, rows, cols, mask, bc, banks, p, format::ScaleMode::kPerRow,
                                   StreamOrder::kPadded);
        const auto segs = brute_segments(mask, bc, banks);
        ASSERT_EQ(s.segments(), static_cast<int64_t>(segs.size())) << what;
        int64_t padding = 0;
        for (size_t i = 0; i < segs.size(); ++i) {
          const int64_t e0 = s.segment_entries[i], e1 = s.segment_entries[i + 1];
          ASSERT_EQ(s.segment_row[i], segs[i].row) << what;
          ASSERT_EQ(e1 - e0, segs[i].length * banks) << what << " segment " << i;
          EXPECT_EQ(s.segment_kept[i], segs[i].kept) << what;
          for (int64_t e = e0; e < e1; ++e) {  // slot-major: entry j of a slot is in bank j
            EXPECT_EQ(s.entry_col[static_cast<size_t>(e)] / bw, (e - e0) % banks) << what;
          }
          padding += segs[i].length * banks - segs[i].kept;
        }
        EXPECT_EQ(s.padding_entries(), padding) << what;
        const int64_t vb = precision_bytes(p), scales = rows;
        EXPECT_EQ(s.bytes(), stated_bytes(segs, s.blocks(), banks, vb, 2, scales, true)) << what;
        EXPECT_EQ(s.padding_bytes(),
                  s.bytes() - stated_bytes(segs, s.blocks(), banks, vb, 2, scales, false))
            << what;
        if (name.starts_with("unstructured")) {
          EXPECT_GT(padding, 0) << what;
        }
        if (name == "bank-balanced") {  // n in every bank: padding only in the ragged last block
          for (const auto& x : segs) {
            EXPECT_TRUE(x.block + 1 == s.blocks() || x.length * banks == x.kept) << what;
          }
        }

        // The rounds: each block's segments dealt once, a round as long as its longest
        // segment, m its most rows in one output bank.
        const AccelSpec spec = spec_for(bc, banks, p, 1, pes, 10);
        const PaddedRounds plan = plan_padded_rounds(spec, s, false);
        const int64_t nb = rtl_out_banks(pes);
        int64_t want_compute = 0, slots = 0;
        for (int64_t b = 0; b < s.blocks(); ++b) {
          std::vector<BruteSegment> mine;
          for (const auto& x : segs) {
            if (x.block == b) mine.push_back(x);
          }
          const auto& deal = plan.deal[static_cast<size_t>(b)];
          std::vector<int> seen(mine.size(), 0);
          const int64_t r0 = plan.block_rounds[static_cast<size_t>(b)];
          const int64_t rounds = plan.block_rounds[static_cast<size_t>(b + 1)] - r0;
          ASSERT_EQ(static_cast<int64_t>(deal.size()), rounds * pes) << what;
          int64_t step = 0;
          for (int64_t r = 0; r < rounds; ++r) {
            int64_t length = 1, m = 1;
            std::vector<int64_t> per_bank(static_cast<size_t>(nb), 0);
            for (int64_t pe = 0; pe < pes; ++pe) {
              const int64_t i = deal[static_cast<size_t>(r * pes + pe)];
              if (i < 0) continue;
              ++seen[static_cast<size_t>(i)];
              length = std::max(length, mine[static_cast<size_t>(i)].length);
              m = std::max(m,
                           ++per_bank[static_cast<size_t>(mine[static_cast<size_t>(i)].row % nb)]);
            }
            EXPECT_EQ(plan.round_cycles[static_cast<size_t>(r0 + r)], length) << what;
            EXPECT_EQ(plan.round_conflicts[static_cast<size_t>(r0 + r)], m) << what;
            step += r + 1 < rounds ? std::max(length, m) : length;
            slots += length * pes;
          }
          for (int v : seen) EXPECT_EQ(v, 1) << what << " block " << b;
          want_compute += step;
        }
        int64_t stream_slots = 0;
        for (const auto& x : segs) stream_slots += x.length;
        EXPECT_EQ(plan.padded_slots, slots - stream_slots) << what;

        // Through the simulator: outputs equal the reference, no stall, every segment L cycles
        // per token, and each step the sum of its rounds (gaps of m > L included).
        const auto x = testing::random_activations(tokens, cols, p, seed++);
        const LinearRun run = simulate_linear(spec, Mapping{}, name, s, x, tokens, {});
        ASSERT_EQ(run.acc, reference(s, x, tokens, {}, rows)) << what;
        EXPECT_EQ(run.stats.conflict_stall_cycles, 0) << what;
        EXPECT_EQ(run.stats.busy_pe_cycles, tokens * stream_slots) << what;
        EXPECT_EQ(run.stats.compute_cycles, tokens * want_compute) << what;
        EXPECT_EQ(run.stats.busy_pe_cycles + run.stats.idle_pe_cycles,
                  pes * run.stats.compute_cycles)
            << what;
        int64_t kept = 0;
        for (const auto& y : segs) kept += y.kept;
        EXPECT_EQ(run.stats.macs, tokens * kept) << what;
      }
    }
  }
}

TEST(PaddedStream, OneBankSegmentPadsInsteadOfStalling) {
  // One row, eight kept weights, all in bank 0 (columns 0..7 of Bc 64, bw 8): 8 slots, 56
  // padding entries; unpadded, the same 8 cycles are 7 conflict stalls.
  const int64_t rows = 1, cols = 64;
  const auto s = testing::one_bank_segment(StreamOrder::kPadded);
  EXPECT_EQ(s.padding_entries(), 56);
  EXPECT_EQ(s.segment_entries[1], 64);
  for (int64_t e = 0; e < 64; ++e) {
    EXPECT_EQ(s.entry_val[static_cast<size_t>(e)] != 0, e % 8 == 0) << e;
  }
  // 64 values of 1 byte, 64 offsets of 3 bits, 4 bytes of segment, 4 of scale
  EXPECT_EQ(s.bytes(), 64 + 24 + 4 + 4);
  EXPECT_EQ(s.padding_bytes(), 56 + 21);
  const auto x = testing::random_activations(1, cols, Precision::kInt8, 3);
  const LinearRun run =
      simulate_linear(spec_for(64, 8, Precision::kInt8, 1, 1, 10), Mapping{}, "w", s, x, 1, {});
  EXPECT_EQ(run.stats.busy_pe_cycles, 8);
  EXPECT_EQ(run.stats.conflict_stall_cycles, 0);
  EXPECT_EQ(run.stats.macs, 8);
  EXPECT_EQ(run.acc, reference(s, x, 1, {}, rows));
}

TEST(PaddedStream, NamesParseAndWrongInputIsRefused) {
  for (StreamOrder o :
       {StreamOrder::kColumn, StreamOrder::kBankInterleaved, StreamOrder::kPadded}) {
    EXPECT_EQ(parse_stream_order(stream_order_name(o), "--stream-packer"), o);
  }
  EXPECT_THROW(parse_stream_order("pad", "--stream-packer"), Error);
  const auto w = testing::random_weights(8, 32, 5);
  const auto mask =
      sparsity::make_mask(sparsity::magnitude_scores(w), 8, 32, sparsity::UnstructuredParams{0.5});
  const auto unpadded = pack_stream(w, 8, 32, mask, 32, 4, Precision::kInt8,
                                    format::ScaleMode::kPerRow, StreamOrder::kColumn);
  EXPECT_THROW(plan_padded_rounds(spec_for(32, 4, Precision::kInt8, 1, 2, 10), unpadded, false),
               Error);
  const auto padded = pack_stream(w, 8, 32, mask, 32, 4, Precision::kInt8,
                                  format::ScaleMode::kPerRow, StreamOrder::kPadded);
  EXPECT_THROW(plan_padded_rounds(spec_for(32, 8, Precision::kInt8, 1, 2, 10), padded, false),
               Error);
  EXPECT_THROW(plan_padded_rounds(spec_for(32, 4, Precision::kInt16, 1, 2, 10), padded, false),
               Error);
}

}  // namespace
}  // namespace fitformer::accel
