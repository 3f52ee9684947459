// Per-operation cycle accounting shared by the simulator (SimResult) and the analytical model
// (LatencyEstimate), so the two can be compared field by field.
#pragma once

#include <cstdint>
#include <string>

#include "accel/result_tags.h"

namespace fitformer::accel {

// Cycles of one operation of a workload. For Linear layers: cycles = exposed pipeline of
// compute and weight transfer + fill + drain, where compute_cycles sums the lock-step steps
// (one step = one column block for one token group, as long as its slowest PE or the next
// input slice's load). PE-cycle identity: pes * compute_cycles = busy + idle, and the
// conflict stalls are part of busy (a PE waiting on a bank is busy, not idle).
struct OpStats {
  std::string name;
  Provenance provenance = Provenance::kModeled;
  int64_t cycles = 0;
  int64_t compute_cycles = 0;
  int64_t transfer_cycles = 0;          // off-chip weight bytes / bytes per cycle, all blocks
  int64_t exposed_transfer_cycles = 0;  // cycles the array waited for weights
  int64_t fill_drain_cycles = 0;
  int64_t macs = 0;  // multiply-accumulates issued (HPF slots x tokens; stream entries x tokens)
  int64_t busy_pe_cycles = 0;
  int64_t idle_pe_cycles = 0;         // a PE done with its segments waiting at the step barrier
  int64_t conflict_stall_cycles = 0;  // PE-cycles spent on extra reads of a conflicted bank
  double utilization = 0;             // macs / (peak MACs per cycle * cycles)
  // Bytes of one pass over a Linear layer's weight image as the weight port streams it (the
  // simulator's count, first item's row parameters included); 0 where not simulated.
  int64_t weight_image_bytes = 0;
};

}  // namespace fitformer::accel
