// Fill, drain and vector-unit cycle counts.
#include "accel/timing.h"

namespace fitformer::accel {
namespace {

int64_t ceil_div(int64_t a, int64_t b) {
  return (a + b - 1) / b;
}

}  // namespace

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

int64_t fill_cycles(const AccelSpec& spec) {
  int64_t tree = 0;
  while ((int64_t{1} << tree) < spec.banks) ++tree;
  return bank_width(spec) + kMultiplierStages + tree + 1;
}

int64_t drain_cycles(const AccelSpec& spec, int64_t rows, int64_t tile_tokens) {
  return ceil_div(rows * tile_tokens, spec.pes);
}

int64_t vector_cycles(const AccelSpec& spec, const VectorOp& op) {
  return vector_passes(op.kind) * ceil_div(op.elements, spec.vector_lanes);
}

}  // namespace fitformer::accel
