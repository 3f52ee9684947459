// The RTL's host side: the weight image decodes back (by a decoder written here from the
// layout in rtl_image.h) to exactly the HPF's segments, byte counts match rtl_layer, the deal
// puts every segment in one slot with at most P per round and spreads each bank's rows; beat
// arrivals, the beat rule and the activation image against hand arithmetic.
#include "accel/rtl_image.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "accel_cases.h"
#include "core/error.h"

namespace fitformer::accel {
namespace {

AccelSpec spec_for(int64_t pes, int64_t banks, int64_t bc, Precision p) {
  AccelSpec s;
  s.pes = pes;
  s.banks = banks;
  s.block_cols = bc;
  s.precision = p;
  return s;
}

uint64_t le(const std::vector<uint8_t>& bytes, size_t& at, int64_t n) {
  uint64_t v = 0;
  for (int64_t i = 0; i < n; ++i) v |= uint64_t{bytes.at(at++)} << (8 * i);
  return v;
}

// (block, row, bank, slot) -> (value, offset) of every stored slot of rows that are kept.
using Slots = std::map<std::tuple<int64_t, int64_t, int64_t, int64_t>, std::pair<int64_t, int64_t>>;

Slots hpf_slots(const format::hpf::Matrix& w) {
  Slots out;
  const auto& h = w.header;
  for (int64_t b = 0; b < w.blocks(); ++b) {
    for (int64_t i = 0; i < h.k1; ++i) {
      for (int64_t j = 0; j < h.banks; ++j) {
        for (int64_t c = 0; c < h.n; ++c) {
          const int64_t slot = ((b * h.k1 + i) * h.banks + j) * h.n + c;
          const int64_t v =
              h.value_type == format::ValueType::kI8 ? w.vals_i8[slot] : w.vals_i16[slot];
          out[{b, w.rows[b * h.k1 + i], j, c}] = {v, w.offset(slot)};
        }
      }
    }
  }
  return out;
}

Slots image_slots(const AccelSpec& spec, const RtlWeightImage& img, const format::hpf::Matrix& w) {
  const RtlLayer l =
      rtl_layer(spec, w.header.rows, w.header.cols, w.header.k1, w.header.n, false, false);
  const int64_t p = spec.pes, banks = spec.banks, n = w.header.n, ob = offset_bits(spec);
  const int64_t vbytes = precision_bytes(spec.precision);
  Slots out;
  for (int64_t b = 0; b < l.blocks; ++b) {
    const auto& bytes = img.blocks[b];
    EXPECT_EQ(static_cast<int64_t>(bytes.size()), l.block_bytes);
    size_t at = 0;
    std::vector<int64_t> rows(l.rounds * p);
    for (int64_t& r : rows) r = static_cast<int64_t>(le(bytes, at, 2));
    std::map<std::pair<int64_t, int64_t>, std::vector<int64_t>> vals;  // (slot pos, c) -> B values
    for (int64_t rc = 0; rc < l.rounds * n; ++rc) {
      for (int64_t pe = 0; pe < p; ++pe) {
        for (int64_t j = 0; j < banks; ++j) {
          const int64_t raw = static_cast<int64_t>(le(bytes, at, vbytes));
          vals[{(rc / n) * p + pe, rc % n}].push_back(vbytes == 1 ? static_cast<int8_t>(raw)
                                                                  : static_cast<int16_t>(raw));
        }
      }
    }
    const int64_t og = rtl_offset_group_bytes(spec);
    for (int64_t rc = 0; rc < l.rounds * n; ++rc) {
      for (int64_t pe = 0; pe < p; ++pe) {
        const uint64_t group = le(bytes, at, og);
        const int64_t pos = (rc / n) * p + pe;
        if (rows[pos] == 0xFFFF) {
          EXPECT_EQ(group, 0u);
          continue;
        }
        for (int64_t j = 0; j < banks; ++j) {
          const int64_t off = static_cast<int64_t>((group >> (j * ob)) & ((uint64_t{1} << ob) - 1));
          out[{b, rows[pos], j, rc % n}] = {vals[{pos, rc % n}][j], off};
        }
      }
    }
    EXPECT_EQ(at, bytes.size());
  }
  return out;
}

TEST(RtlImage, WeightImageDecodesBackToTheHpf) {
  uint64_t seed = 7;
  for (const auto& [pes, banks, bc, prec] :
       std::vector<std::tuple<int64_t, int64_t, int64_t, Precision>>{
           {4, 8, 64, Precision::kInt8},
           {3, 4, 16, Precision::kInt16},
           {8, 16, 64, Precision::kInt8},
           {1, 8, 8, Precision::kInt16}}) {
    const AccelSpec spec = spec_for(pes, banks, bc, prec);
    for (const auto& [rows, cols, rho1, rho2] :
         std::vector<std::tuple<int64_t, int64_t, double, double>>{
             {13, 100, 0.5, 0.5}, {40, 3 * bc, 0.1, 1.0}, {7, bc + 1, 1.0, 0.25}}) {
      const auto w = testing::random_hpf(rows, cols, {rho1, rho2, bc, banks}, prec, seed++);
      const RtlWeightImage img = rtl_weight_image(spec, w, {}, {});
      EXPECT_TRUE(img.first_extra.empty());
      EXPECT_EQ(image_slots(spec, img, w), hpf_slots(w)) << pes << " " << rows << "x" << cols;
    }
  }
}

// What the weight buffer holds of a block (rtl_block_buffer_bytes, which the sizing and
// check_mapping count) is the image's block after its rows section, and that is R x n words of
// hpa_top's weight buffer: a buffer of those bytes gets WB_WORDS >= R x n. Random HP layers:
// ragged shapes, int8 and int16, P not a power of two, one or two token lanes, with and without
// row parameters (which go to their own memory and do not count).
TEST(RtlImage, BlockBufferBytesAreTheImagesWeightWords) {
  Rng rng(23);
  const std::pair<int64_t, int64_t> geometries[] = {{64, 16}, {64, 8}, {64, 4}, {16, 4}, {8, 8}};
  const int64_t pe_choices[] = {1, 2, 3, 5, 8, 12, 24, 96};
  const double rho2s[] = {1.0, 0.5, 0.25};
  for (int trial = 0; trial < 40; ++trial) {
    const auto [bc, banks] = geometries[rng.below(5)];
    const Precision prec = rng.below(2) == 0 ? Precision::kInt8 : Precision::kInt16;
    const int64_t pes = pe_choices[rng.below(8)];
    AccelSpec spec = testing::spec_for(bc, banks, prec, prec == Precision::kInt8 ? 2 : 1, pes);
    const int64_t rows = 1 + static_cast<int64_t>(rng.below(150));
    const int64_t cols = 1 + static_cast<int64_t>(rng.below(static_cast<uint64_t>(3 * bc)));
    const double rho1 = 0.05 + 0.95 * rng.uniform();
    const double rho2 = std::max(rho2s[rng.below(3)], static_cast<double>(banks) / bc);
    const auto w = testing::random_hpf(rows, cols, {rho1, rho2, bc, banks}, prec,
                                       static_cast<uint64_t>(100 + trial));
    const bool params = rng.below(2) == 1;
    std::vector<int64_t> bias;
    std::vector<kernels::Requant> rq;
    if (params) {
      bias.assign(static_cast<size_t>(rows), 3);
      rq.assign(static_cast<size_t>(rows), kernels::Requant{1 << 20, 9});
    }
    const RtlWeightImage img = rtl_weight_image(spec, w, bias, rq);
    const int64_t k1 = w.header.k1, n = w.header.n, rounds = (k1 + pes - 1) / pes;
    const int64_t word_bytes = pes * banks * (8 * precision_bytes(prec) + offset_bits(spec)) / 8;
    const int64_t buffer = rtl_block_buffer_bytes(spec, k1, n);
    EXPECT_EQ(buffer, rounds * n * word_bytes);
    EXPECT_EQ(rtl_layer(spec, rows, cols, k1, n, params, params).block_buffer_bytes, buffer);
    ASSERT_EQ(static_cast<int64_t>(img.blocks.size()), (cols + bc - 1) / bc);
    for (const auto& block : img.blocks) {
      EXPECT_EQ(static_cast<int64_t>(block.size()), 2 * rounds * pes + buffer)
          << trial << ": P " << pes << " " << rows << "x" << cols << " k1 " << k1;
    }
    spec.weight_buffer_bytes = buffer;
    EXPECT_GE(rtl_depths(spec).wb_words, rounds * n);
    EXPECT_LE(rtl_depths(spec).wb_words, std::max<int64_t>(2, rounds * n + 1));
  }
}

TEST(RtlImage, RowParametersComeWithTheFirstBlock) {
  const AccelSpec spec = spec_for(4, 8, 64, Precision::kInt16);
  const auto w = testing::random_hpf(6, 64, {0.5, 0.5, 64, 8}, Precision::kInt16, 3);
  const std::vector<int64_t> bias = {-1, 2, -3, 4, (int64_t{1} << 46), -(int64_t{1} << 47)};
  std::vector<kernels::Requant> rq(6, kernels::Requant{1 << 30, 33});
  rq[5] = {(1 << 30) + 5, 40};
  const RtlWeightImage img = rtl_weight_image(spec, w, bias, rq);
  // Q = ceil(6 / 4) = 2 words of NB = 4 rows: 8 rows x (8 bias bytes + 8 requant bytes)
  ASSERT_EQ(img.first_extra.size(), 8u * 16u);
  const RtlLayer l = rtl_layer(spec, 6, 64, w.header.k1, w.header.n, true, true);
  EXPECT_EQ(l.first_extra_bytes, 128);
  size_t at = 0;
  for (int64_t r = 0; r < 8; ++r) {
    EXPECT_EQ(static_cast<int64_t>(le(img.first_extra, at, 8)), r < 6 ? bias[r] : 0) << r;
  }
  for (int64_t r = 0; r < 8; ++r) {
    EXPECT_EQ(le(img.first_extra, at, 4), r < 6 ? static_cast<uint64_t>(rq[r].multiplier) : 0u);
    EXPECT_EQ(le(img.first_extra, at, 4), r < 6 ? static_cast<uint64_t>(rq[r].shift) : 0u);
  }
}

TEST(RtlImage, DealPlacesEverySegmentOnceAndSpreadsBanks) {
  Rng rng(11);
  for (int64_t pes : {1, 3, 4, 16}) {
    for (int trial = 0; trial < 20; ++trial) {
      const int64_t k1 = 1 + static_cast<int64_t>(rng.below(60));
      std::vector<uint16_t> rows;
      for (int64_t r = 0; static_cast<int64_t>(rows.size()) < k1;
           r += 1 + static_cast<int64_t>(rng.below(5))) {
        rows.push_back(static_cast<uint16_t>(r));
      }
      const auto slots = rtl_block_deal(rows, pes);
      const int64_t rounds = (k1 + pes - 1) / pes, nb = rtl_out_banks(pes);
      ASSERT_EQ(static_cast<int64_t>(slots.size()), rounds * pes);
      std::vector<int> seen(k1, 0);
      std::map<int64_t, int64_t> per_bank;
      for (uint16_t r : rows) ++per_bank[r % nb];
      for (int64_t r = 0; r < rounds; ++r) {
        std::map<int64_t, int64_t> in_round;
        for (int64_t p = 0; p < pes; ++p) {
          const int64_t i = slots[r * pes + p];
          if (i < 0) continue;
          ++seen[i];
          ++in_round[rows[i] % nb];
        }
        for (const auto& [bank, count] : in_round) {
          // a bank's rows spread evenly: at most ceil(its rows / R) in a round
          EXPECT_LE(count, (per_bank[bank] + rounds - 1) / rounds) << pes << " " << k1;
        }
      }
      for (int s : seen) EXPECT_EQ(s, 1);
    }
  }
}

TEST(RtlImage, BeatsArriveAtTheRateOneAPerCycleAtMost) {
  // 20 bytes in 8-byte beats at 2.5 B per cycle: 8 bytes by cycle 4 (3.2), 16 by 7 (6.4), 20 by 8
  EXPECT_EQ(rtl_beat_arrival(1, 20, 8, 2.5), 4);
  EXPECT_EQ(rtl_beat_arrival(2, 20, 8, 2.5), 7);
  EXPECT_EQ(rtl_beat_arrival(3, 20, 8, 2.5), 8);
  // faster than the beat: one per cycle
  EXPECT_EQ(rtl_beat_arrival(3, 20, 8, 100.0), 3);
  // a short last beat due in the same cycle as the one before comes one cycle later
  EXPECT_EQ(rtl_beat_arrival(52, 105, 2, 1.25), 84);
  EXPECT_EQ(rtl_beat_arrival(53, 105, 2, 1.25), 85);
}

TEST(RtlImage, BeatFollowsTheRateWithinWhatTheDecoderTakes) {
  AccelSpec s = spec_for(32, 8, 64, Precision::kInt8);
  s.clock_mhz = 300;
  s.offchip_gbs = 15.36;  // 51.2 B per cycle
  EXPECT_EQ(rtl_beat_bytes(s), 64);
  s.offchip_gbs = 3;  // 10 B per cycle
  EXPECT_EQ(rtl_beat_bytes(s), 16);
  s.pes = 4;  // 2P = 8, 4 x 3 offset bytes = 12 -> 8
  s.offchip_gbs = 100;
  EXPECT_EQ(rtl_beat_bytes(s), 8);
  s.pes = 3;  // 2P = 6: 2
  EXPECT_EQ(rtl_beat_bytes(s), 2);
}

TEST(RtlImage, ActivationWordsHoldBanksAndLanes) {
  AccelSpec s = spec_for(2, 2, 4, Precision::kInt8);  // bank width 2
  s.token_lanes = 2;
  // 3 tokens x 5 columns, tile 3: groups {0, 1}, {2, -}; blocks of 4 columns: 2
  std::vector<int16_t> x(15);
  for (int i = 0; i < 15; ++i) x[i] = static_cast<int16_t>(i + 1);
  const auto img = rtl_act_image(s, x, 3, 5, 3);
  ASSERT_EQ(img.size(), 2u * 2u * 2u * 4u);  // groups x blocks x offsets x (banks x lanes)
  // group 0, block 0, offset 1: bank 0 column 1, bank 1 column 3; lanes tokens 0 and 1
  const std::vector<uint8_t> word(img.begin() + 4, img.begin() + 8);
  EXPECT_EQ(word, (std::vector<uint8_t>{2, 7, 4, 9}));
  // group 1, block 1, offset 0: column 4 for token 2, zero past K and for the missing token
  const std::vector<uint8_t> last(img.begin() + 24, img.begin() + 28);
  EXPECT_EQ(last, (std::vector<uint8_t>{15, 0, 0, 0}));
}

}  // namespace
}  // namespace fitformer::accel
