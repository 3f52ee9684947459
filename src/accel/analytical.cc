// Closed-form cycle counts per operation (the derivation is in analytical.h).
#include "accel/analytical.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>

#include "core/error.h"
#include "core/indexing.h"

namespace fitformer::accel {
namespace {

int64_t floor_pow2(int64_t v) {
  return v < 1 ? 1 : static_cast<int64_t>(std::bit_floor(static_cast<uint64_t>(v)));
}
int64_t ceil_pow2(double v) {
  int64_t p = 1;
  while (static_cast<double>(p) < v && p < (int64_t{1} << 40)) p *= 2;
  return p;
}
int ceil_log2(int64_t v) {
  int bits = 0;
  while ((int64_t{1} << bits) < v) ++bits;
  return bits;
}

// T: the most tokens whose inputs and accumulators fit the buffers, capped by the mapping, a
// multiple of the lanes when that leaves at least one group; 0 when no token fits.
int64_t tokens_per_tile(const AccelSpec& spec, const Mapping& mapping, int64_t rows, int64_t cols,
                        int64_t tokens) {
  const int64_t by_act = spec.act_buffer_bytes / (cols * precision_bytes(spec.precision));
  const int64_t by_out = spec.out_buffer_bytes / (rows * accumulator_bytes(spec.precision));
  int64_t t = std::min({tokens, by_act, by_out});
  if (mapping.max_token_tile > 0) t = std::min(t, mapping.max_token_tile);
  if (t >= spec.token_lanes && t < tokens) t -= t % spec.token_lanes;
  return std::max<int64_t>(t, 0);
}

// b: bytes per cycle the weight port takes (analytical.h).
int64_t port_bytes(const AccelSpec& spec) {
  const int64_t p = spec.pes;
  const int64_t values = spec.banks * precision_bytes(spec.precision);
  const int64_t offsets = ceil_div(spec.banks * offset_bits(spec), 8);
  int64_t b = std::min({ceil_pow2(offchip_bytes_per_cycle(spec)), (2 * p) & -(2 * p),
                        (p * values) & -(p * values), floor_pow2(p * values)});
  if (offsets > 0) b = std::min(b, floor_pow2(p * offsets));
  return b;
}

// b of the dense design: its sections are Q P x 4 or 8 bytes (row parameters) and R bw P
// groups of B values, so the beat divides 4P and P times a group, and is at most P groups.
int64_t dense_port_bytes(const AccelSpec& spec) {
  const int64_t p = spec.pes, values = spec.banks * precision_bytes(spec.precision);
  return std::min(
      {ceil_pow2(offchip_bytes_per_cycle(spec)), (4 * p) & -(4 * p), (p * values) & -(p * values)});
}

// g: expected commit-gap cycles per step when a block keeps k1 random rows of `rows`, each
// bank holding rows / nb of them. A bank holding c of the block's rows (hypergeometric) needs
// e = (c - (v-1)R)+ rounds with v or more of its rows; the deal puts the banks' such rounds
// together, so E[max over the nb banks of e] rounds (at most R) reach v.
double commit_gap(int64_t k1, int64_t rows, int64_t rounds, int64_t n, int64_t nb) {
  if (k1 >= rows || nb == 1) return 0;  // consecutive rows, or one PE
  const int64_t in_bank = std::max<int64_t>(1, (rows + nb / 2) / nb);
  const int64_t top = std::min(k1, in_bank);
  auto log_choose = [](double a, double b) {
    return std::lgamma(a + 1) - std::lgamma(b + 1) - std::lgamma(a - b + 1);
  };
  std::vector<double> below(static_cast<size_t>(top + 2), 0);  // below[c] = P(count < c)
  for (int64_t c = 0; c <= top; ++c) {
    double pmf = 0;
    if (k1 - c <= rows - in_bank) {
      pmf = std::exp(log_choose(static_cast<double>(in_bank), static_cast<double>(c)) +
                     log_choose(static_cast<double>(rows - in_bank), static_cast<double>(k1 - c)) -
                     log_choose(static_cast<double>(rows), static_cast<double>(k1)));
    }
    below[static_cast<size_t>(c + 1)] = below[static_cast<size_t>(c)] + pmf;
  }
  double gap = 0;
  for (int64_t v = n + 1; (v - 1) * rounds < top; ++v) {
    for (int64_t k = 1; k <= rounds && (v - 1) * rounds + k <= top; ++k) {
      // P(max e >= k) = 1 - P(count < (v-1)R + k)^nb
      gap += 1 - std::pow(std::min(1.0, below[static_cast<size_t>((v - 1) * rounds + k)]),
                          static_cast<double>(nb));
    }
  }
  return gap;
}

// A linear layer's timing, with the per-row requantization words of the first block when
// `row_words` (workload linears) and none for on-chip operands (matmuls).
OpStats linear_cycles(const AccelSpec& spec, const Mapping& mapping, const LinearOp& op,
                      bool row_words) {
  const int64_t tile = tokens_per_tile(spec, mapping, op.rows, op.cols, op.tokens);
  if (tile < 1) throw Error("", op.name, "a token tile that fits the buffers", "none");
  const int64_t p = spec.pes, lanes = spec.token_lanes, bw = bank_width(spec);
  const int64_t blocks = ceil_div(op.cols, spec.block_cols), rounds = ceil_div(op.k1, p);
  const bool dense = spec.design == Design::kDense;  // dense_stream.h: no indices
  const int64_t nb = out_banks(spec);
  const int64_t q = ceil_div(op.rows, nb), d = 5 + ceil_log2(spec.banks);
  const double g = commit_gap(op.k1, op.rows, rounds, op.n, nb);
  const double slots = static_cast<double>(rounds * op.n);
  // a step's slots, the next slice's load, and the slice of the step after next, which loads
  // only once this step's predecessor has released its half: 2C >= S + bw + 1
  const double last_span =
      slots + g * static_cast<double>(rounds - 1) / static_cast<double>(rounds);
  const double step =
      std::max({slots + g, static_cast<double>(bw), (last_span + static_cast<double>(bw) + 1) / 2});
  const double last_m = 1 + g / static_cast<double>(rounds);

  // weights: a block's image, the port, and a block's period X
  const bool streamed = !mapping.weights_resident;
  const double rate = offchip_bytes_per_cycle(spec);
  const int64_t beat = dense ? dense_port_bytes(spec) : port_bytes(spec);
  const int64_t groups = rounds * op.n * p;
  const int64_t rows_bytes = dense ? 0 : 2 * rounds * p;
  const int64_t offset_bytes = dense ? 0 : ceil_div(spec.banks * offset_bits(spec), 8);
  const int64_t block_bytes =
      rows_bytes + groups * (spec.banks * precision_bytes(spec.precision) + offset_bytes);
  const int64_t first_bytes = row_words ? 8 * q * nb : 0;
  auto arrival = [&](int64_t bytes) {  // cycles from a request to its last byte
    return std::max(std::ceil(static_cast<double>(bytes) / rate),
                    static_cast<double>(ceil_div(bytes, beat)));
  };
  auto decoded = [&](int64_t bytes, int64_t through_rows) {  // request to a usable block
    if (dense) return arrival(bytes) + 3;                    // no conflict counter
    return std::max(arrival(bytes) + 2, arrival(through_rows) + static_cast<double>(rounds) + 6) +
           1;
  };
  const double period_x = decoded(block_bytes, rows_bytes);

  // tiles: full ones and the rest
  OpStats s;
  s.name = op.name;
  double cycles = 0, compute = 0, transfer = 0;
  double first_slot =
      std::max(static_cast<double>(bw) + 3,
               streamed ? 1 + decoded(block_bytes + first_bytes, first_bytes + rows_bytes) : 0.0) +
      1;
  if (streamed)
    transfer = arrival(block_bytes + first_bytes) +
               static_cast<double>(blocks * ceil_div(op.tokens, tile) - 1) * arrival(block_bytes);
  const int64_t full = op.tokens / tile, rest = op.tokens % tile;
  double start = first_slot;
  for (int64_t kind = 0; kind < 2; ++kind) {
    const int64_t count = kind == 0 ? full : (rest > 0 ? 1 : 0);
    const int64_t t = kind == 0 ? tile : rest;
    const double steps_per_block = static_cast<double>(ceil_div(t, lanes));
    const double block =
        streamed ? std::max(steps_per_block * step, period_x) : steps_per_block * step;
    for (int64_t k = 0; k < count; ++k) {
      const double last_block = start + static_cast<double>(blocks - 1) * block;
      const double last_slot = last_block + (steps_per_block - 1) * step + last_span - 1;
      const double drained =
          last_slot + static_cast<double>(d) + last_m + 2 + static_cast<double>(q * t);
      compute += static_cast<double>(blocks) * steps_per_block * step;
      cycles = drained + 7;
      start = std::max(drained + 3, streamed ? last_block + period_x : 0.0);
    }
  }
  s.cycles = static_cast<int64_t>(std::llround(cycles));
  s.compute_cycles = static_cast<int64_t>(std::llround(compute));
  s.transfer_cycles = static_cast<int64_t>(std::llround(transfer));
  s.macs = blocks * op.k1 * spec.banks * op.n * op.tokens;
  const int64_t steps = blocks * (full * ceil_div(tile, lanes) + ceil_div(rest, lanes));
  s.busy_pe_cycles = steps * op.k1 * op.n;
  s.idle_pe_cycles = std::max<int64_t>(0, p * s.compute_cycles - s.busy_pe_cycles);
  s.exposed_transfer_cycles =
      std::max<int64_t>(0, s.cycles - s.compute_cycles - static_cast<int64_t>(first_slot));
  s.fill_drain_cycles = s.cycles - s.compute_cycles - s.exposed_transfer_cycles;
  const double peak =
      static_cast<double>(peak_macs_per_cycle(spec)) * static_cast<double>(s.cycles);
  s.utilization = peak > 0 ? static_cast<double>(s.macs) / peak : 0;
  return s;
}

}  // namespace

OpStats estimate_linear(const AccelSpec& spec, const Mapping& mapping, const LinearOp& op) {
  return linear_cycles(spec, mapping, op, true);
}

OpStats estimate_matmul(const AccelSpec& spec, const Mapping& mapping, const MatMulOp& op) {
  Mapping resident = mapping;
  resident.weights_resident = true;
  const LinearOp dense{op.name, op.rows, op.cols, op.tokens, op.rows, bank_width(spec), false};
  OpStats s = linear_cycles(spec, resident, dense, false);
  for (int64_t* f : {&s.cycles, &s.compute_cycles, &s.transfer_cycles, &s.exposed_transfer_cycles,
                     &s.fill_drain_cycles, &s.macs, &s.busy_pe_cycles, &s.idle_pe_cycles,
                     &s.conflict_stall_cycles}) {
    *f *= op.count;
  }
  return s;
}

OpStats estimate_vector(const AccelSpec& spec, const VectorOp& op) {
  OpStats s;
  s.name = op.name;
  const int64_t passes =
      op.kind == VectorKind::kSoftmax || op.kind == VectorKind::kLayerNorm ? 3 : 1;
  s.cycles = passes * ceil_div(op.elements, spec.vector_lanes);
  return s;
}

LatencyEstimate estimate_latency(const AccelSpec& spec, const Mapping& mapping,
                                 const Workload& workload) {
  validate_spec(spec);
  const Verdict v = check_mapping(spec, mapping, workload);
  if (!v.ok) throw Error("", "mapping", "a mapping that fits the spec", v.reason);
  LatencyEstimate e;
  for (const Op& op : workload.ops) {
    if (const auto* l = std::get_if<LinearOp>(&op)) {
      e.ops.push_back(estimate_linear(spec, mapping, *l));
    } else if (const auto* m = std::get_if<MatMulOp>(&op)) {
      e.ops.push_back(estimate_matmul(spec, mapping, *m));
    } else {
      e.ops.push_back(estimate_vector(spec, std::get<VectorOp>(op)));
    }
    e.total_cycles += e.ops.back().cycles;
    e.macs += e.ops.back().macs;
  }
  e.latency_us = static_cast<double>(e.total_cycles) / spec.clock_mhz;
  return e;
}

}  // namespace fitformer::accel
