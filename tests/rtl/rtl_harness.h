// Drives a Verilated rtl/hpa_top through a sequence of layers: writes the descriptors and the
// activation memory, plays the off-chip memory (each burst's beats arrive at the simulator's
// bytes per cycle, accel::rtl_beat_arrival), collects the output beats and counts every
// layer's cycles from its layer_go to its last output beat. Shared by the ctest testbench
// (rtl_tb.cc) and the driver that runs real pruned layers (rtl_driver.cc).
#pragma once

#include <cstdint>
#include <cstdio>
#include <deque>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "accel/rtl_image.h"

namespace fitformer::rtltest {

// The parameters a model was Verilated with (CMake passes them as RTL_* definitions).
struct RtlBuild {
  int64_t pes, banks, block_cols, width, acc_bits, lanes, beat;
  int64_t wb_words, row_words, act_words, out_words, rp_words, desc_n;
  int64_t indexed = 1;  // 0: the dense design (hpa_top's INDEXED), whose NB is P
  int64_t out_banks() const { return indexed ? accel::rtl_out_banks(pes) : pes; }
};

// One entry of the descriptor table and what it needs from the harness.
struct LayerJob {
  std::string name;
  accel::RtlDescriptor desc;
  std::vector<std::vector<uint8_t>> bursts;  // the weight bursts it requests, in order
  int64_t rows = 0, tokens = 0;
  bool compute = true;  // false: a load-only (resident preload) entry
};

struct LayerOutcome {
  int64_t cycles = 0;            // layer_go .. last output beat, inclusive
  std::vector<int64_t> acc;      // [t * M + r], poisoned until written
  std::vector<int32_t> out;      // requantized, poisoned until written
  int64_t duplicate_writes = 0;  // output positions written more than once
};

inline constexpr int64_t kPoisonAcc = std::numeric_limits<int64_t>::min();
inline constexpr int32_t kPoisonOut = std::numeric_limits<int32_t>::min();

template <class S>
void put_bits(S& sig, int64_t lsb, int64_t width, uint64_t value) {
  if constexpr (std::is_integral_v<S>) {
    for (int64_t i = 0; i < width; ++i) {
      const auto bit = static_cast<S>(S{1} << (lsb + i));
      sig = static_cast<S>(((value >> i) & 1) ? (sig | bit) : (sig & ~bit));
    }
  } else {
    for (int64_t i = 0; i < width; ++i) {
      const int64_t b = lsb + i;
      const uint32_t bit = uint32_t{1} << (b % 32);
      uint32_t& word = sig[static_cast<size_t>(b / 32)];
      word = ((value >> i) & 1) ? (word | bit) : (word & ~bit);
    }
  }
}

template <class S>
uint64_t get_bits(const S& sig, int64_t lsb, int64_t width) {
  uint64_t v = 0;
  for (int64_t i = 0; i < width; ++i) {
    const int64_t b = lsb + i;
    uint64_t bit = 0;
    if constexpr (std::is_integral_v<S>) {
      bit = (static_cast<uint64_t>(sig) >> b) & 1;
    } else {
      bit = (sig[static_cast<size_t>(b / 32)] >> (b % 32)) & 1;
    }
    v |= bit << i;
  }
  return v;
}

inline int64_t sign_extend(uint64_t v, int64_t bits) {
  const uint64_t m = uint64_t{1} << (bits - 1);
  return static_cast<int64_t>((v ^ m) - m);
}

template <class Model>
class Harness {
 public:
  Harness(Model& model, const RtlBuild& build) : m_(model), hw_(build) {}

  // Runs `jobs` as one descriptor table over the activation image; bytes_per_cycle is the
  // off-chip rate the memory plays. Throws std::runtime_error on a protocol violation.
  std::vector<LayerOutcome> run(const std::vector<LayerJob>& jobs, std::span<const uint8_t> act,
                                double bytes_per_cycle, int64_t max_cycles = 2'000'000) {
    if (static_cast<int64_t>(jobs.size()) > hw_.desc_n) fail("more layers than DESC_N");
    reset();
    const int64_t word_bytes = hw_.lanes * hw_.banks * hw_.width / 8;
    for (size_t i = 0; i < jobs.size(); ++i) {
      m_.desc_we = 1;
      m_.desc_waddr = static_cast<std::remove_reference_t<decltype(m_.desc_waddr)>>(i);
      for (int f = 0; f < accel::kRtlDescriptorFields; ++f) {
        put_bits(m_.desc_wdata, 32 * f, 32, jobs[i].desc.fields[static_cast<size_t>(f)]);
      }
      tick();
    }
    m_.desc_we = 0;
    const int64_t words = static_cast<int64_t>(act.size()) / word_bytes;
    if (words > hw_.act_words) fail("activation image larger than ACT_WORDS");
    for (int64_t w = 0; w < words; ++w) {
      m_.act_we = 1;
      m_.act_waddr = static_cast<std::remove_reference_t<decltype(m_.act_waddr)>>(w);
      for (int64_t b = 0; b < word_bytes; ++b) {
        put_bits(m_.act_wdata, 8 * b, 8, act[static_cast<size_t>(w * word_bytes + b)]);
      }
      tick();
    }
    m_.act_we = 0;

    std::vector<LayerOutcome> outcomes(jobs.size());
    for (size_t i = 0; i < jobs.size(); ++i) {
      outcomes[i].acc.assign(static_cast<size_t>(jobs[i].rows * jobs[i].tokens), kPoisonAcc);
      outcomes[i].out.assign(static_cast<size_t>(jobs[i].rows * jobs[i].tokens), kPoisonOut);
    }
    std::deque<std::vector<uint8_t>> expected;
    for (const LayerJob& j : jobs) {
      for (const auto& b : j.bursts) expected.push_back(b);
    }
    m_.n_layers = static_cast<uint32_t>(jobs.size());
    m_.start = 1;
    tick();
    m_.start = 0;

    size_t layer = 0;
    int64_t layer_start = -1;
    // the burst being played: its bytes, request cycle and next beat
    std::vector<uint8_t> burst;
    int64_t req_cycle = 0, next_beat = 0, beats = 0;
    for (int64_t guard = 0; guard < max_cycles; ++guard) {
      m_.wb_valid = 0;
      if (next_beat >= 1 && next_beat <= beats &&
          cycle_ == req_cycle + accel::rtl_beat_arrival(next_beat,
                                                        static_cast<int64_t>(burst.size()),
                                                        hw_.beat, bytes_per_cycle)) {
        m_.wb_valid = 1;
        for (int64_t b = 0; b < hw_.beat; ++b) {
          const int64_t k = (next_beat - 1) * hw_.beat + b;
          put_bits(m_.wb_data, 8 * b, 8,
                   k < static_cast<int64_t>(burst.size()) ? burst[static_cast<size_t>(k)] : 0);
        }
        ++next_beat;
      }
      m_.clk = 0;
      m_.eval();
      if (m_.wreq_valid) {
        if (next_beat >= 1 && next_beat <= beats) fail("a request while a burst is in flight");
        if (expected.empty()) fail("a request beyond the layers' bursts");
        burst = expected.front();
        expected.pop_front();
        if (static_cast<int64_t>(m_.wreq_bytes) != static_cast<int64_t>(burst.size())) {
          fail("request of " + std::to_string(m_.wreq_bytes) + " bytes, the burst has " +
               std::to_string(burst.size()));
        }
        req_cycle = cycle_;
        next_beat = 1;
        beats = (static_cast<int64_t>(burst.size()) + hw_.beat - 1) / hw_.beat;
      }
      if (m_.layer_go) {
        if (layer >= jobs.size()) fail("layer_go past the last layer");
        layer_start = cycle_;
      }
      if (m_.out_valid) collect(jobs.at(layer), outcomes.at(layer));
      if (m_.out_last) outcomes.at(layer).cycles = cycle_ - layer_start + 1;
      const bool done = m_.layer_done;
      m_.clk = 1;
      m_.eval();
      ++cycle_;
      if (done) {
        ++layer;
        if (layer == jobs.size()) {
          if (!expected.empty()) fail("bursts left unrequested");
          return outcomes;
        }
      }
    }
    fail("no end after " + std::to_string(max_cycles) + " cycles (layer " + std::to_string(layer) +
         ", " + std::to_string(expected.size()) + " bursts not requested, last request in cycle " +
         std::to_string(req_cycle) + ", status " + status() + ")");
    return outcomes;
  }

 private:
  [[noreturn]] void fail(const std::string& what) {
    throw std::runtime_error("rtl harness: " + what);
  }

  std::string status() const {
    const uint32_t s = m_.status;
    char buf[160];
    std::snprintf(
        buf, sizeof buf,
        "seq state %u block %u, loader state %u item %u, commit busy %u, wfull %u, sfull %u",
        (s >> 5) & 7, s & 31, (s >> 14) & 3, (s >> 8) & 63, (s >> 16) & 1, (s >> 17) & 3,
        (s >> 19) & 3);
    return buf;
  }

  void tick() {
    m_.clk = 0;
    m_.eval();
    m_.clk = 1;
    m_.eval();
    ++cycle_;
  }

  void reset() {
    m_.rst = 1;
    m_.start = 0;
    m_.desc_we = 0;
    m_.act_we = 0;
    m_.wb_valid = 0;
    for (int i = 0; i < 4; ++i) tick();
    m_.rst = 0;
    tick();
  }

  void collect(const LayerJob& job, LayerOutcome& o) {
    const int64_t t = m_.out_token, q = m_.out_q, nb = hw_.out_banks();
    if (t < 0 || t >= job.tokens) fail("output token " + std::to_string(t) + " out of range");
    for (int64_t j = 0; j < nb; ++j) {
      const int64_t r = q * nb + j;
      if (r >= job.rows) continue;
      const size_t at = static_cast<size_t>(t * job.rows + r);
      if (o.acc[at] != kPoisonAcc) ++o.duplicate_writes;
      o.acc[at] = sign_extend(get_bits(m_.out_raw, j * hw_.acc_bits, hw_.acc_bits), hw_.acc_bits);
      o.out[at] = static_cast<int32_t>(
          sign_extend(get_bits(m_.out_val, j * hw_.width, hw_.width), hw_.width));
    }
  }

  Model& m_;
  RtlBuild hw_;
  int64_t cycle_ = 0;
};

}  // namespace fitformer::rtltest
