// `fitformer simulate` as a user runs it: JSON with per-layer cycles, the chosen design and
// its resources; HP without stalls, unstructured with them, on the same hardware.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "common/run_fitformer.h"

namespace fitformer {
namespace {

using testing::CommandResult;

// JSON on stdout; stderr (progress, notes) is dropped.
CommandResult run_fitformer(const std::string& args) {
  return testing::run_fitformer(args, false);
}

TEST(SimulateCli, BertOnKv260Json) {
  const CommandResult r =
      run_fitformer("simulate --family bert-classifier --device kv260 --seq 32 --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["device"], "kv260");
  EXPECT_EQ(j["pattern"], "hp");
  EXPECT_EQ(j["provenance"], "simulated");
  EXPECT_GT(j["accelerator"]["pes"].get<int>(), 0);
  EXPECT_LE(j["resources"]["dsp"].get<int>(), j["resources"]["device_dsp"].get<int>());
  EXPECT_EQ(j["conflict_stall_cycles"].get<int64_t>(), 0);
  int64_t sum = 0;
  int simulated = 0;
  for (const auto& op : j["ops"]) {
    sum += op["cycles"].get<int64_t>();
    if (op["provenance"] == "simulated") ++simulated;
  }
  EXPECT_EQ(sum, j["total_cycles"].get<int64_t>());
  EXPECT_EQ(simulated, 4 * 6 + 2);  // q, k, v, out, up, down per layer; pooler, classifier
  EXPECT_GT(j["utilization"].get<double>(), 0);
}

TEST(SimulateCli, UnstructuredStallsOnTheSameHardware) {
  const CommandResult hp =
      run_fitformer("simulate --family causal-lm --device zcu104 --seq 16 --pattern hp --json");
  const CommandResult un = run_fitformer(
      "simulate --family causal-lm --device zcu104 --seq 16 --pattern unstructured --json");
  ASSERT_EQ(hp.exit_code, 0);
  ASSERT_EQ(un.exit_code, 0);
  const auto a = nlohmann::json::parse(hp.output), b = nlohmann::json::parse(un.output);
  EXPECT_EQ(a["accelerator"], b["accelerator"]);
  EXPECT_GT(b["conflict_stall_cycles"].get<int64_t>(), 0);
  EXPECT_GT(b["total_cycles"].get<int64_t>(), a["total_cycles"].get<int64_t>());
}

// The same HP mask packed padded gives HPF's cycles end to end; an unstructured mask packed
// padded never stalls; the packer's name and byte counts are in the JSON.
TEST(SimulateCli, StreamPackerPaddedGivesHpfCyclesForHp) {
  const std::string base = "simulate --family bert-classifier --device kv260 --seq 16 --json ";
  const CommandResult hpf = run_fitformer(base + "--pattern hp");
  const CommandResult padded = run_fitformer(base + "--pattern hp --stream-packer padded");
  const CommandResult un = run_fitformer(base + "--pattern unstructured --stream-packer padded");
  ASSERT_EQ(hpf.exit_code, 0) << hpf.output;
  ASSERT_EQ(padded.exit_code, 0) << padded.output;
  ASSERT_EQ(un.exit_code, 0) << un.output;
  const auto a = nlohmann::json::parse(hpf.output), b = nlohmann::json::parse(padded.output);
  const auto c = nlohmann::json::parse(un.output);
  EXPECT_EQ(a["stream_packer"], "hpf");
  EXPECT_EQ(b["stream_packer"], "padded");
  EXPECT_EQ(b["provenance"], "simulated");
  EXPECT_EQ(b["total_cycles"], a["total_cycles"]);
  EXPECT_EQ(b["weight_image_bytes"], a["weight_image_bytes"]);
  ASSERT_EQ(b["ops"].size(), a["ops"].size());
  for (size_t i = 0; i < a["ops"].size(); ++i) {
    EXPECT_EQ(b["ops"][i]["cycles"], a["ops"][i]["cycles"]) << a["ops"][i]["name"];
  }
  EXPECT_EQ(c["conflict_stall_cycles"].get<int64_t>(), 0);
  EXPECT_GT(c["padding_bytes"].get<int64_t>(), 0);
  EXPECT_LT(c["padding_bytes"].get<int64_t>(), c["weight_bytes"].get<int64_t>());
  EXPECT_NE(run_fitformer(base + "--stream-packer pad").exit_code, 0);
}

TEST(SimulateCli, DenseDesignRunsTheDenseModelWithoutIndices) {
  const CommandResult dense = run_fitformer(
      "simulate --family bert-classifier --device kv260 --seq 32 --design dense --sparsity 0 "
      "--json");
  const CommandResult hp1 = run_fitformer(
      "simulate --family bert-classifier --device kv260 --seq 32 --sparsity 0 --json");
  ASSERT_EQ(dense.exit_code, 0) << dense.output;
  ASSERT_EQ(hp1.exit_code, 0) << hp1.output;
  const auto d = nlohmann::json::parse(dense.output), h = nlohmann::json::parse(hp1.output);
  EXPECT_EQ(d["design"], "dense");
  EXPECT_EQ(h["design"], "hp");
  EXPECT_EQ(d["provenance"], "simulated");
  EXPECT_EQ(d["resources"]["provenance"], "modeled");
  EXPECT_EQ(d["macs"], h["macs"]);  // the same dense model
  EXPECT_EQ(d["conflict_stall_cycles"].get<int64_t>(), 0);
  // no index bytes, no crossbar: never slower than HP at density 1, sized by the same search
  EXPECT_LE(d["latency_us"].get<double>(), h["latency_us"].get<double>());
  EXPECT_LE(d["resources"]["lut"].get<int64_t>(),
            static_cast<int64_t>(d["resources"]["device_lut"].get<double>() *
                                 d["resources"]["usable_fraction"].get<double>()));
  // it runs dense models only, and knows no other design
  EXPECT_NE(run_fitformer("simulate --family bert-classifier --device kv260 --design dense "
                          "--sparsity 0.5")
                .exit_code,
            0);
  EXPECT_NE(run_fitformer("simulate --family bert-classifier --device kv260 --design csr "
                          "--sparsity 0")
                .exit_code,
            0);
}

TEST(SimulateCli, RefusesANonFpgaAndABadPattern) {
  EXPECT_NE(run_fitformer("simulate --family causal-lm --device rpi4").exit_code, 0);
  EXPECT_NE(run_fitformer("simulate --family causal-lm --pattern nm").exit_code, 0);
  EXPECT_NE(run_fitformer("simulate --device zcu104").exit_code, 0);
}

}  // namespace
}  // namespace fitformer
