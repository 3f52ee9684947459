// The exhaustive per-device design-space search (grid and objective in sizing.h).
#include "accel/sizing.h"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>

#include "accel/dense_stream.h"
#include "core/error.h"

namespace fitformer::accel {
namespace {

struct Extents {
  int64_t max_act_per_token = 0;  // bytes of one token's inputs, largest op
  int64_t max_out_per_token = 0;  // bytes of one token's accumulators, largest op
  int64_t max_tokens = 0;
};

Extents extents_of(const Workload& w, Precision precision) {
  Extents e;
  for (const Op& op : w.ops) {
    int64_t rows = 0, cols = 0, tokens = 0;
    if (const auto* l = std::get_if<LinearOp>(&op)) {
      rows = l->rows, cols = l->cols, tokens = l->tokens;
    } else if (const auto* m = std::get_if<MatMulOp>(&op)) {
      rows = m->rows, cols = m->cols, tokens = m->tokens;
    } else {
      continue;
    }
    e.max_act_per_token = std::max(e.max_act_per_token, cols * precision_bytes(precision));
    e.max_out_per_token = std::max(e.max_out_per_token, rows * accumulator_bytes(precision));
    e.max_tokens = std::max(e.max_tokens, tokens);
  }
  return e;
}

}  // namespace

std::vector<int64_t> default_pe_grid() {
  std::vector<int64_t> grid;
  for (int64_t p = 1; p <= 4096; p *= 2) {
    grid.push_back(p);
    if (p >= 2 && p * 3 / 2 <= 4096) grid.push_back(p * 3 / 2);
  }
  return grid;
}

SizedAccel size_accelerator(const io::DeviceSpec& device, const SizingProblem& problem) {
  if (!device.fpga) throw Error("", "device", "an FPGA", device.id);
  if (problem.banks.empty()) throw Error("", "banks", "at least one bank count", "none");
  if (problem.precisions.empty()) throw Error("", "precisions", "at least one", "none");
  if (problem.pes.empty() || *std::min_element(problem.pes.begin(), problem.pes.end()) < 1)
    throw Error("", "pes", "PE counts >= 1", "none or one below 1");
  const io::FpgaSpec& fpga = *device.fpga;
  SizedAccel best;
  best.device_id = device.id;
  best.verdict = {false, fmt::format("no configuration of the grid fits {}", device.id)};
  auto key = [](const LatencyEstimate& l, const ResourceEstimate& r) {
    return std::tuple{l.total_cycles > 0 ? l.latency_us : 0.0, r.dsp, r.bram36 + r.uram};
  };
  for (int64_t banks : problem.banks) {
    if (banks < 1 || problem.plan.block_cols % banks != 0) continue;
    HpPlan plan = problem.plan;
    plan.banks = banks;
    if (problem.design == Design::kDense) plan.sparsity = 0;  // it runs the dense model
    const Workload workload = build_workload(problem.model, problem.seq, problem.batch, plan);
    for (Precision precision : problem.precisions) {
      const Extents ext = extents_of(workload, precision);
      for (int64_t lanes = 1; lanes <= (precision == Precision::kInt8 ? 2 : 1); ++lanes) {
        for (int64_t pes : problem.pes) {
          AccelSpec sized;
          sized.design = problem.design;
          sized.pes = pes;
          sized.banks = banks;
          sized.block_cols = plan.block_cols;
          sized.precision = precision;
          for (int64_t tile = ext.max_tokens; tile >= 1; tile = tile == 1 ? 0 : (tile + 1) / 2) {
            for (bool resident : {true, false}) {
              for (Memory memory : {Memory::kBram, Memory::kUram}) {
                if (memory == Memory::kUram && fpga.uram == 0) continue;
                AccelSpec spec = sized;
                spec.token_lanes = lanes;
                spec.clock_mhz = fpga.clock_mhz;
                spec.offchip_gbs = device.memory_bandwidth_gbs * problem.offchip_efficiency;
                spec.vector_lanes = std::clamp<int64_t>(pes / 2, 1, 64);
                spec.act_buffer_bytes = ext.max_act_per_token * tile;
                spec.out_buffer_bytes = ext.max_out_per_token * tile;
                spec.weight_buffer_bytes = resident ? resident_weight_buffer_bytes(spec, workload)
                                                    : streaming_weight_buffer_bytes(spec, workload);
                spec.weight_memory = memory;
                Mapping mapping;
                mapping.weights_resident = resident;
                ++best.candidates;
                if (!check_mapping(spec, mapping, workload).ok) continue;
                const ResourceEstimate res = estimate_resources(spec, device);
                if (!res.fit.ok) continue;
                ++best.feasible;
                LatencyEstimate lat = estimate_latency(spec, mapping, workload);
                if (best.verdict.ok && key(lat, res) >= key(best.latency, best.resources)) {
                  continue;
                }
                best.verdict = {};
                best.spec = spec;
                best.mapping = mapping;
                best.workload = workload;
                best.latency = std::move(lat);
                best.resources = res;
              }
            }
          }
        }
      }
    }
  }
  return best;
}

std::vector<SizedAccel> size_catalog(const std::vector<io::DeviceSpec>& devices,
                                     const SizingProblem& problem) {
  std::vector<SizedAccel> out;
  for (const io::DeviceSpec& d : devices) {
    if (d.fpga) out.push_back(size_accelerator(d, problem));
  }
  return out;
}

}  // namespace fitformer::accel
