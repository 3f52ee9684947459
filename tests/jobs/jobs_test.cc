// The jobs' bookkeeping without the trainer: a prune job's default folder names its settings,
// bad settings are refused before any work, a job key follows the recipe, the data and the
// settings, and the job.key marker says done only for the key it was written with.
#include <gtest/gtest.h>

#include "common/temp_dir.h"
#include "core/error.h"
#include "core/files.h"
#include "jobs/job_key.h"
#include "jobs/prune_job.h"
#include "jobs/train_job.h"

namespace fitformer::jobs {
namespace {

namespace fs = std::filesystem;
using ::fitformer::testing::TempDir;

TEST(PruneJob, DefaultFolderNamesTheSettings) {
  Workspace ws;
  ws.cache_dir = "/cache";
  PruneJob job;
  job.model = "/runs/sotu-lm-quick";
  job.plan.sparsity = 0.8;
  EXPECT_EQ(prune_out(job, ws), "/cache/prune/sotu-lm-quick-hp-s0.8-gradual");
  job.plan.rho2 = 0.25;
  job.steps = 100;
  job.method = "admm";
  EXPECT_EQ(prune_out(job, ws), "/cache/prune/sotu-lm-quick-hp-s0.8-rho2_0.25-100steps-admm");
  job.out = "/elsewhere";
  EXPECT_EQ(prune_out(job, ws), "/elsewhere");
}

// Run folders named after a recipe go to the project folder's runs/: relative to the current
// directory by default, under --workdir when given; a folder given by the user is kept.
TEST(TrainJob, DefaultFolderIsUnderTheProjectsRuns) {
  io::Recipe recipe;
  recipe.name = "sotu-lm";
  recipe.profile = "quick";
  TrainJob job;
  Workspace ws;
  ws.work_dir = "";
  EXPECT_EQ(train_out(job, recipe, ws), fs::path("runs/sotu-lm-quick"));
  ws.work_dir = "/projects/speech";
  EXPECT_EQ(train_out(job, recipe, ws), fs::path("/projects/speech/runs/sotu-lm-quick"));
  job.out = "mine";
  EXPECT_EQ(train_out(job, recipe, ws), fs::path("mine"));
}

TEST(PruneJob, BadSettingsAreRefusedBeforeAnyWork) {
  TempDir dir;
  Workspace ws;
  ws.cache_dir = dir.path();
  PruneJob job;
  job.model = (dir.path() / "none").string();
  job.recipe = (dir.path() / "none.toml").string();
  const auto field = [&](const PruneJob& j) {
    try {
      run_prune_job(j, ws, TrainerOutput::kToStderr);
    } catch (const Error& e) {
      return e.field();
    }
    return std::string();
  };
  PruneJob bad = job;
  bad.pattern = "diagonal";
  EXPECT_EQ(field(bad), "pattern");
  bad = job;
  bad.method = "magic";
  EXPECT_EQ(field(bad), "method");
  bad = job;
  bad.plan.sparsity = 1.0;
  EXPECT_EQ(field(bad), "sparsity");
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "prune"));
}

TEST(JobKey, FollowsTheRecipeTheDataAndTheSettings) {
  TempDir dir;
  dir.write("rows.tsv", "text\tlabel\nyes\ta\nno\tb\n");
  const auto recipe =
      dir.write("r.toml", "[data]\nkind = \"classification\"\npath = \"rows.tsv\"\n");
  const Workspace ws;
  const std::string key = job_key("prune", recipe, "", ws, {"0.9"});
  EXPECT_EQ(job_key("prune", recipe, "", ws, {"0.9"}), key);
  EXPECT_NE(job_key("prune", recipe, "", ws, {"0.8"}), key);
  EXPECT_NE(job_key("train", recipe, "", ws, {"0.9"}), key);
  dir.write("rows.tsv", "text\tlabel\nyes\ta\nno\tb\nmaybe\ta\n");
  EXPECT_NE(job_key("prune", recipe, "", ws, {"0.9"}), key);
}

TEST(JobKey, TheMarkerSaysDoneOnlyForItsKey) {
  TempDir dir;
  EXPECT_FALSE(job_done(dir.path(), "abc"));
  mark_job_done(dir.path(), "abc");
  EXPECT_FALSE(job_done(dir.path(), "abc"));  // no model in the folder yet
  dir.write("model.safetensors", "x");
  EXPECT_TRUE(job_done(dir.path(), "abc"));
  EXPECT_FALSE(job_done(dir.path(), "abd"));
  clear_job_mark(dir.path());
  EXPECT_FALSE(job_done(dir.path(), "abc"));
}

TEST(JobKey, APretrainedModelIsDoneForEveryKey) {
  // An imported Hugging Face model: select uses it as its dense model and never trains over it.
  TempDir dir;
  mark_pretrained(dir.path());
  EXPECT_FALSE(job_done(dir.path(), "abc"));  // no model in the folder
  dir.write("model.safetensors", "x");
  EXPECT_TRUE(job_done(dir.path(), "abc"));
  EXPECT_TRUE(job_done(dir.path(), "0123456789abcdef0123456789abcdef"));
  mark_job_done(dir.path(), "abc");  // a training that finished there replaces the mark
  EXPECT_FALSE(job_done(dir.path(), "abd"));
}

}  // namespace
}  // namespace fitformer::jobs
