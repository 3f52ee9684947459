// The roofline that predicts CPU and GPU latency (DESIGN.md §5): each operation of the
// accelerator's workload (accel/workload.h, the same schedule the FPGA runs) takes
//   time = max(flops / (peak * compute efficiency), bytes / (bandwidth * bandwidth efficiency))
// plus a fixed per-op overhead, summed in order. Sparse (HP) linears count their useful
// flops (2 per kept weight per token) and their real HPF bytes (format/hpf.h's layout:
// 16-bit row indices, values, bit-packed offsets, per-row scales).
// The efficiency factors and overheads below are estimates, not measurements: they stand for
// what a good library reaches on small Transformer layers (dense GEMM at tens to hundreds of
// tokens; sparse kernels with gathers; vector ops bound by memory traffic).
#pragma once

#include <string>
#include <vector>

#include "accel/workload.h"
#include "io/catalog.h"

namespace fitformer::devices {

struct RooflineFactors {
  double dense_compute = 0.5;   // dense GEMM / attention matmuls: share of peak reached
  double sparse_compute = 0.2;  // HP linears: gathered inputs, short rows
  double vector_compute = 0.1;  // softmax, LayerNorm, GELU, residual: scalar-ish code
  double bandwidth = 0.7;       // sustained / peak memory bandwidth
  double op_overhead_us = 2;    // per op: a thread-team fork-join (CPU) or a kernel launch (GPU)
};

// Estimates. CPU: oneDNN-class sgemm reaches about half of peak at these shapes, the sparse
// kernels about a fifth (docs/kernels.md measures them on this host), STREAM-like code 70 %
// of the bandwidth, and an OpenMP region costs microseconds. GPU: small-batch kernels fill a
// fraction of the SMs (30 % dense, 10 % sparse), 80 % of the bandwidth, about 8 us launch
// plus synchronization per op.
RooflineFactors roofline_factors(io::DeviceKind kind);

// One operation's work: floating-point (or integer) operations and bytes moved.
struct RooflineOp {
  std::string name;
  double flops = 0;
  double bytes = 0;
  enum class Class { kDense, kSparse, kVector } cls = Class::kDense;
};

// The workload's ops with their work at `value_bytes` per weight and activation (1 for int8,
// 4 for fp32): linears read their weights (HPF bytes when pruned, M x K values when dense)
// and their input and write their output; matmuls read both operands and write the product;
// vector ops read and write each element once (softmax 5 ops per element, LayerNorm 8,
// activation 8, residual 1).
std::vector<RooflineOp> roofline_ops(const accel::Workload& workload, int64_t value_bytes);

// Bytes of an HPF matrix of the op's geometry with `value_bytes` per value (format/hpf.h):
// header 20, 2 per kept row segment, values, ceil(slots * offset bits / 8), 4 per row scale.
double hpf_bytes(const accel::LinearOp& op, int64_t block_cols, int64_t banks, int64_t value_bytes);

// max(flops / (peak_ops_per_s * compute_eff), bytes / (bandwidth_bytes_per_s * bw_eff)) in
// microseconds. Preconditions: peak and bandwidth > 0, efficiencies in (0, 1].
double roofline_time_us(double flops, double bytes, double peak_ops_per_s,
                        double bandwidth_bytes_per_s, double compute_eff, double bw_eff);

// The device's peak operations per second at 1 (int8) or 4 (fp32) bytes per value: CPU
// cores x clock x per-cycle rate; GPU int8 TOP/s (fp16, then fp32, when a lower precision
// has no figure) or fp32 TFLOP/s. Throws Error naming the device and field when the kind's
// spec or the needed rate is missing or zero.
double peak_ops_per_s(const io::DeviceSpec& device, int64_t value_bytes);

}  // namespace fitformer::devices
