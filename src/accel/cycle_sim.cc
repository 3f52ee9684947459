// The cycle-level simulator: one engine stepping PEs, banks and the weight double buffer,
// fed by an HPF source or a generic stream source (the machine is described in cycle_sim.h).
#include "accel/cycle_sim.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "accel/analytical.h"
#include "accel/fixed_point.h"
#include "accel/timing.h"
#include "core/error.h"

namespace fitformer::accel {
namespace {

size_t at(int64_t i) {
  return static_cast<size_t>(i);
}
int64_t ceil_div(int64_t a, int64_t b) {
  return (a + b - 1) / b;
}

struct SegmentCost {
  int64_t cycles = 0;
  int64_t stalls = 0;
  int64_t reads = 0;  // multiplier slots used per token
};

// HPF as the weight buffer holds it after the decoder stage: int16 values and unpacked
// offsets, slot order [block][k1][B][n].
class HpfSource {
 public:
  HpfSource(const AccelSpec& spec, const format::hpf::Matrix& w) : w_(w), bw_(w.bank_width()) {
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
  int64_t block_bytes(int64_t) const {
    const LinearOp op = linear_op_from_hpf("", w_, 0);
    return linear_block_bytes(
        op, w_.header.block_cols, w_.header.banks,
        w_.header.value_type == format::ValueType::kI8 ? Precision::kInt8 : Precision::kInt16);
  }
  int64_t first_bytes() const {
    return format::hpf::kHeaderBytes + 4 * static_cast<int64_t>(w_.scales.size());
  }

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
  std::vector<int16_t> vals_;
  std::vector<uint16_t> offs_;
};

class StreamSource {
 public:
  StreamSource(const AccelSpec& spec, const StreamMatrix& w) : w_(w), bw_(w.block_cols / w.banks) {
    if (w.block_cols != spec.block_cols || w.banks != spec.banks || w.banks > 64) {
      throw Error("", "weights",
                  fmt::format("a stream with Bc {} B {} (B <= 64)", spec.block_cols, spec.banks),
                  fmt::format("Bc {} B {}", w.block_cols, w.banks));
    }
    if (w.precision != spec.precision) {
      throw Error("", "weights.precision", std::string(precision_name(spec.precision)),
                  std::string(precision_name(w.precision)));
    }
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
  int64_t block_bytes(int64_t b) const { return w_.block_bytes(b); }
  int64_t first_bytes() const { return 4 * static_cast<int64_t>(w_.scales.size()); }

  // Windows of B entries; each cycle every bank serves the first pending read aimed at it.
  SegmentCost run(int64_t b, int64_t i, const int16_t* slice, int64_t bc, int64_t lanes,
                  int64_t* psum) const {
    const int64_t s = w_.block_segments[at(b)] + i;
    const int64_t e0 = w_.segment_entries[at(s)], e1 = w_.segment_entries[at(s + 1)];
    SegmentCost cost{0, 0, e1 - e0};
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

  const int64_t bc = spec.block_cols, bw = bank_width(spec), lanes = spec.token_lanes;
  const double bytes_per_cycle = offchip_bytes_per_cycle(spec);
  const int acc_bits = accumulator_bits(spec.precision);
  LinearRun out;
  out.acc.assign(at(tokens * rows), 0);
  for (int64_t t = 0; t < tokens; ++t) {
    for (int64_t r = 0; r < rows && !bias.empty(); ++r) out.acc[at(t * rows + r)] = bias[at(r)];
  }
  OpStats& s = out.stats;
  s.name = name;
  s.provenance = Provenance::kSimulated;
  s.fill_drain_cycles = fill_cycles(spec);

  std::vector<int16_t> slice(at(lanes * bc));
  std::vector<int64_t> pe_work(at(spec.pes));
  // Double buffer: transfer i may start when transfer i-1 is done and compute i-2 has
  // released the buffer; compute i when its weights are in and compute i-1 is done.
  int64_t end_x = 0, end_c = 0, end_c_prev = 0;
  bool first = true;
  for (int64_t t0 = 0; t0 < tokens; t0 += tile) {
    const int64_t t_count = std::min(tile, tokens - t0);
    for (int64_t b = 0; b < src.blocks(); ++b) {
      const int64_t nseg = src.segments(b);
      const int64_t chunk = ceil_div(nseg, spec.pes);
      int64_t compute = 0;
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
          pe_work[at(p)] = work;
          slowest = std::max(slowest, work);
        }
        const int64_t step_cycles = std::max(slowest, bw);  // or the next slice's load
        for (int64_t w : pe_work) {
          s.busy_pe_cycles += w;
          s.idle_pe_cycles += step_cycles - w;
        }
        compute += step_cycles;
      }
      const int64_t bytes = src.block_bytes(b) + (first ? src.first_bytes() : 0);
      const int64_t xfer =
          mapping.weights_resident ? 0 : static_cast<int64_t>(std::ceil(bytes / bytes_per_cycle));
      first = false;
      const int64_t start_x = std::max(end_x, end_c_prev);
      end_x = start_x + xfer;
      const int64_t start_c = std::max(end_c, end_x);
      end_c_prev = end_c;
      end_c = start_c + compute;
      s.transfer_cycles += xfer;
      s.compute_cycles += compute;
    }
    s.fill_drain_cycles += drain_cycles(spec, rows, t_count);
  }
  s.exposed_transfer_cycles = end_c - s.compute_cycles;
  s.cycles = end_c + s.fill_drain_cycles;
  const double peak = static_cast<double>(peak_macs_per_cycle(spec)) * s.cycles;
  s.utilization = peak > 0 ? s.macs / peak : 0;
  return out;
}

}  // namespace

LinearRun simulate_linear(const AccelSpec& spec, const Mapping& mapping, const std::string& name,
                          const format::hpf::Matrix& w, std::span<const int16_t> x, int64_t tokens,
                          std::span<const int64_t> bias) {
  return run_linear(spec, mapping, name, HpfSource(spec, w), x, tokens, bias);
}

LinearRun simulate_linear(const AccelSpec& spec, const Mapping& mapping, const std::string& name,
                          const StreamMatrix& w, std::span<const int16_t> x, int64_t tokens,
                          std::span<const int64_t> bias) {
  return run_linear(spec, mapping, name, StreamSource(spec, w), x, tokens, bias);
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
            if constexpr (std::is_same_v<std::decay_t<decltype(w)>, StreamMatrix>) {
              return std::pair{w.rows, w.cols};
            } else {
              return std::pair{w.header.rows, w.header.cols};
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
      r.ops.push_back(estimate_matmul(spec, mapping, *m));
    } else {
      r.ops.push_back(estimate_vector(spec, std::get<VectorOp>(op)));
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
