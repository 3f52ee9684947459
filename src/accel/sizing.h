// Per-device sizing (DESIGN.md §4, issue 6 item 6): for one FPGA, the accelerator
// configuration that minimizes the model's modeled latency within the device's usable
// resources and on-chip memory, found by exhaustive search over one fixed grid.
//
// Grid (the same for every device, so a device with more of everything can only do better):
// P from SizingProblem::pes, by default default_pe_grid(): the powers of two up to 4096 and
// the points 3 x 2^k between them (the RTL takes any P; its output banks are P rounded up to a
// power of two), so a device whose resources end between two powers of two is not left at
// the lower one; B from SizingProblem::banks (dividing Bc; the model is pruned
// with that B); precision from SizingProblem::precisions; token lanes 1, or 2 for int8; token
// tile T in {N, N/2, N/4, ..., 1} (N = seq x batch), which sets the activation and output
// buffers to the largest layer's K x T and M x T; weights resident (buffer = all weights) or
// streaming (buffer = two column blocks of the largest layer), counted as the RTL loads them
// (mapping.h: resident_weight_buffer_bytes); weight buffer in BRAM or, on
// devices with UltraRAM, URAM. Vector lanes follow P: clamp(P / 2, 1, 64). Clock from the
// catalog, off-chip bandwidth = catalog peak x offchip_efficiency.
// Objective: least modeled latency, ties broken by fewer DSPs, then fewer BRAM36 + URAM.
#pragma once

#include <cstdint>
#include <vector>

#include "accel/accel_spec.h"
#include "accel/analytical.h"
#include "accel/mapping.h"
#include "accel/resources.h"
#include "accel/result_tags.h"
#include "accel/workload.h"
#include "io/catalog.h"
#include "io/model_config.h"

namespace fitformer::accel {

// {1, 2, 3, 4, 6, 8, 12, 16, ..., 3072, 4096}.
std::vector<int64_t> default_pe_grid();

struct SizingProblem {
  // The HP design for plan's pruned model, or the dense design (dense_stream.h) for the same
  // model unpruned (plan.sparsity is taken as 0), each over the same grid.
  Design design = Design::kHp;
  io::ModelConfig model;
  int64_t seq = 128;
  int64_t batch = 1;
  HpPlan plan;  // plan.banks is replaced by each entry of `banks`
  std::vector<int64_t> banks = {4, 8, 16};
  std::vector<int64_t> pes = default_pe_grid();
  std::vector<Precision> precisions = {Precision::kInt8};
  double offchip_efficiency = 0.8;  // estimate: sustained / peak DRAM bandwidth of a DMA stream
};

struct SizedAccel {
  std::string device_id;
  Verdict verdict;  // not ok when no point of the grid fits; then the rest is default
  AccelSpec spec;
  Mapping mapping;
  Workload workload;  // pruned with spec.banks
  LatencyEstimate latency;
  ResourceEstimate resources;
  int64_t candidates = 0;  // grid points evaluated
  int64_t feasible = 0;    // of which fit the device
};

// Throws Error for a non-FPGA device or a bad problem (empty lists, a bad plan).
SizedAccel size_accelerator(const io::DeviceSpec& device, const SizingProblem& problem);

// size_accelerator for every FPGA of the catalog, in catalog order.
std::vector<SizedAccel> size_catalog(const std::vector<io::DeviceSpec>& devices,
                                     const SizingProblem& problem);

}  // namespace fitformer::accel
