// The cycle-level simulator: one engine stepping PEs, banks and the weight double buffer,
// fed by an HPF source or a generic stream source (the machine is described in cycle_sim.h).
#include "accel/cycle_sim.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "accel/dense_stream.h"
#include "accel/fixed_point.h"
#include "accel/padded_rounds.h"
#include "accel/rtl_image.h"
#include "accel/timing.h"
#include "core/error.h"
#include "core/indexing.h"

namespace fitformer::accel {
namespace {

struct SegmentCost {
  int64_t cycles = 0;
  int64_t stalls = 0;
  int64_t reads = 0;  // multiplier slots used per token
};

void require_design(const AccelSpec& spec, Design design, const char* weights) {
  if (spec.design != design) {
    throw Error("", "design", fmt::format("{} for {} weights", design_name(design), weights),
                std::string(design_name(spec.design)));
  }
}

// HPF as the weight buffer holds it after the decoder stage: int16 values and unpacked
// offsets, slot order [block][k1][B][n].
class HpfSource {
 public:
  HpfSource(const AccelSpec& spec, const format::hpf::Matrix& w, bool bias)
      : w_(w), bw_(w.bank_width()) {
    const auto& h = w.header;
    if (h.block_cols != spec.block_cols || h.banks != spec.banks) {
      throw Error("", "weights", fmt::format("HPF with Bc {} B {}", spec.block_cols, spec.banks),
                  fmt::format("Bc {} B {}", h.block_cols, h.banks));
    }
    if (h.value_type != precision_value_type(spec.precision)) {
      throw Error("", "weights.value_type",
                  std::string(format::value_type_name(precision_value_type(spec.precision))),
                  std::string(format::value_type_name(h.value_type)));
    }
    require_design(spec, Design::kHp, "an HPF");
    layer_ = rtl_layer(spec, h.rows, h.cols, h.k1, h.n, bias,
                       h.scale_mode == format::ScaleMode::kPerRow);
    conflicts_ = rtl_round_conflicts(w, spec.pes);
    const int64_t slots = w.slots();
    vals_.resize(at(slots));
    offs_.resize(at(slots));
    for (int64_t s = 0; s < slots; ++s) {
      vals_[at(s)] = h.value_type == format::ValueType::kI8 ? w.vals_i8[at(s)] : w.vals_i16[at(s)];
      offs_[at(s)] = static_cast<uint16_t>(w.offset(s));
    }
  }
  int64_t rows() const { return w_.header.rows; }
  int64_t cols() const { return w_.header.cols; }
  int64_t blocks() const { return w_.blocks(); }
  int64_t segments(int64_t) const { return w_.header.k1; }
  int64_t row(int64_t b, int64_t i) const { return w_.rows[at(b * w_.header.k1 + i)]; }
  // The RTL's image (rtl_image.h): rows, values and offsets of padded rounds; the bias and
  // requantization sections with the first block.
  int64_t block_bytes(int64_t) const { return layer_.block_bytes; }
  int64_t first_bytes() const { return layer_.first_extra_bytes; }
  int64_t rows_section_bytes(int64_t) const { return layer_.rows_bytes; }
  int64_t beat(const AccelSpec& spec) const { return rtl_beat_bytes(spec); }
  bool counts_conflicts() const { return true; }
  // Rounds of a step (all PEs busy n cycles each) and their bank-conflict counts m.
  int64_t rounds(int64_t) const { return layer_.rounds; }
  int64_t round_cycles(int64_t, int64_t) const { return w_.header.n; }
  int64_t conflicts(int64_t b, int64_t r) const { return conflicts_[at(b * layer_.rounds + r)]; }

  // Cycle c reads slot c of each bank j: one read per bank per cycle, n cycles.
  SegmentCost run(int64_t b, int64_t i, const int16_t* slice, int64_t bc, int64_t lanes,
                  int64_t* psum) const {
    const int64_t banks = w_.header.banks, n = w_.header.n;
    const int64_t base = (b * w_.header.k1 + i) * banks * n;
    const int16_t* v = vals_.data() + base;
    const uint16_t* o = offs_.data() + base;
    for (int64_t c = 0; c < n; ++c) {
      for (int64_t j = 0; j < banks; ++j) {
        const int32_t wv = v[j * n + c];
        const int64_t col = j * bw_ + o[j * n + c];
        psum[0] += wv * slice[col];
        if (lanes == 2) psum[1] += wv * slice[bc + col];
      }
    }
    return {n, 0, banks * n};
  }

 private:
  const format::hpf::Matrix& w_;
  int64_t bw_;
  RtlLayer layer_;
  std::vector<int64_t> conflicts_;
  std::vector<int16_t> vals_;
  std::vector<uint16_t> offs_;
};

// Unpadded: no RTL format, a step is one "round" as long as its slowest PE, with no commit
// model. Padded: the RTL's rounds of padded_rounds.h, its image's bytes.
class StreamSource {
 public:
  StreamSource(const AccelSpec& spec, const StreamMatrix& w, bool bias)
      : w_(w), bw_(w.block_cols / w.banks) {
    require_design(spec, Design::kHp, "a weight stream");
    if (w.block_cols != spec.block_cols || w.banks != spec.banks || w.banks > 64) {
      throw Error("", "weights",
                  fmt::format("a stream with Bc {} B {} (B <= 64)", spec.block_cols, spec.banks),
                  fmt::format("Bc {} B {}", w.block_cols, w.banks));
    }
    if (w.precision != spec.precision) {
      throw Error("", "weights.precision", std::string(precision_name(spec.precision)),
                  std::string(precision_name(w.precision)));
    }
    if (w.padded()) plan_ = plan_padded_rounds(spec, w, bias);
  }
  int64_t rows() const { return w_.rows; }
  int64_t cols() const { return w_.cols; }
  int64_t blocks() const { return w_.blocks(); }
  int64_t segments(int64_t b) const {
    return w_.block_segments[at(b + 1)] - w_.block_segments[at(b)];
  }
  int64_t row(int64_t b, int64_t i) const {
    return w_.segment_row[at(w_.block_segments[at(b)] + i)];
  }
  int64_t block_bytes(int64_t b) const {
    return w_.padded() ? plan_.block_bytes[at(b)] : w_.block_bytes(b);
  }
  int64_t first_bytes() const {
    return w_.padded() ? plan_.first_extra_bytes : 4 * static_cast<int64_t>(w_.scales.size());
  }
  int64_t rows_section_bytes(int64_t b) const {
    return w_.padded() ? plan_.rows_section_bytes[at(b)] : 0;
  }
  int64_t beat(const AccelSpec& spec) const { return rtl_beat_bytes(spec); }
  bool counts_conflicts() const { return true; }
  int64_t rounds(int64_t b) const {
    return w_.padded() ? plan_.block_rounds[at(b + 1)] - plan_.block_rounds[at(b)] : 1;
  }
  // 0: as long as the slowest PE
  int64_t round_cycles(int64_t b, int64_t r) const {
    return w_.padded() ? plan_.round_cycles[at(plan_.block_rounds[at(b)] + r)] : 0;
  }
  int64_t conflicts(int64_t b, int64_t r) const {
    return w_.padded() ? plan_.round_conflicts[at(plan_.block_rounds[at(b)] + r)] : 1;
  }

  // Windows of B entries; each cycle every bank serves the first pending read aimed at it.
  SegmentCost run(int64_t b, int64_t i, const int16_t* slice, int64_t bc, int64_t lanes,
                  int64_t* psum) const {
    const int64_t s = w_.block_segments[at(b)] + i;
    const int64_t e0 = w_.segment_entries[at(s)], e1 = w_.segment_entries[at(s + 1)];
    SegmentCost cost{0, 0, w_.segment_kept[at(s)]};
    for (int64_t w0 = e0; w0 < e1; w0 += w_.banks) {
      const int64_t width = std::min<int64_t>(w_.banks, e1 - w0);
      uint64_t pending = width == 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
      int64_t window_cycles = 0;
      while (pending != 0) {
        uint64_t bank_used = 0;
        for (int64_t k = 0; k < width; ++k) {
          if (!((pending >> k) & 1)) continue;
          const int64_t col = w_.entry_col[at(w0 + k)];
          const uint64_t bank_bit = uint64_t{1} << (col / bw_);
          if (bank_used & bank_bit) continue;  // the bank is busy this cycle: wait
          bank_used |= bank_bit;
          pending &= ~(uint64_t{1} << k);
          const int32_t wv = w_.entry_val[at(w0 + k)];
          psum[0] += wv * slice[col];
          if (lanes == 2) psum[1] += wv * slice[bc + col];
        }
        ++window_cycles;
      }
      cost.cycles += window_cycles;
      cost.stalls += window_cycles - 1;
    }
    return cost;
  }

 private:
  const StreamMatrix& w_;
  int64_t bw_;
  PaddedRounds plan_;
};

// The dense design (dense_stream.h): M rows in R = ceil(M / P) rounds, row r * P + p on PE p,
// bw cycles a segment, slot c reading offset c of every bank; no rows section, no conflict
// counter, every round's results in P different banks (m = 1).
class DenseSource {
 public:
  DenseSource(const AccelSpec& spec, const DenseMatrix& w, bool bias)
      : w_(w), bw_(bank_width(spec)), banks_(spec.banks), bc_(spec.block_cols) {
    require_design(spec, Design::kDense, "dense");
    if (w.precision != spec.precision || w.values.size() != at(w.rows * w.cols)) {
      throw Error("", "weights",
                  fmt::format("{} values, rows x cols of them", precision_name(spec.precision)),
                  fmt::format("{}, {} values", precision_name(w.precision), w.values.size()));
    }
    layer_ = dense_layer(spec, w.rows, w.cols, bias, w.scale_mode == format::ScaleMode::kPerRow);
  }
  int64_t rows() const { return w_.rows; }
  int64_t cols() const { return w_.cols; }
  int64_t blocks() const { return layer_.blocks; }
  int64_t segments(int64_t) const { return w_.rows; }
  int64_t row(int64_t, int64_t i) const { return i; }
  int64_t block_bytes(int64_t) const { return layer_.block_bytes; }
  int64_t first_bytes() const { return layer_.first_extra_bytes; }
  int64_t rows_section_bytes(int64_t) const { return 0; }
  int64_t beat(const AccelSpec& spec) const { return dense_beat_bytes(spec); }
  bool counts_conflicts() const { return false; }
  int64_t rounds(int64_t) const { return layer_.rounds; }
  int64_t round_cycles(int64_t, int64_t) const { return bw_; }
  int64_t conflicts(int64_t, int64_t) const { return 1; }

  // Cycle c reads offset c of every bank j: the segment's Bc columns in bw cycles.
  SegmentCost run(int64_t b, int64_t i, const int16_t* slice, int64_t bc, int64_t lanes,
                  int64_t* psum) const {
    const int16_t* v = w_.values.data() + i * w_.cols;
    for (int64_t c = 0; c < bw_; ++c) {
      for (int64_t j = 0; j < banks_; ++j) {
        const int64_t col = j * bw_ + c, k = b * bc_ + col;
        if (k >= w_.cols) continue;  // zero weights past K
        const int32_t wv = v[k];
        psum[0] += wv * slice[col];
        if (lanes == 2) psum[1] += wv * slice[bc + col];
      }
    }
    return {bw_, 0, banks_ * bw_};
  }

 private:
  const DenseMatrix& w_;
  int64_t bw_, banks_, bc_;
  RtlLayer layer_;
};

// The RTL's schedule of one layer (rtl/hpa_seq.sv, hpa_slice_feed.sv, hpa_wload.sv,
// hpa_commit.sv, hpa_drain.sv), replayed step by step in cycles from layer_go (timing.h):
//  - slices: step s's slice is written in bw consecutive cycles from w_s = max(w_(s-1) + bw,
//    release of its half by step s-2 + 1) (w_0 = 3); the half is full for the sequencer from
//    w_s + bw.
//  - weights (streamed): block item i is requested at c_i = max(completion of item i-1 + 1,
//    release of its half by item i-2 + 2) (c_0 = 1); its beats arrive per rtl_beat_arrival;
//    it completes at Y_i = max(last beat + 2, rows section's last beat + R + 6) and is usable
//    from Y_i + 1 (the dense design has no conflict counter: Y_i = last beat + 2).
//  - slots: a step's first slot is presented the cycle after the one in which its slice and
//    weights are usable and the commit gap of the previous round has passed, or right after
//    the previous step's last slot when all that already held then; rounds are max(n, m)
//    cycles apart (m: the round's bank-conflict count).
//  - tiles: after a tile's last slot X the commit stage is idle from X + L + m + 1 (L =
//    result_latency); the drain reads Q words per token from 2 cycles later; the next tile
//    waits for the last read; the layer's last value leaves 6 cycles after its last read.
class Schedule {
 public:
  Schedule(const AccelSpec& spec, const Mapping& mapping, int64_t q_rows, int64_t beat,
           bool counts_conflicts)
      : bw_(bank_width(spec)),
        latency_(result_latency(spec)),
        q_rows_(q_rows),
        beat_(beat),
        per_cycle_(offchip_bytes_per_cycle(spec)),
        resident_(mapping.weights_resident),
        counted_(counts_conflicts) {}

  // A column block's weights: the burst's bytes and those through its rows section; rounds R.
  void begin_block(int64_t bytes, int64_t rows_end_bytes, int64_t rounds) {
    if (resident_) {
      weights_usable_ = 0;
      return;
    }
    const int64_t i = items_++;
    int64_t c = kFirstRequest;
    if (i > 0) c = std::max(complete_prev_ + 1, i >= 2 ? block_end_[0] + 2 : int64_t{0});
    const int64_t last = c + rtl_beat_arrival(ceil_div(bytes, beat_), bytes, beat_, per_cycle_);
    const int64_t rows =
        c + rtl_beat_arrival(ceil_div(rows_end_bytes, beat_), bytes, beat_, per_cycle_);
    complete_prev_ = last + kLastBeatToComplete;
    if (counted_) complete_prev_ = std::max(complete_prev_, rows + rounds + kRowsToCounted);
    weights_usable_ = complete_prev_ + 1;
    transfer_ += last - c;
  }
  void end_block() {
    block_end_[0] = block_end_[1];
    block_end_[1] = last_slot_;
  }

  // One step: `rounds` rounds of n cycles with bank-conflict counts m(r).
  template <class ConflictOf>
  void step(int64_t rounds, int64_t n, ConflictOf m) {
    step_rounds(
        rounds, [n](int64_t) { return n; }, m);
  }
  // The same with round r lasting n(r) cycles.
  template <class LengthOf, class ConflictOf>
  void step_rounds(int64_t rounds, LengthOf n, ConflictOf m) {
    const int64_t w = steps_ == 0
                          ? kFirstSliceWrite
                          : std::max(slice_write_ + bw_, steps_ >= 2 ? step_end_[0] + 1 : 0);
    const int64_t slice_full = w + bw_;
    const int64_t first = present(slice_full, weights_usable_);
    exposed_ += first - present(slice_full, 0);
    int64_t start = first;
    for (int64_t r = 0; r + 1 < rounds; ++r) start += n(r) + std::max<int64_t>(0, m(r) - n(r));
    last_slot_ = start + n(rounds - 1) - 1;
    last_m_ = m(rounds - 1);
    gap_ = std::max<int64_t>(0, last_m_ - n(rounds - 1));
    compute_ += last_slot_ - first + 1;
    slice_write_ = w;
    step_end_[0] = step_end_[1];
    step_end_[1] = last_slot_;
    ++steps_;
    tile_start_ = false;
  }

  // The drain of a tile of `tokens` tokens.
  void end_tile(int64_t tokens) {
    const int64_t idle = last_slot_ + latency_ + last_m_ + 1;
    last_read_ = idle + kIdleToFirstDrainRead - 1 + q_rows_ * tokens;
    tile_start_ = true;
  }

  int64_t cycles() const { return last_read_ + kDrainReadToOutput + 1; }
  int64_t compute() const { return compute_; }
  int64_t transfer() const { return transfer_; }
  int64_t exposed_transfer() const { return exposed_; }

 private:
  // The cycle of a step's first slot, given when its slice and its weights become usable.
  int64_t present(int64_t slice_full, int64_t weights) const {
    if (steps_ == 0) return std::max({int64_t{1}, slice_full, weights}) + 1;
    if (tile_start_) return std::max({last_read_ + 2, slice_full, weights}) + 1;
    if (gap_ == 0 && slice_full <= last_slot_ && weights <= last_slot_) return last_slot_ + 1;
    return std::max({last_slot_ + std::max<int64_t>(gap_, 1), slice_full, weights}) + 1;
  }

  int64_t bw_, latency_, q_rows_, beat_;
  double per_cycle_;
  bool resident_, counted_;
  int64_t items_ = 0, complete_prev_ = 0, weights_usable_ = 0;
  int64_t block_end_[2] = {0, 0};  // last slots of the blocks before the current one
  int64_t steps_ = 0, slice_write_ = 0, step_end_[2] = {0, 0};
  int64_t last_slot_ = 0, last_m_ = 1, gap_ = 0, last_read_ = 0;
  bool tile_start_ = false;
  int64_t compute_ = 0, transfer_ = 0, exposed_ = 0;
};

template <class Source>
LinearRun run_linear(const AccelSpec& spec, const Mapping& mapping, const std::string& name,
                     const Source& src, std::span<const int16_t> x, int64_t tokens,
                     std::span<const int64_t> bias) {
  validate_spec(spec);
  const int64_t rows = src.rows(), cols = src.cols();
  if (tokens < 0 || x.size() != at(tokens * cols)) {
    throw Error("", "x", fmt::format("{} x {} activations", tokens, cols),
                fmt::format("{}", x.size()));
  }
  if (!bias.empty() && bias.size() != at(rows)) {
    throw Error("", "bias", fmt::format("0 or {} entries", rows), fmt::format("{}", bias.size()));
  }
  const int64_t tile = token_tile(spec, mapping, rows, cols, tokens);
  if (tile < 1 && tokens > 0) throw Error("", name, "a token tile that fits the buffers", "none");

  const int64_t bc = spec.block_cols, lanes = spec.token_lanes;
  const int acc_bits = accumulator_bits(spec.precision);
  LinearRun out;
  out.acc.assign(at(tokens * rows), 0);
  for (int64_t t = 0; t < tokens; ++t) {
    for (int64_t r = 0; r < rows && !bias.empty(); ++r) out.acc[at(t * rows + r)] = bias[at(r)];
  }
  OpStats& s = out.stats;
  s.name = name;
  s.provenance = Provenance::kSimulated;
  Schedule sched(spec, mapping, ceil_div(rows, out_banks(spec)), src.beat(spec),
                 src.counts_conflicts());
  s.weight_image_bytes = src.first_bytes();
  for (int64_t b = 0; b < src.blocks(); ++b) s.weight_image_bytes += src.block_bytes(b);

  std::vector<int16_t> slice(at(lanes * bc));
  bool first = true;
  for (int64_t t0 = 0; t0 < tokens; t0 += tile) {
    const int64_t t_count = std::min(tile, tokens - t0);
    for (int64_t b = 0; b < src.blocks(); ++b) {
      const int64_t nseg = src.segments(b);
      const int64_t chunk = ceil_div(nseg, spec.pes);
      const int64_t extra = first ? src.first_bytes() : 0;
      sched.begin_block(src.block_bytes(b) + extra, extra + src.rows_section_bytes(b),
                        src.rounds(b));
      first = false;
      for (int64_t g0 = t0; g0 < t0 + t_count; g0 += lanes) {
        const int64_t live = std::min(lanes, t0 + t_count - g0);
        for (int64_t l = 0; l < lanes; ++l) {  // the slice's banks, zero-padded past K
          for (int64_t c = 0; c < bc; ++c) {
            const int64_t k = b * bc + c;
            slice[at(l * bc + c)] = l < live && k < cols ? x[at((g0 + l) * cols + k)] : 0;
          }
        }
        int64_t slowest = 0;
        for (int64_t p = 0; p < spec.pes; ++p) {
          int64_t work = 0;
          const bool rr = mapping.deal == Deal::kRoundRobin;
          const int64_t i0 = rr ? p : p * chunk, step = rr ? spec.pes : 1;
          const int64_t i1 = rr ? nseg : std::min(nseg, (p + 1) * chunk);
          for (int64_t i = i0; i < i1; i += step) {
            int64_t psum[2] = {0, 0};
            const SegmentCost cost = src.run(b, i, slice.data(), bc, lanes, psum);
            work += cost.cycles;
            s.conflict_stall_cycles += cost.stalls;
            s.macs += cost.reads * live;
            const int64_t row = src.row(b, i);
            for (int64_t l = 0; l < live; ++l) {
              int64_t& a = out.acc[at((g0 + l) * rows + row)];
              a = accumulate_segment(a, psum[l], acc_bits);
            }
          }
          slowest = std::max(slowest, work);
          s.busy_pe_cycles += work;
        }
        // HPF, padded stream: the RTL's rounds; a stream: one round as long as the slowest PE
        sched.step_rounds(
            src.rounds(b),
            [&](int64_t r) {
              const int64_t n = src.round_cycles(b, r);
              return n > 0 ? n : std::max<int64_t>(slowest, 1);
            },
            [&](int64_t r) { return src.conflicts(b, r); });
      }
      sched.end_block();
    }
    sched.end_tile(t_count);
  }
  s.cycles = tokens > 0 ? sched.cycles() : 0;
  s.compute_cycles = sched.compute();
  s.transfer_cycles = sched.transfer();
  s.exposed_transfer_cycles = sched.exposed_transfer();
  s.fill_drain_cycles = s.cycles - s.compute_cycles - s.exposed_transfer_cycles;
  s.idle_pe_cycles = spec.pes * s.compute_cycles - s.busy_pe_cycles;
  const double peak = static_cast<double>(peak_macs_per_cycle(spec)) * s.cycles;
  s.utilization = peak > 0 ? s.macs / peak : 0;
  return out;
}

// An attention matmul (MatMulOp): the same schedule for a dense M x K operand already on chip
// (k1 = M, n = Bc / B, consecutive rows per round so no bank conflicts), times `count`. No data
// runs (a dense schedule does not depend on the values), so the result says "modeled".
OpStats schedule_matmul(const AccelSpec& spec, const Mapping& mapping, const MatMulOp& op) {
  Mapping resident = mapping;
  resident.weights_resident = true;
  const int64_t tile = token_tile(spec, resident, op.rows, op.cols, op.tokens);
  if (tile < 1) throw Error("", op.name, "a token tile that fits the buffers", "none");
  const int64_t bw = bank_width(spec), blocks = ceil_div(op.cols, spec.block_cols);
  const int64_t rounds = ceil_div(op.rows, spec.pes), lanes = spec.token_lanes;
  Schedule sched(spec, resident, ceil_div(op.rows, out_banks(spec)), 1, false);
  int64_t steps = 0;
  for (int64_t t0 = 0; t0 < op.tokens; t0 += tile) {
    const int64_t t_count = std::min(tile, op.tokens - t0);
    for (int64_t b = 0; b < blocks; ++b) {
      sched.begin_block(0, 0, rounds);
      for (int64_t g = 0; g < ceil_div(t_count, lanes); ++g, ++steps) {
        sched.step(rounds, bw, [](int64_t) { return int64_t{1}; });
      }
      sched.end_block();
    }
    sched.end_tile(t_count);
  }
  OpStats s;
  s.name = op.name;
  s.provenance = Provenance::kModeled;
  s.cycles = op.count * (op.tokens > 0 ? sched.cycles() : 0);
  s.compute_cycles = op.count * sched.compute();
  s.fill_drain_cycles = s.cycles - s.compute_cycles;
  s.macs = op.count * blocks * op.rows * spec.banks * bw * op.tokens;
  s.busy_pe_cycles = op.count * steps * op.rows * bw;
  s.idle_pe_cycles = spec.pes * s.compute_cycles - s.busy_pe_cycles;
  const double peak = static_cast<double>(peak_macs_per_cycle(spec)) * s.cycles;
  s.utilization = peak > 0 ? s.macs / peak : 0;
  return s;
}

OpStats count_vector(const AccelSpec& spec, const VectorOp& op) {
  OpStats s;
  s.name = op.name;
  s.provenance = Provenance::kModeled;
  s.cycles = vector_cycles(spec, op);
  return s;
}

}  // namespace

LinearRun simulate_linear(const AccelSpec& spec, const Mapping& mapping, const std::string& name,
                          const format::hpf::Matrix& w, std::span<const int16_t> x, int64_t tokens,
                          std::span<const int64_t> bias) {
  return run_linear(spec, mapping, name, HpfSource(spec, w, !bias.empty()), x, tokens, bias);
}

LinearRun simulate_linear(const AccelSpec& spec, const Mapping& mapping, const std::string& name,
                          const StreamMatrix& w, std::span<const int16_t> x, int64_t tokens,
                          std::span<const int64_t> bias) {
  return run_linear(spec, mapping, name, StreamSource(spec, w, !bias.empty()), x, tokens, bias);
}

LinearRun simulate_linear(const AccelSpec& spec, const Mapping& mapping, const std::string& name,
                          const DenseMatrix& w, std::span<const int16_t> x, int64_t tokens,
                          std::span<const int64_t> bias) {
  return run_linear(spec, mapping, name, DenseSource(spec, w, !bias.empty()), x, tokens, bias);
}

SimResult simulate_workload(const AccelSpec& spec, const Mapping& mapping, const Workload& workload,
                            std::span<const LayerData> layers) {
  validate_spec(spec);
  const Verdict v = check_mapping(spec, mapping, workload);
  if (!v.ok) throw Error("", "mapping", "a mapping that fits the spec", v.reason);
  SimResult r;
  size_t next = 0;
  for (const Op& op : workload.ops) {
    if (const auto* l = std::get_if<LinearOp>(&op)) {
      if (next >= layers.size()) {
        throw Error("", "layers", "one LayerData per LinearOp", fmt::format("{}", layers.size()));
      }
      const LayerData& d = layers[next++];
      const auto [rows, cols] = std::visit(
          [](const auto& w) {
            if constexpr (std::is_same_v<std::decay_t<decltype(w)>, format::hpf::Matrix>) {
              return std::pair{w.header.rows, w.header.cols};
            } else {
              return std::pair{w.rows, w.cols};
            }
          },
          d.weights);
      if (rows != l->rows || cols != l->cols) {
        throw Error("", l->name, fmt::format("{} x {} weights", l->rows, l->cols),
                    fmt::format("{} x {}", rows, cols));
      }
      r.ops.push_back(std::visit(
          [&](const auto& w) {
            return simulate_linear(spec, mapping, l->name, w, d.x, l->tokens, d.bias).stats;
          },
          d.weights));
    } else if (const auto* m = std::get_if<MatMulOp>(&op)) {
      r.ops.push_back(schedule_matmul(spec, mapping, *m));
    } else {
      r.ops.push_back(count_vector(spec, std::get<VectorOp>(op)));
    }
    r.total_cycles += r.ops.back().cycles;
    r.macs += r.ops.back().macs;
  }
  if (next != layers.size()) {
    throw Error("", "layers", fmt::format("{} LayerData", next), fmt::format("{}", layers.size()));
  }
  r.latency_us = static_cast<double>(r.total_cycles) / spec.clock_mhz;
  return r;
}

}  // namespace fitformer::accel
