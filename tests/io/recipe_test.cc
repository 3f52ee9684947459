// Tests of recipe parsing: defaults, profiles, relative paths and every kind of refusal.
#include "io/recipe.h"

#include <gtest/gtest.h>

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
  try {
    parse_recipe(text, "/r/x.toml", profile);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
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
  const std::string text = std::string(kRecipe) +
                           "[select]\nsparsity_grid = [0.6, 0.9]\nprune_steps = 300\n"
                           "[profiles.quick.select]\nprune_steps = 50\nother_rho2 = []\n"
                           "precisions = [\"int8\"]\nmetric = \"acc\"\n";
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
}

TEST(Recipe, RefusesBadSelectSettingsByField) {
  const std::string base = "[data]\ntask = \"a\"\n[select]\n";
  EXPECT_NE(error_of(base + "sparsity_grid = [0.9, 0.5]\n").find("select.sparsity_grid"),
            std::string::npos);
  EXPECT_NE(error_of(base + "sparsity_grid = [0.5, 1.0]\n").find("select.sparsity_grid"),
            std::string::npos);
  EXPECT_NE(error_of(base + "sparsity_grid = [\"a\"]\n")
                .find("select.sparsity_grid: expected an array of numbers"),
            std::string::npos);
  EXPECT_NE(error_of(base + "other_rho2 = [0]\n").find("select.other_rho2"), std::string::npos);
  EXPECT_NE(error_of(base + "precisions = [\"int4\"]\n").find("select.precisions"),
            std::string::npos);
  EXPECT_NE(error_of(base + "metric = \"bleu\"\n").find("select.metric"), std::string::npos);
  EXPECT_NE(error_of(base + "prune_steps = -1\n").find("select.prune_steps"), std::string::npos);
  EXPECT_NE(error_of(base + "grid = [0.5]\n").find("select.grid"), std::string::npos);
}

}  // namespace
}  // namespace fitformer::io
