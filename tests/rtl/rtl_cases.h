// Layers for the RTL checks: HP weights from the real pruner and packer, activations, biases
// (none, random, or at the accumulator's limits), requantization parameters; what the
// fixed-point reference and the cycle simulator say about them; the RTL jobs (descriptors,
// weight bursts, activation words) that run them; and the comparison of an RTL outcome.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

#include "accel/cycle_sim.h"
#include "accel/fixed_point.h"
#include "accel/mapping.h"
#include "accel/rtl_image.h"
#include "core/random.h"
#include "format/hpf.h"
#include "rtl_harness.h"
#include "sparsity/hierarchical.h"
#include "sparsity/patterns.h"

namespace fitformer::rtltest {

enum class BiasKind { kNone, kRandom, kSaturating };

struct LayerData {
  format::hpf::Matrix w;
  std::vector<int16_t> x;  // [tokens][K]
  int64_t tokens = 0;
  std::vector<int64_t> bias;              // empty or M
  std::vector<kernels::Requant> requant;  // per row (M) or empty
  kernels::Requant layer_requant{};       // when requant is empty
};

inline accel::Precision build_precision(const RtlBuild& b) {
  return b.width == 8 ? accel::Precision::kInt8 : accel::Precision::kInt16;
}

// The spec of the build at `bytes_per_cycle` (100 MHz clock), with buffers large enough that
// the mapping's max_token_tile sets the tile.
inline accel::AccelSpec spec_for(const RtlBuild& b, double bytes_per_cycle) {
  accel::AccelSpec s;
  s.pes = b.pes;
  s.banks = b.banks;
  s.block_cols = b.block_cols;
  s.token_lanes = b.lanes;
  s.precision = build_precision(b);
  s.clock_mhz = 100;
  s.offchip_gbs = bytes_per_cycle / 10;
  s.weight_buffer_bytes = int64_t{1} << 40;
  s.act_buffer_bytes = int64_t{1} << 40;
  s.out_buffer_bytes = int64_t{1} << 40;
  return s;
}

inline std::vector<int16_t> random_x(int64_t tokens, int64_t cols, int32_t qmax, Rng& rng) {
  std::vector<int16_t> x(static_cast<size_t>(tokens * cols));
  for (int16_t& v : x)
    v = static_cast<int16_t>(static_cast<int64_t>(rng.below(2 * qmax + 1)) - qmax);
  if (x.size() > 2) x[0] = static_cast<int16_t>(qmax), x[1] = static_cast<int16_t>(-qmax);
  return x;
}

inline std::vector<int64_t> make_bias(BiasKind kind, int64_t rows, int acc_bits, Rng& rng) {
  std::vector<int64_t> b;
  if (kind == BiasKind::kNone) return b;
  const int64_t top = (int64_t{1} << (acc_bits - 1)) - 1;
  for (int64_t r = 0; r < rows; ++r) {
    if (kind == BiasKind::kRandom) {
      b.push_back(static_cast<int64_t>(rng.below(2'000'001)) - 1'000'000);
    } else {  // within a few segments of either limit, so partial sums cross it
      const int64_t near = static_cast<int64_t>(rng.below(static_cast<uint64_t>(top >> 16)));
      b.push_back(r % 2 ? top - near : -top - 1 + near);
    }
  }
  return b;
}

inline kernels::Requant random_requant(Rng& rng) {
  return kernels::make_requant(
      std::ldexp(0.5 + rng.uniform() / 2, -6 - static_cast<int>(rng.below(20))));
}

// An HP layer of rows x cols from the real pruner and packer, seeds from `seed`.
inline LayerData make_layer(const RtlBuild& b, int64_t rows, int64_t cols, int64_t tokens,
                            double rho1, double rho2, BiasKind bias, bool per_row, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> w(static_cast<size_t>(rows * cols));
  for (float& v : w) v = static_cast<float>(rng.uniform() * 2.0 - 1.0);
  const sparsity::HpParams hp{rho1, rho2, b.block_cols, b.banks};
  const auto mask = sparsity::hp_mask(sparsity::magnitude_scores(w), rows, cols, hp);
  const accel::Precision p = build_precision(b);
  LayerData d;
  d.w = format::pack_hpf(w, rows, cols, mask, hp, format::precision_value_type(p),
                         per_row ? format::ScaleMode::kPerRow : format::ScaleMode::kPerMatrix);
  d.tokens = tokens;
  d.x = random_x(tokens, cols, format::precision_qmax(p), rng);
  d.bias = make_bias(bias, rows, static_cast<int>(b.acc_bits), rng);
  if (per_row) {
    for (int64_t r = 0; r < rows; ++r) d.requant.push_back(random_requant(rng));
  } else {
    d.layer_requant = random_requant(rng);
  }
  return d;
}

// One layer of a descriptor table: shape, HP densities (1 and 1 for a dense layer), bias,
// requantization, residence.
struct Case {
  int64_t rows, cols, tokens, tile;
  double rho1, rho2;
  BiasKind bias;
  bool per_row;
  bool resident;
};

// Four random layers within the build's depths; n = 1 and sparse rows make rounds whose rows
// collide in an output bank (m > n), so the commit gap is exercised. `dense`: the same draws
// with every layer dense (rho1 = rho2 = 1), for the dense design.
inline std::vector<Case> random_sequence(const RtlBuild& build, uint64_t seed, bool dense) {
  Rng rng(seed);
  const int64_t p = build.pes, bc = build.block_cols, bw = bc / build.banks;
  const double rho1s[] = {0.1, 0.3, 0.6, 1.0};
  const double rho2s[] = {1.0 / static_cast<double>(bw), 0.5, 1.0};
  std::vector<Case> out;
  int64_t resident_words = 0;
  for (int i = 0; i < 4; ++i) {
    Case c{};
    c.rows = 1 + static_cast<int64_t>(rng.below(static_cast<uint64_t>(6 * p)));
    c.cols = 1 + static_cast<int64_t>(rng.below(static_cast<uint64_t>(4 * bc)));
    c.tokens = 1 + static_cast<int64_t>(rng.below(6));
    c.tile = 1 + static_cast<int64_t>(rng.below(static_cast<uint64_t>(c.tokens + 1)));
    c.rho1 = rho1s[rng.below(4)];
    c.rho2 = rho2s[rng.below(3)];
    if (dense) c.rho1 = c.rho2 = 1.0;
    c.bias = static_cast<BiasKind>(rng.below(3));
    c.per_row = rng.below(2) == 1;
    // resident when its weights fit beside the earlier resident layers (an upper bound)
    const int64_t k1 =
        std::max<int64_t>(1, static_cast<int64_t>(c.rho1 * static_cast<double>(c.rows) + 0.5));
    const int64_t words = (c.cols + bc - 1) / bc * ((k1 + p - 1) / p) * bw;
    c.resident = rng.below(3) == 0 && resident_words + words <= build.wb_words / 2;
    if (c.resident) resident_words += words;
    out.push_back(c);
  }
  return out;
}

// Shapes chosen per build so that the buffers of the Verilated depths hold them; `dense` as
// above.
inline std::vector<std::vector<Case>> sequences(const RtlBuild& build, bool dense) {
  const int64_t p = build.pes, bc = build.block_cols, l = build.lanes;
  std::vector<std::vector<Case>> seqs = {
      // three streamed layers back to back: ragged K and M, one and several tiles
      {{3 * p + 1, 2 * bc + bc / 2, 2 * l + 1, 2 * l, 0.5, 0.5, BiasKind::kRandom, true, false},
       {2 * p, bc, 3, 64, 0.25, 1.0, BiasKind::kNone, false, false},
       {5 * p - 1, 3 * bc - 1, 2, 1, 1.0, 0.25, BiasKind::kSaturating, true, false}},
      // saturation both ways, per-layer requantization, odd tokens
      {{p + 3, 2 * bc, 5, 64, 0.75, 0.5, BiasKind::kSaturating, false, false},
       {4 * p, bc + 3, 1, 64, 0.1, 0.5, BiasKind::kRandom, true, false}},
      // resident weights (preloaded by a load-only entry), then a streamed layer
      {{2 * p + 5, 2 * bc + 7, 3, 2 * l, 0.5, 0.75, BiasKind::kRandom, true, true},
       {p, bc, 4, 3, 0.5, 0.5, BiasKind::kNone, true, false}},
  };
  for (auto& seq : seqs) {
    for (Case& c : seq) {
      if (dense) c.rho1 = c.rho2 = 1.0;
    }
  }
  return seqs;
}

struct ExpectedLayer {
  int64_t rows = 0, cols = 0, tokens = 0, tile = 0;
  std::vector<int64_t> acc;
  std::vector<int32_t> out;
  int64_t sim_cycles = 0;
  int64_t saturated = 0;   // accumulators at a limit
  int64_t gap_rounds = 0;  // rounds (per step) whose bank-conflict count m exceeds n
};

// What kernels' fixed-point reference and requantizer say about an HPF layer (accumulators
// poisoned first, so a reference that skips one shows), with the mapping's token tile.
inline ExpectedLayer expect_fixed(const accel::AccelSpec& spec, const accel::Mapping& mapping,
                                  const format::hpf::Matrix& w, std::span<const int16_t> x,
                                  int64_t tokens, std::span<const int64_t> bias,
                                  std::span<const kernels::Requant> requant,
                                  const kernels::Requant& layer_requant) {
  const auto& h = w.header;
  ExpectedLayer e;
  e.rows = h.rows;
  e.cols = h.cols;
  e.tokens = tokens;
  e.tile = accel::token_tile(spec, mapping, h.rows, h.cols, tokens);
  e.acc.assign(static_cast<size_t>(tokens * h.rows), kPoisonAcc);
  kernels::linear_fixed_reference(w, x, tokens, bias, e.acc);
  const int bits = accel::accumulator_bits(spec.precision);
  const int64_t top = (int64_t{1} << (bits - 1)) - 1;
  for (int64_t t = 0; t < tokens; ++t) {
    for (int64_t r = 0; r < h.rows; ++r) {
      const int64_t a = e.acc[static_cast<size_t>(t * h.rows + r)];
      e.saturated += a == top || a == -top - 1;
      const kernels::Requant q = requant.empty() ? layer_requant : requant[static_cast<size_t>(r)];
      e.out.push_back(accel::requantize(a, q, spec.precision));
    }
  }
  return e;
}

inline ExpectedLayer expect_layer(const accel::AccelSpec& spec, const accel::Mapping& mapping,
                                  const std::string& name, const LayerData& d) {
  const auto& h = d.w.header;
  ExpectedLayer e =
      expect_fixed(spec, mapping, d.w, d.x, d.tokens, d.bias, d.requant, d.layer_requant);
  const int64_t steps_per_block = [&] {
    int64_t steps = 0;
    for (int64_t t0 = 0; t0 < d.tokens; t0 += e.tile) {
      steps += (std::min(e.tile, d.tokens - t0) + spec.token_lanes - 1) / spec.token_lanes;
    }
    return steps;
  }();
  for (int64_t m : accel::rtl_round_conflicts(d.w, spec.pes))
    e.gap_rounds += (m > h.n) * steps_per_block;
  e.sim_cycles =
      accel::simulate_linear(spec, mapping, name, d.w, d.x, d.tokens, d.bias).stats.cycles;
  return e;
}

// Appends a layer's descriptor(s), weight bursts (the first item with the row parameters) and
// activation words, for either design's image. A resident layer gets a load-only entry first,
// its weights at w_base and its rounds at r_base, both advanced past them (the dense design,
// rows_bytes 0, has no row memory: r_base stays).
inline void add_image_jobs(const accel::AccelSpec& spec, const std::string& name,
                           const accel::RtlLayer& layer, const accel::RtlWeightImage& img,
                           std::span<const int16_t> x, int64_t tokens, int64_t tile, bool resident,
                           const kernels::Requant& layer_requant, int64_t& w_base, int64_t& r_base,
                           std::vector<uint8_t>& act, std::vector<LayerJob>& jobs) {
  accel::RtlPlacement where;
  where.act_base = static_cast<int64_t>(act.size()) / accel::rtl_act_word_bytes(spec);
  where.layer_requant = layer_requant;
  where.w_base = w_base;
  where.r_base = r_base;
  const auto words = accel::rtl_act_image(spec, x, tokens, layer.cols, tile);
  act.insert(act.end(), words.begin(), words.end());
  auto burst = [&](int64_t block, bool first) {
    std::vector<uint8_t> bytes = first ? img.first_extra : std::vector<uint8_t>{};
    const auto& b = img.blocks[static_cast<size_t>(block)];
    bytes.insert(bytes.end(), b.begin(), b.end());
    return bytes;
  };
  if (resident) {
    LayerJob load{name + " (preload)", {}, {}, layer.rows, tokens, false};
    where.load_only = true;
    load.desc = accel::rtl_descriptor(spec, layer, tokens, tile, where);
    for (int64_t blk = 0; blk < layer.blocks; ++blk) load.bursts.push_back(burst(blk, blk == 0));
    jobs.push_back(std::move(load));
    where.load_only = false;
    where.resident = true;
    w_base += layer.blocks * layer.rounds * layer.n;
    if (layer.rows_bytes > 0) r_base += layer.blocks * layer.rounds;
  }
  LayerJob job{
      name, accel::rtl_descriptor(spec, layer, tokens, tile, where), {}, layer.rows, tokens, true};
  if (!resident) {
    const int64_t tiles = (tokens + tile - 1) / tile;
    for (int64_t t = 0; t < tiles; ++t) {
      for (int64_t blk = 0; blk < layer.blocks; ++blk) {
        job.bursts.push_back(burst(blk, t == 0 && blk == 0));
      }
    }
  }
  jobs.push_back(std::move(job));
}

// Appends the layer's descriptor(s), weight bursts and activation words. Resident layers get
// a load-only entry first (their weights at w_base / r_base, advanced past them).
inline void add_jobs(const RtlBuild& b, const accel::AccelSpec& spec, const accel::Mapping& mapping,
                     const std::string& name, const LayerData& d, int64_t tile, bool resident,
                     int64_t& w_base, int64_t& r_base, std::vector<uint8_t>& act,
                     std::vector<LayerJob>& jobs) {
  const auto& h = d.w.header;
  const accel::RtlLayer layer =
      accel::rtl_layer(spec, h.rows, h.cols, h.k1, h.n, !d.bias.empty(), !d.requant.empty());
  const accel::RtlWeightImage img = accel::rtl_weight_image(spec, d.w, d.bias, d.requant);
  const int64_t groups = (tile + b.lanes - 1) / b.lanes;
  auto need = [&](bool ok, const std::string& what) {
    if (!ok) throw std::runtime_error(name + ": " + what + " exceeds the build's depth");
  };
  need(layer.q_rows * groups <= b.out_words, "accumulators (OUT_WORDS)");
  need(layer.q_rows <= b.rp_words, "row parameters (RP_WORDS)");
  const int64_t rn = layer.rounds * h.n;
  if (resident) {
    need(w_base + layer.blocks * rn <= b.wb_words, "resident weights (WB_WORDS)");
    need(r_base + layer.blocks * layer.rounds <= b.row_words, "resident rounds (ROW_WORDS)");
  } else {
    need(2 * rn <= b.wb_words, "a block's weights (WB_WORDS / 2)");
    need(2 * layer.rounds <= b.row_words, "a block's rounds (ROW_WORDS / 2)");
  }
  (void)mapping;
  add_image_jobs(spec, name, layer, img, d.x, d.tokens, tile, resident, d.layer_requant, w_base,
                 r_base, act, jobs);
}

// Prints one line per layer; returns the number of failed checks.
inline int check_layer(const RtlBuild& b, const std::string& name, const ExpectedLayer& e,
                       const LayerOutcome& got, double bytes_per_cycle) {
  int64_t acc_bad = 0, out_bad = 0, unwritten = 0, first = -1;
  for (size_t i = 0; i < e.acc.size(); ++i) {
    unwritten += got.acc[i] == kPoisonAcc || got.out[i] == kPoisonOut;
    const bool bad = got.acc[i] != e.acc[i] || got.out[i] != e.out[i];
    acc_bad += got.acc[i] != e.acc[i];
    out_bad += got.out[i] != e.out[i];
    if (bad && first < 0) first = static_cast<int64_t>(i);
  }
  const bool cycles_ok = got.cycles == e.sim_cycles;
  const bool ok =
      acc_bad == 0 && out_bad == 0 && unwritten == 0 && got.duplicate_writes == 0 && cycles_ok;
  std::printf(
      "%s P%lld B%lld Bc%lld W%lld L%lld %s: %lld x %lld, %lld tokens (tile %lld), %.2f B/cycle: "
      "rtl %lld cycles, sim %lld (diff %lld); %lld accumulators (%lld saturated), %lld wrong, "
      "%lld outputs wrong, %lld unwritten, %lld written twice\n",
      ok ? "PASS" : "FAIL", (long long)b.pes, (long long)b.banks, (long long)b.block_cols,
      (long long)b.width, (long long)b.lanes, name.c_str(), (long long)e.rows, (long long)e.cols,
      (long long)e.tokens, (long long)e.tile, bytes_per_cycle, (long long)got.cycles,
      (long long)e.sim_cycles, (long long)(got.cycles - e.sim_cycles), (long long)e.acc.size(),
      (long long)e.saturated, (long long)acc_bad, (long long)out_bad, (long long)unwritten,
      (long long)got.duplicate_writes);
  if (first >= 0) {
    const size_t i = static_cast<size_t>(first);
    std::printf(
        "  first mismatch: token %lld row %lld: acc expected %lld got %lld, out expected %d got "
        "%d\n",
        (long long)(first / e.rows), (long long)(first % e.rows), (long long)e.acc[i],
        (long long)got.acc[i], e.out[i], got.out[i]);
  }
  return ok ? 0 : 1;
}

}  // namespace fitformer::rtltest
