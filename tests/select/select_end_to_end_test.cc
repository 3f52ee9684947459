// `fitformer select` end to end on a tiny language-model recipe of generated text: it trains,
// prunes, scores and predicts for real (fitformer-train included), writes the result, the
// report and the artifacts; an impossible LC exits 2 with the nearest points; and a run killed
// in the middle resumes from its cache to the same answer as an uninterrupted one.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "common/run_fitformer.h"
#include "common/temp_dir.h"
#include "core/random.h"

namespace fitformer {
namespace {

namespace fs = std::filesystem;
using testing::run_fitformer;
using testing::TempDir;

// 60 documents of 40 words from a small vocabulary with some structure (each word tends to
// follow the previous one), so a tiny model learns something and pruning can cost accuracy.
void write_corpus(const TempDir& dir) {
  const char* words[] = {"the",  "union", "is",  "strong", "and", "our",   "nation", "will",
                         "grow", "with",  "new", "jobs",   "for", "every", "family", "today"};
  Rng rng(7);
  for (int d = 0; d < 60; ++d) {
    std::string text;
    uint64_t w = rng.below(16);
    for (int i = 0; i < 40; ++i) {
      text += std::string(words[w]) + (i % 10 == 9 ? ".\n" : " ");
      w = rng.below(4) == 0 ? rng.below(16) : (w + 1) % 16;
    }
    dir.write("texts/doc" + std::to_string(100 + d) + ".txt", text);
  }
}

const char* kRecipe = R"(name = "tiny-lm"
[data]
kind = "language-model"
path = "texts"
[tokenizer]
vocab_size = 300
[model]
family = "causal-lm"
hidden_size = 64
num_layers = 1
num_heads = 2
intermediate_size = 128
max_length = 32
dropout = 0.0
[train]
epochs = 1
max_steps = 30
batch_size = 8
seq_len = 32
learning_rate = 3e-3
threads = 1
[select]
sparsity_grid = [0.5, 0.8]
other_rho2 = [0.25]
prune_steps = 10
precisions = ["int8", "fp32"]
)";

struct TinyRecipe {
  TempDir dir;
  fs::path recipe;
  TinyRecipe() {
    write_corpus(dir);
    recipe = dir.write("tiny.toml", kRecipe);
  }
  // The select command line for a cache folder and an output folder under dir.
  std::string select_args(const std::string& cache, const std::string& out,
                          const std::string& lc = "1s") const {
    const fs::path root = dir.path();
    // No CPU: the host's latency is measured and the other CPUs' rooflines are calibrated by
    // that measurement, so a CPU could move the answer between runs (an fp32 and an int8
    // candidate within the measurement's noise of each other swapped places once).
    return "--cache-dir " + (root / cache).string() + " select --recipe " + recipe.string() +
           " --model " + (root / cache / "dense").string() + " --out " + (root / out).string() +
           " --lc " + lc + " --ac-drop 50% --devices kv260,zcu104,u280,jetson-nano --json";
  }
};

// Runs select for its JSON; on an unexpected exit code, runs it again with stderr kept so the
// failure message shows why.
testing::CommandResult run_select(const std::string& args, int expected_exit = 0) {
  testing::CommandResult r = run_fitformer(args, false);
  if (r.exit_code != expected_exit) r.output += "\n" + run_fitformer(args, true).output;
  return r;
}

nlohmann::json parse(const std::string& text) {
  const auto j = nlohmann::json::parse(text, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << text;
  return j;
}

TEST(SelectEndToEnd, ChoosesADeviceAndWritesTheReportAndArtifacts) {
  TinyRecipe s;
  const auto r = run_select(s.select_args("cache", "out"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const nlohmann::json j = parse(r.output);
  ASSERT_TRUE(j["feasible"].get<bool>());
  const std::string device = j["chosen"]["device"].get<std::string>();
  EXPECT_FALSE(device.empty());
  // dense + 0.5 + 0.8 (+ splits at the edge), each at int8 and fp32.
  EXPECT_GE(j["candidates"].size(), 6u);
  EXPECT_EQ(j["candidates"].size() % 2, 0u);
  for (const auto& c : j["candidates"]) EXPECT_EQ(c["provenance"], "measured");
  // The chosen candidate meets AC and LC.
  const auto& chosen = j["candidates"][j["chosen"]["candidate"].get<size_t>()];
  EXPECT_TRUE(chosen["meets_ac"].get<bool>());
  EXPECT_LE(j["chosen"]["latency_us"].get<double>(), 1e6);
  // Devices outside --devices lost for that reason only.
  for (const auto& d : j["devices"]) {
    const std::string id = d["id"];
    if (id == "host") {
      EXPECT_EQ(d["reason"], "not in --devices");
    }
  }
  const fs::path out = s.dir.path() / "out";
  EXPECT_TRUE(fs::exists(out / "result.json"));
  EXPECT_TRUE(fs::exists(out / "report.html"));
  EXPECT_TRUE(fs::exists(out / "model" / "config.json"));
  EXPECT_TRUE(fs::exists(out / "model" / "model.safetensors"));
  const nlohmann::json deployment = parse(testing::read_text(out / "deployment.json"));
  EXPECT_EQ(deployment["device"], device);
  EXPECT_EQ(deployment["precision"], chosen["precision"]);
  // The deployed model answers through `fitformer predict` at its deployed precision.
  const std::string precision = deployment["precision"];
  const auto predicted =
      run_fitformer("predict --model " + (out / "model").string() +
                        " --text 'the union is' --tokens 3 --json --precision " + precision,
                    false);
  ASSERT_EQ(predicted.exit_code, 0) << predicted.output;
  const nlohmann::json p = parse(predicted.output);
  EXPECT_EQ(p["tokens"].size(), 3u);
  for (const auto& t : p["tokens"]) EXPECT_GT(t["probability"].get<double>(), 0);
  for (const auto& d : j["devices"]) {
    if (d["id"] == device && d["kind"] == "fpga") {
      EXPECT_TRUE(fs::exists(out / "accelerator.json"));
      EXPECT_TRUE(d.contains("accelerator"));
    }
  }

  // The same constraints with an impossible LC: exit 2, the nearest points named. The cache is
  // warm, so nothing is trained or pruned again.
  const auto infeasible = run_select(s.select_args("cache", "out2", "1us"), 2);
  ASSERT_EQ(infeasible.exit_code, 2) << infeasible.output;
  const nlohmann::json k = parse(infeasible.output);
  EXPECT_FALSE(k["feasible"].get<bool>());
  EXPECT_TRUE(k["chosen"].is_null());
  EXPECT_FALSE(k["nearest"]["best_latency_at_ac"].is_null());
  EXPECT_EQ(k["candidates"], j["candidates"]);  // the same scores, from the cache
}

// Starts the command in its own process group, waits until `ready` exists, then kills the
// whole group (the trainer child included) with SIGKILL.
void run_and_kill_when(const std::string& args, const fs::path& ready) {
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::setpgid(0, 0);
    const std::string command = std::string(FITFORMER_BINARY) + " " + args + " >/dev/null 2>&1";
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::setpgid(pid, pid);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!fs::exists(ready) && std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) FAIL() << "select ended before being killed";
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(-pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(fs::exists(ready)) << "timed out waiting for " << ready;
}

TEST(SelectEndToEnd, AKilledRunResumesToTheSameAnswer) {
  TinyRecipe s;
  const auto reference = run_select(s.select_args("cache_a", "out_a"));
  ASSERT_EQ(reference.exit_code, 0) << reference.output;
  const nlohmann::json a = parse(reference.output);

  // Killed once the dense model is trained and the first prune has started.
  run_and_kill_when(s.select_args("cache_b", "out_b"), s.dir.path() / "cache_b" / "prune");
  EXPECT_FALSE(fs::exists(s.dir.path() / "out_b" / "result.json"));
  const auto resumed = run_select(s.select_args("cache_b", "out_b"));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  const nlohmann::json b = parse(resumed.output);
  EXPECT_EQ(b["chosen"]["device"], a["chosen"]["device"]);
  EXPECT_EQ(b["chosen"]["candidate"], a["chosen"]["candidate"]);
  ASSERT_EQ(b["candidates"].size(), a["candidates"].size());
  for (size_t i = 0; i < a["candidates"].size(); ++i)
    EXPECT_EQ(b["candidates"][i]["value"], a["candidates"][i]["value"]) << "candidate " << i;
}

}  // namespace
}  // namespace fitformer
