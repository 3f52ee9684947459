// Tests of recipe parsing: defaults, profiles, relative paths and every kind of refusal.
#include "io/recipe.h"

#include <gtest/gtest.h>

#include "common/error_of.h"
#include "core/error.h"

namespace fitformer::io {
namespace {

const char* kRecipe = R"(
name = "demo"
[data]
task = "sotu-lm"
[tokenizer]
vocab_size = 4000
[model]
family = "causal-lm"
hidden_size = 128
num_heads = 4
max_length = 64
[train]
epochs = 3
seq_len = 32
learning_rate = 1e-3
[profiles.quick.train]
epochs = 1
max_minutes = 4.5
[profiles.full.model]
hidden_size = 256
)";

std::string error_of(const std::string& text, const std::string& profile = "") {
  return testing::error_of([&] { parse_recipe(text, "/r/x.toml", profile); });
}

TEST(Recipe, ReadsFieldsAndDefaults) {
  const Recipe r = parse_recipe(kRecipe, "/r/x.toml", "");
  EXPECT_EQ(r.name, "demo");
  EXPECT_EQ(r.data.task, "sotu-lm");
  EXPECT_EQ(r.tokenizer.kind, "sentencepiece");
  EXPECT_EQ(r.tokenizer.vocab_size, 4000);
  EXPECT_EQ(r.model.hidden_size, 128);
  EXPECT_EQ(r.model.num_layers, 2);  // default
  EXPECT_EQ(r.train.epochs, 3);
  EXPECT_DOUBLE_EQ(r.train.learning_rate, 1e-3);
  EXPECT_FALSE(r.train.max_minutes.has_value());
}

TEST(Recipe, ProfilesOverride) {
  const Recipe quick = parse_recipe(kRecipe, "/r/x.toml", "quick");
  EXPECT_EQ(quick.train.epochs, 1);
  EXPECT_DOUBLE_EQ(*quick.train.max_minutes, 4.5);
  EXPECT_EQ(quick.model.hidden_size, 128);
  const Recipe full = parse_recipe(kRecipe, "/r/x.toml", "full");
  EXPECT_EQ(full.model.hidden_size, 256);
  EXPECT_EQ(full.train.epochs, 3);
  EXPECT_NE(error_of(kRecipe, "huge").find("one of: full, quick"), std::string::npos);
}

TEST(Recipe, UserDataPathIsRelativeToTheRecipe) {
  const Recipe r =
      parse_recipe("[data]\nkind = \"classification\"\npath = \"rows.tsv\"\nvalid_fraction = 0.2\n",
                   "/home/u/recipes/x.toml", "");
  EXPECT_EQ(r.data.path, "/home/u/recipes/rows.tsv");
  EXPECT_DOUBLE_EQ(r.data.valid_fraction, 0.2);
  EXPECT_EQ(r.name, "x");
}

TEST(Recipe, RefusesBadInputWithFileAndField) {
  // Unknown key: the error lists the allowed ones.
  const std::string unknown = error_of("[data]\ntask = \"sotu-lm\"\ntaks = 1\n");
  EXPECT_NE(unknown.find("/r/x.toml: data.taks"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("label_field"), std::string::npos) << unknown;
  // Wrong type.
  EXPECT_NE(error_of("[data]\ntask = 3\n").find("data.task: expected a string, found 3"),
            std::string::npos);
  // Invalid TOML names the line.
  EXPECT_NE(error_of("[data]\ntask = \n").find("line 2"), std::string::npos);
  // Neither or both data sources.
  EXPECT_NE(error_of("name = \"x\"\n").find("exactly one of data.task"), std::string::npos);
  EXPECT_NE(error_of("[data]\ntask = \"a\"\npath = \"b\"\nkind = \"classification\"\n")
                .find("exactly one"),
            std::string::npos);
  EXPECT_NE(error_of("[data]\npath = \"b\"\nkind = \"regression\"\n").find("data.kind"),
            std::string::npos);
  EXPECT_NE(error_of("[data]\ntask = \"a\"\nvalid_fraction = 1.5\n").find("data.valid_fraction"),
            std::string::npos);
  EXPECT_NE(error_of("[data]\ntask = \"a\"\n[model]\nhidden_size = 100\nnum_heads = 3\n")
                .find("a multiple of model.num_heads"),
            std::string::npos);
  EXPECT_NE(error_of("[data]\ntask = \"a\"\n[tokenizer]\nkind = \"bpe\"\n").find("tokenizer.kind"),
            std::string::npos);
  EXPECT_NE(error_of("[data]\ntask = \"a\"\n[train]\nseq_len = 1000\n").find("train.seq_len"),
            std::string::npos);
  EXPECT_NE(error_of("[data]\ntask = \"a\"\n[profiles.quick.train]\nepoch = 1\n", "quick")
                .find("profiles.quick.train.epoch"),
            std::string::npos);
}

TEST(Recipe, SelectSectionWithDefaultsAndProfileOverrides) {
  const Recipe plain = parse_recipe(kRecipe, "/r/x.toml", "");
  EXPECT_EQ(plain.select.sparsity_grid, (std::vector<double>{0.5, 0.7, 0.8, 0.9, 0.95}));
  EXPECT_EQ(plain.select.precisions, (std::vector<std::string>{"int8", "int16", "fp32"}));
  EXPECT_EQ(plain.select.prune_steps, 0);
  EXPECT_EQ(plain.select.banks, (std::vector<int64_t>{8}));
  const std::string text = std::string(kRecipe) +
                           "[select]\nsparsity_grid = [0.6, 0.9]\nprune_steps = 300\n"
                           "[profiles.quick.select]\nprune_steps = 50\nother_rho2 = []\n"
                           "precisions = [\"int8\"]\nmetric = \"acc\"\nbanks = [4, 16]\n";
  const Recipe full = parse_recipe(text, "/r/x.toml", "");
  EXPECT_EQ(full.select.sparsity_grid, (std::vector<double>{0.6, 0.9}));
  EXPECT_EQ(full.select.prune_steps, 300);
  EXPECT_EQ(full.select.other_rho2, (std::vector<double>{0.25}));
  const Recipe quick = parse_recipe(text, "/r/x.toml", "quick");
  EXPECT_EQ(quick.select.sparsity_grid, (std::vector<double>{0.6, 0.9}));
  EXPECT_EQ(quick.select.prune_steps, 50);
  EXPECT_TRUE(quick.select.other_rho2.empty());
  EXPECT_EQ(quick.select.precisions, (std::vector<std::string>{"int8"}));
  EXPECT_EQ(quick.select.metric, "acc");
  EXPECT_EQ(quick.select.banks, (std::vector<int64_t>{4, 16}));
  EXPECT_EQ(full.select.banks, (std::vector<int64_t>{8}));
}

TEST(Recipe, RefusesBadSelectSettingsByField) {
  const std::string base = "[data]\ntask = \"a\"\n[select]\n";
  EXPECT_NE(error_of(base + "sparsity_grid = [0.9, 0.5]\n").find("select.sparsity_grid"),
            std::string::npos);
  EXPECT_NE(error_of(base + "sparsity_grid = [0.5, 1.0]\n").find("select.sparsity_grid"),
            std::string::npos);
  EXPECT_NE(error_of(base + "sparsity_grid = [\"a\"]\n")
                .find("select.sparsity_grid: expected an array of finite numbers"),
            std::string::npos);
  EXPECT_NE(error_of(base + "other_rho2 = [0]\n").find("select.other_rho2"), std::string::npos);
  EXPECT_NE(error_of(base + "precisions = [\"int4\"]\n").find("select.precisions"),
            std::string::npos);
  EXPECT_NE(error_of(base + "metric = \"bleu\"\n").find("select.metric"), std::string::npos);
  EXPECT_NE(error_of(base + "banks = [8.5]\n").find("select.banks: expected an array of integers"),
            std::string::npos);
  EXPECT_NE(error_of(base + "prune_steps = -1\n").find("select.prune_steps"), std::string::npos);
  EXPECT_NE(error_of(base + "grid = [0.5]\n").find("select.grid"), std::string::npos);
}

// Regressions of issue 12.
TEST(Recipe, NameMustBeSafeBecauseItBecomesAFolderUnderRuns) {
  const std::string data = "\n[data]\ntask = \"sotu-lm\"\n";
  for (const char* name :
       {"/abs/path", "../../x", ".hidden", "a/b", "two words", "esc\\u001b[31m", "new\\nline"}) {
    const std::string e = error_of(std::string("name = \"") + name + "\"" + data);
    EXPECT_EQ(e.rfind("/r/x.toml: name: expected a name of letters, digits, '.', '_' or '-'", 0),
              0u)
        << name << ": " << e;
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;
    EXPECT_EQ(e.find('\x1b'), std::string::npos) << e;
  }
  EXPECT_EQ(parse_recipe("name = \"my-run_2.v1\"" + data, "/r/x.toml", "").name, "my-run_2.v1");
  // A profile's name is appended to the folder's name too.
  const std::string e =
      error_of("[data]\ntask = \"a\"\n[profiles.\"../up\".train]\nepochs = 1\n", "../up");
  EXPECT_EQ(e.rfind("/r/x.toml: profile: expected a name of letters", 0), 0u) << e;
}

TEST(Recipe, RefusesNonFiniteAndAbsurdNumbers) {
  const std::string base = "[data]\ntask = \"a\"\n";
  const std::pair<std::string, std::string> cases[] = {
      {"[train]\nlearning_rate = nan\n",
       "train.learning_rate: expected a finite number, found nan"},
      {"[train]\nlearning_rate = inf\n",
       "train.learning_rate: expected a finite number, found inf"},
      {"[train]\nweight_decay = nan\n", "train.weight_decay: expected a finite number"},
      {"[train]\nclip_norm = -inf\n", "train.clip_norm: expected a finite number, found -inf"},
      {"[train]\nwarmup_fraction = nan\n", "train.warmup_fraction: expected a finite number"},
      {"[train]\nmax_minutes = inf\n", "train.max_minutes: expected a finite number"},
      {"[train]\nmax_minutes = 0.0\n", "train.max_minutes: expected a positive number"},
      {"[train]\nmax_steps = 0\n", "train.max_steps: expected a positive integer"},
      {"[model]\ndropout = nan\n", "model.dropout: expected a finite number"},
      {"[select]\nrho2 = nan\n", "select.rho2: expected a finite number"},
      {"[select]\nsparsity_grid = [0.5, nan]\n",
       "select.sparsity_grid: expected an array of finite"},
      {"[data]\nvalid_fraction = nan\n", "data.valid_fraction: expected a finite number"},
      {"[model]\nhidden_size = 2147483647\nnum_heads = 1\n",
       "model.hidden_size: expected an integer in [1, 32768], found 2147483647"},
      {"[model]\nnum_layers = 100000\n", "model.num_layers: expected an integer in [1, 1024]"},
      {"[train]\nbatch_size = 100000000\n", "train.batch_size: expected an integer in [1, 65536]"},
      {"[tokenizer]\nvocab_size = 2000000000\n", "tokenizer.vocab_size: expected an integer in"},
  };
  for (const auto& [text, needle] : cases) {
    const std::string where = text.substr(0, text.find('\n'));
    // [data] is already open in base; the data case appends its keys to that table.
    const std::string recipe =
        where == "[data]" ? base + text.substr(text.find('\n') + 1) : base + text;
    const std::string e = error_of(recipe);
    EXPECT_NE(e.find("/r/x.toml: " + needle), std::string::npos) << text << " -> " << e;
  }
}

TEST(Recipe, TextAndLabelFieldsMustDiffer) {
  const std::string e = error_of(
      "[data]\nkind = \"classification\"\npath = \"r.tsv\"\ntext_field = \"x\"\nlabel_field = "
      "\"x\"\n");
  EXPECT_EQ(e,
            "/r/x.toml: data.label_field: expected a column name other than data.text_field, "
            "found \"x\"");
}

TEST(Recipe, ErrorsAreOneLineEvenForTablesAndLongValues) {
  // A table where a string belongs used to print as several lines of TOML.
  const std::string table =
      error_of("[data]\ntask = \"a\"\n[model]\nfamily = { a = 1, b = [1, 2] }\n");
  EXPECT_EQ(table, "/r/x.toml: model.family: expected a string, found a table of 2 keys");
  const std::string array = error_of("[data]\ntask = [\"a\", \"b\", \"c\"]\n");
  EXPECT_EQ(array, "/r/x.toml: data.task: expected a string, found an array of 3");
  const std::string long_value =
      error_of("[data]\ntask = \"a\"\n[model]\nfamily = \"" + std::string(100000, 'q') + "\"\n");
  EXPECT_LE(long_value.size(), 200u);
  EXPECT_EQ(long_value.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace fitformer::io
