// The sized designs hold their own weights as the RTL loads them: for the task models' shapes
// (the recipes' sotu-lm quick and spam-cls) at HP sparsities of the recipes' grid, sized on
// every FPGA of the catalog and read back from accelerator.json as `fitformer rtl emit` does,
// the RTL image of the layers' HP weights (rtl_weight_image, per-row requantization) fits the
// emitted buffers: resident, every column block's weight words one after another within
// WB_WORDS and their rounds within ROW_WORDS; streaming, one block of the largest layer within
// half of each (the other half holds the next block).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <variant>

#include "accel/rtl_emit.h"
#include "accel/rtl_image.h"
#include "accel/sized_json.h"
#include "accel/sizing.h"
#include "devices/fpga_sim.h"
#include "devices/predict.h"
#include "io/catalog.h"
#include "kernels/fixed_point.h"

namespace fitformer::devices {
namespace {

// Weight-buffer words (R x n) and rounds (R) of one column block, counted from the image's
// bytes: rows 2 R P, then R n words of P x (B values + B offsets).
struct BlockWords {
  int64_t words = 0, rounds = 0;
};

BlockWords block_words(const accel::AccelSpec& spec, const format::hpf::Matrix& w,
                       size_t image_bytes) {
  const int64_t p = spec.pes, rounds = (w.header.k1 + p - 1) / p;
  const int64_t word_bits =
      p * spec.banks * (8 * precision_bytes(spec.precision) + accel::offset_bits(spec));
  EXPECT_EQ(word_bits % 8, 0);
  const int64_t after_rows = static_cast<int64_t>(image_bytes) - 2 * rounds * p;
  EXPECT_EQ(after_rows % (word_bits / 8), 0) << "a block is whole weight words";
  return {after_rows / (word_bits / 8), rounds};
}

TEST(RtlFit, SizedDesignsHoldTheirOwnRtlImage) {
  const auto catalog = io::load_catalog(io::default_catalog_path());
  int designs = 0, resident = 0;
  for (const char* family : {"causal-lm", "bert-classifier"}) {
    for (double sparsity : {0.5, 0.9}) {
      accel::SizingProblem problem;
      problem.model = task_model_config(family);
      problem.seq = std::string(family) == "causal-lm" ? 64 : 128;
      problem.plan.sparsity = sparsity;
      for (const accel::SizedAccel& s : accel::size_catalog(catalog, problem)) {
        if (!s.verdict.ok) continue;
        const accel::RtlDesign design =
            accel::rtl_design_from_json(accel::sized_config_json(s), "accelerator.json");
        const auto layers =
            random_layer_data(s.workload, s.spec.precision, sparsity::Pattern::kHp, 5);
        int64_t words = 0, rounds = 0, largest_words = 0, largest_rounds = 0;
        for (const accel::LayerData& d : layers) {
          const auto& w = std::get<format::hpf::Matrix>(d.weights);
          std::vector<kernels::Requant> requant;
          for (int64_t r = 0; r < w.header.rows; ++r)
            requant.push_back(kernels::make_requant(w.row_scale(r)));
          const accel::RtlWeightImage img = accel::rtl_weight_image(s.spec, w, d.bias, requant);
          for (const auto& block : img.blocks) {
            const BlockWords b = block_words(s.spec, w, block.size());
            words += b.words;
            rounds += b.rounds;
            largest_words = std::max(largest_words, b.words);
            largest_rounds = std::max(largest_rounds, b.rounds);
          }
        }
        const std::string what =
            fmt::format("{} {} HP {}: P {} B {} {}", s.device_id, family, sparsity, s.spec.pes,
                        s.spec.banks, s.mapping.weights_resident ? "resident" : "streaming");
        if (s.mapping.weights_resident) {
          EXPECT_LE(words, design.depths.wb_words) << what;
          EXPECT_LE(rounds, design.depths.row_words) << what;
          ++resident;
        } else {
          EXPECT_LE(2 * largest_words, design.depths.wb_words) << what;
          EXPECT_LE(2 * largest_rounds, design.depths.row_words) << what;
        }
        ++designs;
      }
    }
  }
  EXPECT_GE(designs, 8);
  EXPECT_GE(resident, 1);  // both cases are exercised
  EXPECT_LT(resident, designs);
}

}  // namespace
}  // namespace fitformer::devices
