// The RTL's pipeline latency and the vector unit's cycle counts.
#include "accel/timing.h"

namespace fitformer::accel {

int64_t result_latency(const AccelSpec& spec) {
  int64_t tree = 0;
  while ((int64_t{1} << tree) < spec.banks) ++tree;
  return 5 + tree;
}

int64_t vector_passes(VectorKind kind) {
  switch (kind) {
    case VectorKind::kSoftmax:
    case VectorKind::kLayerNorm:
      return 3;
    case VectorKind::kActivation:
    case VectorKind::kResidual:
      return 1;
  }
  return 1;
}

int64_t vector_cycles(const AccelSpec& spec, const VectorOp& op) {
  return vector_passes(op.kind) * ((op.elements + spec.vector_lanes - 1) / spec.vector_lanes);
}

}  // namespace fitformer::accel
