// One runtime Linear (runtime/linear.h) run by one thread of a team that the caller opened for
// a whole layer: the sparse runtime's encoder forward (runtime/encoder_forward.h) calls this for
// every encoder linear, on feature-major blocks (the kernels' X and Y: row f holds feature f of
// all n tokens), with the kernels' epilogue (bias, residual, GELU, max |y|) fused in.
#pragma once

#include <cstdint>

#include "kernels/spmm_fused.h"
#include "runtime/linear.h"

namespace fitformer::runtime {

// Whether `linear` runs on int8 activations (an int8 HPF matrix): its input must then be
// quantized into ActivationQuads first (kernels::quantize_quads_part, by every thread, then a
// barrier).
bool takes_quads(const Linear& linear);
// The column block width the int8 input must be quantized under (the HPF's Bc).
int64_t quads_block_cols(const Linear& linear);

// Thread `thread` of `threads`' share of y = epilogue(W x) for x (in_features x n) and y
// (out_features x n), feature-major, with the linear's own bias (epilogue.bias is ignored).
// `quads` is x quantized (required, and only read, when
// takes_quads). Dense linears run oneDNN's sgemm on the thread's slice of output rows. No
// barrier inside; y must not overlap x or the residual.
void linear_part(const Linear& linear, const float* x, const kernels::ActivationQuads* quads,
                 int64_t n, float* y, const kernels::SpmmEpilogue& epilogue, int thread,
                 int threads);

}  // namespace fitformer::runtime
