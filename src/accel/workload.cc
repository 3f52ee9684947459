// Building the whole-model schedule from a model config, and the byte and MAC counts of a
// Linear layer that the simulator and the analytical model share.
#include "accel/workload.h"

#include <fmt/format.h>

#include "core/error.h"
#include "core/indexing.h"

namespace fitformer::accel {
namespace {

LinearOp make_linear(std::string name, int64_t rows, int64_t cols, int64_t tokens,
                     const HpPlan& plan, bool pruned) {
  LinearOp op{std::move(name), rows, cols, tokens, rows, plan.block_cols / plan.banks, pruned};
  if (!pruned || !sparsity::is_pruned(plan)) {
    op.pruned = false;
    return op;
  }
  const sparsity::HpSplit split = sparsity::split(plan, rows, cols);
  op.k1 = split.counts.k1;
  op.n = split.counts.n;
  return op;
}

}  // namespace

Workload build_workload(const io::ModelConfig& config, int64_t seq, int64_t batch,
                        const HpPlan& plan) {
  if (seq < 1) throw Error("", "seq", ">= 1", fmt::format("{}", seq));
  if (batch < 1) throw Error("", "batch", ">= 1", fmt::format("{}", batch));
  sparsity::validate_plan(plan);
  const bool bert = config.family == io::ModelFamily::kBertClassifier;
  const int64_t d = config.hidden_size, ffn = config.intermediate_size;
  const int64_t heads = config.num_attention_heads, dh = d / heads, tokens = seq * batch;
  Workload w;
  w.model = fmt::format("{} d{} L{} ffn{}", io::model_type_name(config.family), d,
                        config.num_hidden_layers, ffn);
  w.seq = seq;
  w.batch = batch;
  w.block_cols = plan.block_cols;
  w.banks = plan.banks;
  auto linear = [&](std::string name, int64_t rows, int64_t cols, int64_t n_tokens, bool pruned) {
    w.ops.emplace_back(make_linear(std::move(name), rows, cols, n_tokens, plan, pruned));
  };
  auto vec = [&](std::string name, VectorKind kind, int64_t elements) {
    w.ops.emplace_back(VectorOp{std::move(name), kind, elements});
  };
  if (bert) vec("embeddings.layernorm", VectorKind::kLayerNorm, tokens * d);
  for (int l = 0; l < config.num_hidden_layers; ++l) {
    const std::string p = fmt::format("layer{}.", l);
    if (bert) {
      for (const char* site : {"query", "key", "value"}) {
        linear(p + "attn." + site, d, d, tokens, true);
      }
    } else {
      linear(p + "attn.in_proj", 3 * d, d, tokens, true);
    }
    w.ops.emplace_back(MatMulOp{p + "attn.qk", seq, dh, seq, heads * batch});
    vec(p + "attn.softmax", VectorKind::kSoftmax, heads * batch * seq * seq);
    w.ops.emplace_back(MatMulOp{p + "attn.av", dh, seq, seq, heads * batch});
    linear(p + "attn.out_proj", d, d, tokens, true);
    vec(p + "attn.residual", VectorKind::kResidual, tokens * d);
    vec(p + "attn.layernorm", VectorKind::kLayerNorm, tokens * d);
    linear(p + "ffn.up", ffn, d, tokens, true);
    vec(p + "ffn.activation", VectorKind::kActivation, tokens * ffn);
    linear(p + "ffn.down", d, ffn, tokens, true);
    vec(p + "ffn.residual", VectorKind::kResidual, tokens * d);
    vec(p + "ffn.layernorm", VectorKind::kLayerNorm, tokens * d);
  }
  if (bert) {
    linear("pooler", d, d, batch, false);
    linear("classifier", config.num_labels, d, batch, false);
  } else {
    linear("decoder", config.vocab_size, d, tokens, false);
  }
  return w;
}

LinearOp linear_op_from_hpf(std::string name, const format::hpf::Matrix& w, int64_t tokens) {
  const auto& h = w.header;
  return {std::move(name), h.rows, h.cols, tokens, h.k1, h.n, true};
}

int64_t linear_macs(const LinearOp& op, int64_t block_cols, int64_t banks) {
  return ceil_div(op.cols, block_cols) * op.k1 * banks * op.n * op.tokens;
}

}  // namespace fitformer::accel
