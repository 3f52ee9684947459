// The roofline of roofline.h: work per workload op and time per op on a catalog device.
#include "devices/roofline.h"

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <variant>

#include "core/error.h"
#include "format/bit_pack.h"
#include "format/hpf.h"

namespace fitformer::devices {
namespace {

int ceil_log2(int64_t v) {
  int bits = 0;
  while ((int64_t{1} << bits) < v) ++bits;
  return bits;
}

double vector_flops_per_element(accel::VectorKind kind) {
  switch (kind) {
    case accel::VectorKind::kSoftmax:
      return 5;  // max, subtract, exp, sum, divide
    case accel::VectorKind::kLayerNorm:
      return 8;  // mean, variance, normalize, scale, shift
    case accel::VectorKind::kActivation:
      return 8;  // erf-form GELU as a short polynomial
    case accel::VectorKind::kResidual:
      return 1;
  }
  return 1;
}

std::string device_file(const io::DeviceSpec& device) {
  return "catalog device \"" + device.id + "\"";
}

}  // namespace

RooflineFactors roofline_factors(io::DeviceKind kind) {
  if (kind == io::DeviceKind::kGpu) {
    return {.dense_compute = 0.3,
            .sparse_compute = 0.1,
            .vector_compute = 0.1,
            .bandwidth = 0.8,
            .op_overhead_us = 8};
  }
  return {};
}

double hpf_bytes(const accel::LinearOp& op, int64_t block_cols, int64_t banks,
                 int64_t value_bytes) {
  const int64_t blocks = (op.cols + block_cols - 1) / block_cols;
  const int64_t slots = blocks * op.k1 * banks * op.n;
  const int64_t scales = value_bytes == 4 ? 0 : op.rows;
  return static_cast<double>(format::hpf::kHeaderBytes + 2 * blocks * op.k1 + slots * value_bytes +
                             format::packed_bytes(slots, ceil_log2(block_cols / banks)) +
                             4 * scales);
}

std::vector<RooflineOp> roofline_ops(const accel::Workload& workload, int64_t value_bytes) {
  std::vector<RooflineOp> ops;
  const double vb = static_cast<double>(value_bytes);
  for (const accel::Op& op : workload.ops) {
    std::visit(
        [&](const auto& o) {
          using T = std::decay_t<decltype(o)>;
          RooflineOp r;
          r.name = o.name;
          if constexpr (std::is_same_v<T, accel::LinearOp>) {
            const double t = static_cast<double>(o.tokens);
            const double io_bytes = t * static_cast<double>(o.rows + o.cols) * vb;
            if (o.pruned) {
              const int64_t bw = workload.block_cols / workload.banks;
              const bool dense = o.k1 == o.rows && o.n == bw;
              const double kept =
                  static_cast<double>(((o.cols + workload.block_cols - 1) / workload.block_cols) *
                                      o.k1 * workload.banks * o.n);
              r.flops = 2 * kept * t;
              r.bytes = (dense ? static_cast<double>(o.rows * o.cols) * vb
                               : hpf_bytes(o, workload.block_cols, workload.banks, value_bytes)) +
                        io_bytes;
              r.cls = dense ? RooflineOp::Class::kDense : RooflineOp::Class::kSparse;
            } else {
              r.flops = 2 * static_cast<double>(o.rows * o.cols) * t;
              r.bytes = static_cast<double>(o.rows * o.cols) * vb + io_bytes;
            }
          } else if constexpr (std::is_same_v<T, accel::MatMulOp>) {
            const double c = static_cast<double>(o.count);
            r.flops = 2 * static_cast<double>(o.rows * o.cols * o.tokens) * c;
            r.bytes = static_cast<double>(o.rows * o.cols + (o.rows + o.cols) * o.tokens) * vb * c;
          } else {
            const double e = static_cast<double>(o.elements);
            r.flops = vector_flops_per_element(o.kind) * e;
            r.bytes = 2 * e * vb;
            r.cls = RooflineOp::Class::kVector;
          }
          ops.push_back(std::move(r));
        },
        op);
  }
  return ops;
}

double roofline_time_us(double flops, double bytes, double peak_ops_per_s,
                        double bandwidth_bytes_per_s, double compute_eff, double bw_eff) {
  const double compute_s = flops / (peak_ops_per_s * compute_eff);
  const double memory_s = bytes / (bandwidth_bytes_per_s * bw_eff);
  return std::max(compute_s, memory_s) * 1e6;
}

double peak_ops_per_s(const io::DeviceSpec& device, int64_t value_bytes) {
  const bool int8 = value_bytes == 1;
  if (device.kind == io::DeviceKind::kCpu) {
    if (!device.cpu) {
      throw Error(device_file(device), "cpu", "a [device.cpu] table for a CPU", "none");
    }
    const double per_cycle = int8 ? device.cpu->int8_op_per_cycle : device.cpu->fp32_flop_per_cycle;
    const double peak = device.cpu->cores * device.cpu->clock_ghz * 1e9 * per_cycle;
    if (!(peak > 0)) {
      throw Error(device_file(device), int8 ? "cpu.int8_op_per_cycle" : "cpu.fp32_flop_per_cycle",
                  "cores, clock and rate > 0", std::to_string(peak));
    }
    return peak;
  }
  if (device.kind == io::DeviceKind::kGpu) {
    if (!device.gpu) {
      throw Error(device_file(device), "gpu", "a [device.gpu] table for a GPU", "none");
    }
    double tera = device.gpu->fp32_tflops;
    if (int8) {
      tera = device.gpu->int8_tops > 0     ? device.gpu->int8_tops
             : device.gpu->fp16_tflops > 0 ? device.gpu->fp16_tflops
                                           : device.gpu->fp32_tflops;
    }
    if (!(tera > 0)) {
      throw Error(device_file(device), "gpu.fp32_tflops", "a peak rate > 0", std::to_string(tera));
    }
    return tera * 1e12;
  }
  throw Error(device_file(device), "kind", "cpu or gpu for a roofline", "fpga");
}

}  // namespace fitformer::devices
