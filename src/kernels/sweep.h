// The one table of what the kernel benchmarks sweep: `fitformer bench kernels`
// (runtime/bench.h) and the Google Benchmark target bench/kernels read it, so both measure
// the same layer shapes, token counts, sparsities and HP splits.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace fitformer::kernels {

struct SweepShape {
  std::string_view name;  // the model and layer it comes from
  int64_t rows = 0;       // M (out features)
  int64_t cols = 0;       // K (in features)
  bool quick = false;     // also in the quick sweep
};

// BERT-base (Devlin et al. 2019: d 768, FFN 3072), TinyBERT (recipes/*-cls.toml: d 312, FFN
// 1200) and the quick sotu-lm (recipes/sotu-lm.toml quick profile: d 128, FFN 512).
inline constexpr SweepShape kSweepShapes[] = {
    {"bert-base attention", 768, 768, true}, {"bert-base ffn-up", 3072, 768},
    {"bert-base ffn-down", 768, 3072},       {"tinybert attention", 312, 312},
    {"tinybert ffn-up", 1200, 312},          {"tinybert ffn-down", 312, 1200},
    {"sotu-lm-quick in_proj", 384, 128, true}, {"sotu-lm-quick ffn-up", 512, 128},
    {"sotu-lm-quick ffn-down", 128, 512}};

// Token columns N and target sparsities, full and quick.
inline constexpr int64_t kSweepTokens[] = {1, 16, 128};
inline constexpr int64_t kQuickSweepTokens[] = {1, 128};
inline constexpr double kSweepSparsities[] = {0.5, 0.7, 0.9, 0.95};
inline constexpr double kQuickSweepSparsities[] = {0.5, 0.9};

// The rho2 of the HP splits measured at `sparsity`: 0.5 (four of eight per bank), then, with
// two splits, one that moves work to the other level (0.75 up to 70 %, 0.25 above).
inline std::vector<double> sweep_rho2s(double sparsity, bool two_splits) {
  if (!two_splits) return {0.5};
  return {0.5, sparsity <= 0.7 ? 0.75 : 0.25};
}

}  // namespace fitformer::kernels
