// `fitformer select` checks every name and number before any work (issue 14): each mistake in
// the table gets its one-line error, exit 1, and leaves no model, cache or output folder
// behind: nothing was trained, pruned, scored or measured.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "common/run_fitformer.h"
#include "common/temp_dir.h"

namespace fitformer {
namespace {

namespace fs = std::filesystem;
using testing::run_fitformer;

const char* kRecipe = R"(name = "tiny-lm"
[data]
kind = "language-model"
path = "texts"
[tokenizer]
vocab_size = 300
[model]
family = "causal-lm"
hidden_size = 32
num_layers = 1
num_heads = 2
intermediate_size = 64
max_length = 32
[train]
max_steps = 5
batch_size = 4
seq_len = 32
threads = 1
[select]
sparsity_grid = [0.5]
precisions = ["int8"]
)";

struct TinySelect {
  testing::TempDir dir;
  fs::path recipe;
  TinySelect() {
    for (int d = 0; d < 10; ++d)
      dir.write("texts/doc" + std::to_string(d) + ".txt", "the union is strong and will grow.\n");
    recipe = dir.write("tiny.toml", kRecipe);
  }
  // A select command that would train, prune and score, with `extra` appended.
  std::string args(const std::string& extra) const {
    const fs::path root = dir.path();
    return "--cache-dir " + (root / "cache").string() + " select --recipe " + recipe.string() +
           " --model " + (root / "model").string() + " --out " + (root / "out").string() +
           " --lc 1ms " + extra;
  }
  // Nothing of a run was made.
  bool untouched() const {
    return !fs::exists(dir.path() / "cache") && !fs::exists(dir.path() / "model") &&
           !fs::exists(dir.path() / "out");
  }
};

struct Mistake {
  std::string extra;    // options after --lc 1ms
  std::string recipe;   // "" = kRecipe; else "FROM=>TO" replaced in it
  std::string message;  // the expected error line, after "fitformer: error: "
};

std::string replaced(std::string text, const std::string& edit) {
  const size_t arrow = edit.find("=>");
  const std::string from = edit.substr(0, arrow), to = edit.substr(arrow + 2);
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return at == std::string::npos ? text : text.replace(at, from.size(), to);
}

TEST(SelectChecks, EveryMistakeIsOneLineBeforeAnyWork) {
  const Mistake mistakes[] = {
      {"--ac-drop 5% --devices kv206", "",
       "--devices: expected a device id of the catalog (fitformer devices lists them), found "
       "\"kv206\" (did you mean \"kv260\"?)"},
      {"--ac-drop 5% --exclude-devices zcu1o4", "",
       "--exclude-devices: expected a device id of the catalog (fitformer devices lists them), "
       "found \"zcu1o4\" (did you mean \"zcu104\"?)"},
      {"--ac-drop 5% --devices host --exclude-devices host", "",
       "--devices: expected a device left to choose from after --devices, --exclude-devices "
       "and the host rule (--include-host), found none"},
      {"--ac 'acc>=13'", "",
       "--ac: expected acc as a fraction in [0, 1] (0.80 for 80 %), found \"acc>=13\""},
      {"--ac 'f1>=0.5'", "",
       "--ac: expected ppl or acc (a language model's metrics), found \"f1\""},
      {"--ac 'bleu>=3'", "", "--ac: expected a metric among acc, f1, ppl, found \"bleu\""},
      {"--ac-drop 100%", "",
       "--ac-drop: expected a relative drop in [0%, 100%) such as 1% or 0.01, found \"100%\""},
      {"--ac-drop 5", "",
       "--ac-drop: expected a relative drop in [0%, 100%) such as 1% or 0.01, found \"5\""},
      {"--ac-drop 5% --seq 1000", "", "--seq: expected at most 32 (model.max_length of "},
      {"--ac-drop 5% --batch 0", "", "--batch: expected at least 1, found 0"},
      {"--ac-drop 5% --threads 0", "", "--threads: expected at least 1, found 0"},
      {"--ac-drop 5% --objective cost", "",
       "--objective: expected one of price, power, latency, found \"cost\""},
      {"--ac-drop 5% --profile fast", "",
       "tiny.toml: profiles.fast: expected a [profiles.fast] table, found no such profile"},
      {"--ac-drop 5%", "path = \"texts\"=>path = \"no-such-folder\"", "no-such-folder"},
      {"--ac-drop 5%", "precisions = [\"int8\"]=>precisions = [\"i8\"]",
       "tiny.toml: select.precisions: expected \"int8\", \"int16\" or \"fp32\", found \"i8\""},
      {"--ac-drop 5%", "[select]=>[select]\nmetric = \"f1\"",
       "tiny.toml: select.metric: expected ppl or acc (a language model's metrics), found "
       "\"f1\""},
      {"--ac-drop 5%", "hidden_size = 32=>hidden_size = 32\nwidth = 3", "tiny.toml: model.width"},
      {"--ac-drop 5% --banks 8,12", "",
       "--banks: expected bank counts among 1, 2, 4, 8, 16 (B dividing Bc = 64 into banks of at "
       "least 4), each once, found 12"},
      {"--ac-drop 5% --banks 8,", "",
       "--banks: expected comma-separated bank counts among 1, 2, 4, 8, 16, found \"8,\""},
      {"--ac-drop 5%", "[select]=>[select]\nbanks = [8, 32]",
       "tiny.toml: select.banks: expected bank counts among 1, 2, 4, 8, 16 (B dividing Bc = 64 "
       "into banks of at least 4), each once, found 32"},
  };
  for (const Mistake& m : mistakes) {
    TinySelect s;
    if (!m.recipe.empty()) s.dir.write("tiny.toml", replaced(kRecipe, m.recipe));
    const testing::CommandResult r = run_fitformer(s.args(m.extra));
    EXPECT_EQ(r.exit_code, 1) << m.extra << "\n" << r.output;
    const std::string head = "fitformer: error: ";
    EXPECT_EQ(r.output.rfind(head, 0), 0u) << m.extra << "\n" << r.output;
    EXPECT_NE(r.output.find(m.message), std::string::npos) << m.extra << " " << m.recipe << "\n"
                                                           << r.output;
    // One line, and nothing before it: no step started.
    EXPECT_EQ(r.output.find('\n'), r.output.size() - 1) << m.extra << "\n" << r.output;
    EXPECT_TRUE(s.untouched()) << m.extra << " " << m.recipe;
  }
}

}  // namespace
}  // namespace fitformer
