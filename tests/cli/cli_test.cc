// Tests of the `fitformer` binary as a user runs it: exit codes and one-line errors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "common/run_fitformer.h"
#include "common/temp_dir.h"

namespace fitformer {
namespace {

using testing::CommandResult;

using testing::run_fitformer;

TEST(Cli, HelpWorksEverywhere) {
  for (const char* args :
       {"--help", "data --help", "data stats --help", "data show --help", "devices list --help"}) {
    const CommandResult r = run_fitformer(args);
    EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.output;
    EXPECT_NE(r.output.find("Usage"), std::string::npos) << args;
  }
}

TEST(Cli, StatsJsonIsMachineReadable) {
  const CommandResult r = run_fitformer("data stats --task spam-cls --json --vocab-size 0");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["task"], "spam-cls");
  EXPECT_EQ(j["provenance"], "measured");
  EXPECT_EQ(j["splits"]["train"]["examples"].get<int>() +
                j["splits"]["valid"]["examples"].get<int>() +
                j["splits"]["test"]["examples"].get<int>(),
            6046);
}

TEST(Cli, StatsCountsSubwordTokensOfAUsersFile) {
  testing::TempDir dir;
  std::string rows = "text\tlabel\n";
  for (int i = 0; i < 300; ++i) {
    rows += "example number " + std::to_string(i * 7919) + " says " + (i % 2 ? "yes" : "no") +
            "\t" + (i % 2 ? "a" : "b") + "\n";
  }
  dir.write("rows.tsv", rows);
  const auto recipe =
      dir.write("r.toml", "[data]\nkind = \"classification\"\npath = \"rows.tsv\"\n");
  const CommandResult r =
      run_fitformer("--cache-dir " + (dir.path() / "cache").string() +
                    " data stats --json --vocab-size 300 --recipe " + recipe.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["splits"]["train"]["examples"], 240);
  EXPECT_EQ(j["tokenizer"]["vocab_size"], 300);
  // Every word is at least one token, and the numbers split into several.
  EXPECT_GT(j["splits"]["train"]["tokens"].get<int>(), j["splits"]["train"]["words"].get<int>());
}

// `data show --recipe` on a CSV saved by Excel (a byte-order mark before the header): the
// first rows, the label counts and the token lengths, which are known here: "hello N" is one
// WordPiece token per word plus the digits as [UNK] (2 tokens); the long rows 14.
TEST(Cli, DataShowReadsAUsersCsvWithAByteOrderMark) {
  testing::TempDir dir;
  std::string rows = "\xEF\xBB\xBFtext,label\n";
  for (int i = 1; i <= 30; ++i) {
    rows += i % 3 ? "hello " + std::to_string(i) + ",neg\n"
                  : "\"Hello world, a long text number " + std::to_string(i) +
                        " with many many words in it\",pos\n";
  }
  dir.write("reviews.csv", rows);
  dir.write("vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\nworld\n,\n");
  const auto recipe =
      dir.write("r.toml",
                "[data]\nkind = \"classification\"\npath = \"reviews.csv\"\n"
                "[tokenizer]\nkind = \"wordpiece\"\nvocab = \"vocab.txt\"\n[train]\nseq_len = 8\n");
  const CommandResult r = run_fitformer("data show --count 1 --recipe " + recipe.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("[train #0] "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("(reviews.csv:"), std::string::npos) << r.output;
  // 20 neg, 10 pos, split 80/10/10 by label.
  EXPECT_NE(r.output.find("    neg                       16       2       2\n"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("    pos                        8       1       1\n"), std::string::npos)
      << r.output;
  // train: 16 rows of 2 tokens, 8 of 14; 8 over the 6 that seq_len 8 keeps.
  EXPECT_NE(r.output.find("    train         24       2       2      14      14 8\n"),
            std::string::npos)
      << r.output;
}

// scripts/tiny-hf-classifier writes each Hugging Face layout with its own safetensors writer
// (Python's standard library, no fitformer code); predict reads each, with its id2label.
TEST(Cli, PredictReadsEachHuggingFaceLayoutThePythonScriptWrites) {
  testing::TempDir dir;
  for (const std::string layout : {"bert", "distilbert", "roberta"}) {
    const std::string folder = (dir.path() / layout).string();
    const CommandResult made = testing::run_command(std::string(FITFORMER_SOURCE_DIR) +
                                                    "/scripts/tiny-hf-classifier --layout " +
                                                    layout + " --out " + folder + " 2>&1");
    ASSERT_EQ(made.exit_code, 0) << made.output;
    const CommandResult r =
        run_fitformer("--cache-dir " + (dir.path() / "cache").string() +
                          " predict --json --model " + folder + " --text 'the movie was great'",
                      false);
    ASSERT_EQ(r.exit_code, 0) << layout << ": " << r.output;
    const auto j = nlohmann::json::parse(r.output);
    ASSERT_EQ(j["labels"].size(), 2u) << layout;
    EXPECT_NEAR(
        j["labels"][0]["probability"].get<double>() + j["labels"][1]["probability"].get<double>(),
        1.0, 1e-9)
        << layout;
    EXPECT_TRUE(j["label"] == "neg" || j["label"] == "pos") << layout << ": " << j["label"];
    EXPECT_EQ(j["input_tokens"], 6) << layout;  // [CLS] the movie was great [SEP]
  }
}

TEST(Cli, BenchPrintsMeasuredFiguresAsJson) {
  for (const char* args : {"bench --help", "bench kernels --help", "bench model --help"}) {
    EXPECT_EQ(run_fitformer(args).exit_code, 0) << args;
  }
  const CommandResult model =
      run_fitformer("bench model --family causal-lm --seq 8 --threads 1,2 --min-time 0.001 --json");
  ASSERT_EQ(model.exit_code, 0) << model.output;
  const auto m = nlohmann::json::parse(model.output);
  EXPECT_EQ(m["provenance"], "measured");
  EXPECT_EQ(m["hpf_linears"], 8);
  ASSERT_EQ(m["rows"].size(), 2u);
  EXPECT_GT(m["rows"][1]["sparse_ms"].get<double>(), 0.0);
  EXPECT_EQ(m["rows"][0]["first_layer_linears"].size(), 4u);  // in_proj, out, FFN up and down
  EXPECT_GT(m["rows"][0]["all_linears_sparse_ms"].get<double>(), 0.0);
  // --no-linears: the forwards only, and no linear figures rather than zeros.
  const CommandResult forwards = run_fitformer(
      "bench model --family causal-lm --seq 8 --threads 1 --min-time 0.001 --no-linears --json");
  ASSERT_EQ(forwards.exit_code, 0) << forwards.output;
  const auto f = nlohmann::json::parse(forwards.output);
  ASSERT_EQ(f["rows"].size(), 1u);
  EXPECT_GT(f["rows"][0]["sparse_ms"].get<double>(), 0.0);
  EXPECT_TRUE(f["rows"][0]["first_layer_linears"].empty());
  EXPECT_TRUE(f["rows"][0]["all_linears_sparse_ms"].is_null());
  const CommandResult kernels = run_fitformer("bench kernels --quick --min-time 0.001 --json");
  ASSERT_EQ(kernels.exit_code, 0) << kernels.output;
  const auto k = nlohmann::json::parse(kernels.output);
  EXPECT_GT(k["rows"].size(), 20u);
  for (const auto& row : k["rows"]) {
    EXPECT_EQ(row["provenance"], "measured");
    EXPECT_GT(row["dense_median_us"].get<double>(), 0.0);
  }
}

TEST(Cli, BadInputExitsNonZeroWithOneLine) {
  testing::TempDir dir;
  const CommandResult unknown = run_fitformer("data stats --task imagenet");
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_EQ(unknown.output,
            "fitformer: error: task: expected one of: sotu-lm, wordnet-cls, spam-cls, found "
            "\"imagenet\"\n");
  const CommandResult no_data =
      run_fitformer("--data-dir " + (dir.path() / "none").string() + " data stats --task sotu-lm");
  EXPECT_EQ(no_data.exit_code, 1);
  EXPECT_NE(no_data.output.find("run it first"), std::string::npos) << no_data.output;
  const auto recipe = dir.write("r.toml", "[data]\ntask = \"sotu-lm\"\nbogus = 1\n");
  const CommandResult bad_recipe = run_fitformer("data stats --recipe " + recipe.string());
  EXPECT_EQ(bad_recipe.exit_code, 1);
  EXPECT_NE(bad_recipe.output.find("r.toml: data.bogus"), std::string::npos) << bad_recipe.output;
  EXPECT_NE(run_fitformer("data stats").exit_code, 0);
  EXPECT_NE(run_fitformer("frobnicate").exit_code, 0);
}

// Issue 14: CLI11's parse errors in fitformer's form: one line, exit 1, the nearest command or
// flag when the mistake looks like a typo, and where --help is.
TEST(Cli, ParseErrorsAreOneLineWithTheNearestName) {
  struct Case {
    const char* args;
    const char* line;
  };
  for (const Case& c : {
           Case{"selct --recipe r.toml",
                "fitformer: error: unknown command: selct (did you mean select?); see fitformer "
                "--help\n"},
           Case{"data stats --tsk spam-cls",
                "fitformer: error: unexpected arguments: --tsk spam-cls (did you mean --task?); "
                "see fitformer data stats --help\n"},
           Case{"devices list --jsn",
                "fitformer: error: unexpected argument: --jsn (did you mean --json?); see "
                "fitformer devices list --help\n"},
           Case{"data stats --frobnicate",
                "fitformer: error: unexpected argument: --frobnicate; see fitformer data stats "
                "--help\n"},
           Case{"bench model --precision i8",
                "fitformer: error: --precision: expected fp32 or int8 (f32 and i8 are HPF storage "
                "names, not precisions), found \"i8\"\n"},
       }) {
    const CommandResult r = run_fitformer(c.args);
    EXPECT_EQ(r.exit_code, 1) << c.args;
    EXPECT_EQ(r.output, c.line) << c.args;
  }
  const CommandResult none = run_fitformer("");
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_EQ(none.output.rfind("fitformer: error: a command is required: data, devices,", 0), 0u)
      << none.output;
  EXPECT_EQ(none.output.find('\n'), none.output.size() - 1) << none.output;
  const CommandResult missing = run_fitformer("select --lc 1ms --ac-drop 1%");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.output,
            "fitformer: error: --recipe is required; see fitformer select --help\n");
}

TEST(Cli, VersionAndGlobalOptionsAfterTheCommand) {
  const CommandResult version = run_fitformer("--version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.output.rfind("fitformer ", 0), 0u) << version.output;
  // --data-dir after the subcommand is honoured: the folder it names does not exist.
  testing::TempDir dir;
  const CommandResult late =
      run_fitformer("data stats --task sotu-lm --data-dir " + (dir.path() / "none").string());
  EXPECT_EQ(late.exit_code, 1);
  EXPECT_NE(late.output.find("run it first"), std::string::npos) << late.output;
}

}  // namespace
}  // namespace fitformer
