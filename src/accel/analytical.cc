// Closed-form cycle counts per operation (the formulas are in analytical.h).
#include "accel/analytical.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "accel/timing.h"
#include "core/error.h"
#include "format/hpf.h"

namespace fitformer::accel {
namespace {

int64_t ceil_div(int64_t a, int64_t b) {
  return (a + b - 1) / b;
}

int64_t transfer_cycles(double bytes, const AccelSpec& spec) {
  return static_cast<int64_t>(std::ceil(bytes / offchip_bytes_per_cycle(spec)));
}

void finish(const AccelSpec& spec, OpStats& s) {
  const double peak = static_cast<double>(peak_macs_per_cycle(spec)) * s.cycles;
  s.utilization = peak > 0 ? s.macs / peak : 0;
}

}  // namespace

OpStats estimate_linear(const AccelSpec& spec, const Mapping& mapping, const LinearOp& op) {
  const int64_t tile = token_tile(spec, mapping, op.rows, op.cols, op.tokens);
  if (tile < 1) throw Error("", op.name, "a token tile that fits the buffers", "none");
  const int64_t bw = bank_width(spec), lanes = spec.token_lanes;
  const int64_t blocks = ceil_div(op.cols, spec.block_cols);
  const int64_t work = ceil_div(op.k1, spec.pes) * op.n;
  const int64_t step = std::max(work, bw);
  const int64_t full_tiles = op.tokens / tile, rest = op.tokens % tile;
  const int64_t c_full = ceil_div(tile, lanes) * step, c_rest = ceil_div(rest, lanes) * step;

  const int64_t block_bytes = linear_block_bytes(op, spec.block_cols, spec.banks, spec.precision);
  const int64_t x = mapping.weights_resident ? 0 : transfer_cycles(block_bytes, spec);
  const int64_t x0 =
      mapping.weights_resident
          ? 0
          : transfer_cycles(block_bytes + format::hpf::kHeaderBytes + 4 * op.rows, spec);
  const int64_t items = (full_tiles + (rest > 0)) * blocks;
  const int64_t c_last = rest > 0 ? c_rest : c_full;
  int64_t pipeline = x0 + c_last;
  if (rest > 0) {
    pipeline += full_tiles * blocks * std::max(c_full, x) + (blocks - 1) * std::max(c_rest, x);
  } else {
    pipeline += (items - 1) * std::max(c_full, x);
  }

  OpStats s;
  s.name = op.name;
  s.compute_cycles = full_tiles * blocks * c_full + (rest > 0) * blocks * c_rest;
  s.transfer_cycles = mapping.weights_resident ? 0 : x0 + (items - 1) * x;
  s.exposed_transfer_cycles = pipeline - s.compute_cycles;
  s.fill_drain_cycles = fill_cycles(spec) + full_tiles * drain_cycles(spec, op.rows, tile) +
                        (rest > 0 ? drain_cycles(spec, op.rows, rest) : 0);
  s.cycles = pipeline + s.fill_drain_cycles;
  s.macs = linear_macs(op, spec.block_cols, spec.banks);
  const int64_t groups = full_tiles * ceil_div(tile, lanes) + ceil_div(rest, lanes);
  s.busy_pe_cycles = groups * blocks * op.k1 * op.n;
  s.idle_pe_cycles = spec.pes * s.compute_cycles - s.busy_pe_cycles;
  finish(spec, s);
  return s;
}

OpStats estimate_matmul(const AccelSpec& spec, const Mapping& mapping, const MatMulOp& op) {
  Mapping resident = mapping;
  resident.weights_resident = true;
  const LinearOp dense{op.name, op.rows, op.cols, op.tokens, op.rows, bank_width(spec), false};
  OpStats s = estimate_linear(spec, resident, dense);
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
  s.cycles = vector_cycles(spec, op);
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
