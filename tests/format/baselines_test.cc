// Baseline formats: decode(pack(mask)) equals the masked weights for several patterns and
// ragged shapes, and each byte count equals its documented formula; at 90 % HP sparsity HPF
// is smaller than CSR.
#include "format/baselines.h"

#include <gtest/gtest.h>

#include "format/hpf.h"
#include "format_cases.h"
#include "sparsity/patterns.h"

namespace fitformer::format {
namespace {

TEST(Baselines, RoundTripAndBytes) {
  const std::vector<sparsity::PatternParams> patterns = {
      sparsity::UnstructuredParams{0.3}, sparsity::BlockWiseParams{0.5, 4, 8},
      sparsity::NmParams{2, 4}, sparsity::HpParams{0.5, 0.5, 16, 4},
      sparsity::BankBalancedParams{0.25, 16, 2}};
  const std::pair<int64_t, int64_t> shapes[] = {{1, 1}, {7, 13}, {65, 63}, {33, 200}};
  uint64_t seed = 1;
  for (const auto& [rows, cols] : shapes) {
    for (const auto& p : patterns) {
      const auto w = testing::random_weights(rows, cols, seed++);
      const auto mask = sparsity::make_mask(sparsity::magnitude_scores(w), rows, cols, p);
      auto want = w;
      sparsity::apply_mask(mask, want);
      const std::string where = std::to_string(rows) + "x" + std::to_string(cols) + " " +
                                std::string(sparsity::pattern_name(sparsity::pattern_of(p)));
      const int64_t nnz = sparsity::kept_count(mask);

      const DenseMatrix dense = pack_dense(w, mask);
      EXPECT_EQ(dense.vals, want) << where;
      EXPECT_EQ(dense.bytes(), rows * cols * 4);

      const CsrMatrix csr = pack_csr(w, mask);
      EXPECT_EQ(to_dense(csr), want) << where;
      EXPECT_EQ(csr.bytes(), 4 * (rows + 1) + 8 * nnz) << where;
      EXPECT_EQ(csr.bytes(1), 4 * (rows + 1) + 5 * nnz) << where;

      const BcsrMatrix bcsr = pack_bcsr(w, mask, 4, 8);
      EXPECT_EQ(to_dense(bcsr), want) << where;
      const int64_t stored = static_cast<int64_t>(bcsr.block_col.size());
      EXPECT_EQ(bcsr.bytes(), 4 * ((rows + 3) / 4 + 1) + 4 * stored + 4 * 32 * stored) << where;

      const CsbMatrix csb = pack_csb(w, mask, 8);
      EXPECT_EQ(to_dense(csb), want) << where;
      const int64_t slots = rows * ((cols + 7) / 8) * csb.n;
      EXPECT_EQ(csb.bytes(), 2 + 4 * slots + (3 * slots + 7) / 8) << where;

      const CbrMatrix cbr = pack_cbr(w, mask, 16);
      EXPECT_EQ(to_dense(cbr), want) << where;
      const int64_t segments = static_cast<int64_t>(cbr.row_idx.size());
      EXPECT_EQ(cbr.bytes(), 4 * ((cols + 15) / 16 + 1) + 2 * segments +
                                 4 * static_cast<int64_t>(cbr.vals.size()))
          << where;
    }
  }
}

TEST(Baselines, HpfIsSmallerThanCsrAtNinetyPercent) {
  const auto split = sparsity::hp_split_for_rho2(0.9, 0.5, 768, 768);
  const auto w = testing::random_weights(768, 768, 11);
  const auto mask = sparsity::hp_mask(sparsity::magnitude_scores(w), 768, 768, split.params);
  const hpf::Matrix hpf = pack_hpf(w, 768, 768, mask, split.params);
  const CsrMatrix csr = pack_csr(w, mask);
  EXPECT_LT(hpf.bytes(), csr.bytes() * 6 / 10);  // ~4.4 B vs ~8 B per nonzero
  EXPECT_LT(pack_hpf(w, 768, 768, mask, split.params, ValueType::kI8).bytes(), csr.bytes(1) / 2);
}

}  // namespace
}  // namespace fitformer::format
