// The sparse runtime's linear layer: the dense engine's model::Linear, or an HPF matrix run
// by the kernels of src/kernels. It is what model::LinearHook calls for every prunable
// encoder linear of a pruned model.
#pragma once

#include <cstdint>
#include <span>
#include <variant>
#include <vector>

#include "format/hpf.h"
#include "kernels/prepared_hpf.h"
#include "model/linear.h"

namespace fitformer::runtime {

// y = W x + b with W in HPF: value type kF32 (spmm/spmv_hpf_f32) or kI8 (spmm/spmv_hpf_i8 on
// activations quantized per call, one scale for the whole input block).
struct HpfLinear {
  format::hpf::Matrix weight;  // M = out_features rows, K = in_features columns
  std::vector<float> bias;     // [M], or empty for no bias
  // kernels::prepare_hpf(weight), built once here because the kernels' overloads that take
  // the HPF matrix rebuild it on every call (about the cost of an SpMV, src/kernels/spmm.h).
  kernels::PreparedHpf prepared;
};

// An HpfLinear with its prepared copy. Throws Error (field "w") unless weight is f32 or i8.
HpfLinear make_hpf_linear(format::hpf::Matrix weight, std::vector<float> bias);

using Linear = std::variant<model::Linear, HpfLinear>;

int64_t out_features(const Linear& linear);
int64_t in_features(const Linear& linear);

// Buffers one forward pass reuses across its linears (the kernels' K x N and M x N blocks),
// so a pass allocates them once at their largest size. One per pass: not for sharing
// between threads.
struct LinearScratch {
  std::vector<float> x_cols;  // input transposed to K x N
  std::vector<float> y_cols;  // kernel output, M x N
};

// How a [rows, features] activation block is laid out: token-major is the engine's
// [rows][features] row-major; feature-major is its transpose [features][rows], the kernels'
// X and Y (src/kernels/spmm.h).
enum class Layout { kTokenMajor, kFeatureMajor };

// The contract of model::apply_linear: input [rows, in] and output [rows, out], not
// overlapping, in the given layouts; output fully overwritten. Dense runs model::apply_linear
// on the calling thread's OpenMP team and takes token-major blocks only (std::logic_error
// otherwise). HPF runs the kernel on `threads` threads (SpMV for one row), transposing a
// token-major input into the kernels' feature-major layout and a feature-major result back,
// with the bias added on the way; a feature-major block on either side skips that transpose.
// Input must be finite (spmm.h's precondition).
void apply_linear(const Linear& linear, std::span<const float> input, int64_t rows,
                  std::span<float> output, LinearScratch& scratch, int threads,
                  Layout input_layout = Layout::kTokenMajor,
                  Layout output_layout = Layout::kTokenMajor);

}  // namespace fitformer::runtime
