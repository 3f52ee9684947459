// The trainer on tiny synthetic tasks: the loss goes down, an interrupted run resumed from its
// checkpoint ends with the same weights as an uninterrupted one, and a checkpoint of another
// recipe is refused.
#include "train/trainer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "common/temp_dir.h"
#include "core/error.h"
#include "core/files.h"
#include "core/random.h"
#include "train/char_tokenizer.h"

namespace fitformer::train {
namespace {

// Sentences from a small vocabulary: predictable enough that a tiny model learns them fast.
data::Dataset language_task() {
  const char* words[] = {"the", "cat", "sat", "on", "a", "mat", "and", "dog", "ran"};
  data::Dataset d;
  d.name = "tiny-lm";
  d.kind = data::TaskKind::kLanguageModel;
  Rng rng(5);
  for (int i = 0; i < 60; ++i) {
    std::string text;
    for (int w = 0; w < 12; ++w) text += std::string(words[rng.below(9)]) + " ";
    (i < 48 ? d.train : d.valid).push_back({text, -1, "doc" + std::to_string(i)});
  }
  return d;
}

// Label 0 texts use letters a-e, label 1 texts letters v-z.
data::Dataset classification_task() {
  data::Dataset d;
  d.name = "tiny-cls";
  d.kind = data::TaskKind::kClassification;
  d.label_names = {"low", "high"};
  Rng rng(6);
  for (int i = 0; i < 120; ++i) {
    const int label = static_cast<int>(rng.below(2));
    std::string text;
    for (int c = 0; c < 10; ++c)
      text.push_back(static_cast<char>((label ? 'v' : 'a') + rng.below(5)));
    (i < 96 ? d.train : d.valid).push_back({text, label, ""});
  }
  return d;
}

// Rows of 24 tokens: the recipe's seq_len and max_length below.
model::TokenizedTask tokenized(const data::Dataset& dataset) {
  return model::tokenize_task(dataset, testing::CharTokenizer(), 24);
}

io::Recipe tiny_recipe(const std::string& family) {
  io::Recipe r;
  r.name = "tiny-" + family;
  r.model.family = family;
  r.model.hidden_size = 32;
  r.model.num_layers = 1;
  r.model.num_heads = 2;
  r.model.intermediate_size = 64;
  r.model.max_length = 24;
  r.model.dropout = 0.1;
  r.train.epochs = 4;
  r.train.batch_size = 8;
  r.train.seq_len = 24;
  r.train.learning_rate = 3e-3;
  r.train.warmup_fraction = 0.1;
  r.train.threads = 1;
  return r;
}

TrainOptions quiet_options(const std::filesystem::path& dir) {
  TrainOptions o;
  o.out_dir = dir;
  o.progress = false;
  return o;
}

TEST(Trainer, LanguageModelLossGoesDown) {
  testing::TempDir dir;
  const TrainResult r =
      train_model(tiny_recipe("causal-lm"), tokenized(language_task()), quiet_options(dir.path()));
  ASSERT_EQ(r.epochs.size(), 4u);
  EXPECT_EQ(r.stop_reason, "epochs");
  EXPECT_LT(r.epochs.back().train_loss, r.epochs.front().train_loss - 0.5);
  // Far below a uniform guess over the vocabulary (perplexity 263).
  EXPECT_LT(r.epochs.back().valid_metric, 20.0);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "model.safetensors"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "config.json"));
}

TEST(Trainer, ClassifierLearnsTheTask) {
  testing::TempDir dir;
  io::Recipe recipe = tiny_recipe("bert-classifier");
  recipe.train.epochs = 6;
  const TrainResult r =
      train_model(recipe, tokenized(classification_task()), quiet_options(dir.path()));
  EXPECT_LT(r.epochs.back().train_loss, r.epochs.front().train_loss);
  EXPECT_GE(r.epochs.back().valid_metric, 0.9);
}

TEST(Trainer, ResumedRunEqualsUninterruptedRun) {
  testing::TempDir whole, split;
  const io::Recipe recipe = tiny_recipe("causal-lm");
  const data::Dataset task = language_task();
  const TrainResult a = train_model(recipe, tokenized(task), quiet_options(whole.path()));

  // Killed after step 10: the last checkpoint is step 8 (every 4 steps), so steps 9-10 are
  // redone after the resume, mid-epoch, with dropout drawing from the restored generator.
  TrainOptions interrupted = quiet_options(split.path());
  interrupted.checkpoint_every_steps = 4;
  interrupted.abort_after_steps = 10;
  const TrainResult first = train_model(recipe, tokenized(task), interrupted);
  EXPECT_FALSE(first.completed);
  TrainOptions resume = quiet_options(split.path());
  resume.checkpoint_every_steps = 4;
  const TrainResult b = train_model(recipe, tokenized(task), resume);
  EXPECT_TRUE(b.resumed);
  EXPECT_EQ(a.steps, b.steps);
  // Compared as bytes (bitwise equal weights); EXPECT_EQ would print megabytes on failure.
  EXPECT_TRUE(read_file(whole.path() / "model.safetensors") ==
              read_file(split.path() / "model.safetensors"))
      << "the resumed run's weights differ from the uninterrupted run's";
  ASSERT_EQ(a.epochs.size(), b.epochs.size());
  for (size_t i = 0; i < a.epochs.size(); ++i)
    EXPECT_EQ(a.epochs[i].valid_loss, b.epochs[i].valid_loss) << "epoch " << i + 1;

  // A finished run is not trained again.
  const TrainResult again = train_model(recipe, tokenized(task), resume);
  EXPECT_EQ(again.steps, a.steps);
}

// Issue 12: a kill loses at most a minute of training. A time period of 0 is due after every
// step, so a run killed after step 3 (no step period or epoch end reached) resumes at step 2;
// with the time period not due either, the same kill leaves no checkpoint at all.
TEST(Trainer, CheckpointsByTimeBetweenStepCheckpoints) {
  EXPECT_LE(TrainOptions{}.checkpoint_every_minutes, 1.0) << "the default loses at most a minute";
  const io::Recipe recipe = tiny_recipe("causal-lm");
  const model::TokenizedTask task = tokenized(language_task());
  for (const double minutes : {0.0, 1e9}) {
    testing::TempDir dir;
    TrainOptions killed = quiet_options(dir.path());
    killed.checkpoint_every_steps = 1'000'000;
    killed.checkpoint_every_minutes = minutes;
    killed.abort_after_steps = 3;
    const TrainResult first = train_model(recipe, task, killed);
    ASSERT_FALSE(first.completed);
    ASSERT_GT(first.total_steps, 3) << "the kill must come before the first epoch ends";
    EXPECT_EQ(std::filesystem::exists(dir.path() / "checkpoint.pt"), minutes == 0) << minutes;
    if (minutes != 0) continue;
    std::vector<std::string> lines;
    TrainOptions resume = quiet_options(dir.path());
    resume.log = [&](const std::string& line) { lines.push_back(line); };
    const TrainResult b = train_model(recipe, task, resume);
    EXPECT_TRUE(b.resumed);
    ASSERT_FALSE(lines.empty());
    EXPECT_NE(lines[0].find(" at step 2 of "), std::string::npos) << lines[0];
  }
}

TEST(Trainer, RefusesACheckpointOfAnotherRecipe) {
  testing::TempDir dir;
  io::Recipe recipe = tiny_recipe("causal-lm");
  recipe.train.max_steps = 2;
  train_model(recipe, tokenized(language_task()), quiet_options(dir.path()));
  recipe.train.learning_rate *= 2;
  EXPECT_THROW(train_model(recipe, tokenized(language_task()), quiet_options(dir.path())), Error);
  TrainOptions restart = quiet_options(dir.path());
  restart.restart = true;
  EXPECT_EQ(train_model(recipe, tokenized(language_task()), restart).steps, 2);
}

}  // namespace
}  // namespace fitformer::train
