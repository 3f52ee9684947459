// Pruning with retraining on tiny models: the cubic schedule's shape, masks that hold the
// pattern's invariants and weights that stay exactly zero through AdamW steps, ADMM's
// projection, and prune_and_finetune's determinism, cache and HPF form.
#include "train/prune_finetune.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <torch/nn/functional/loss.h>

#include <chrono>

#include "common/temp_dir.h"
#include "core/error.h"
#include "core/files.h"
#include "core/random.h"
#include "format/hpf_convert.h"
#include "format/hpf_safetensors.h"
#include "sparsity/hierarchical.h"
#include "train/char_tokenizer.h"
#include "train/trainer.h"

namespace fitformer::train {
namespace {

io::ModelConfig tiny_lm_config() {
  io::ModelConfig c = io::default_model_config(io::ModelFamily::kCausalLm);
  c.vocab_size = 263;  // CharTokenizer
  c.hidden_size = 32;
  c.num_hidden_layers = 1;
  c.num_attention_heads = 2;
  c.intermediate_size = 64;
  c.max_position_embeddings = 24;
  return c;
}

// Bc = 16 in B = 4 banks of 4, so a 32-wide matrix has two column blocks.
PruneSettings hp_settings() {
  PruneSettings s;
  s.pattern = sparsity::Pattern::kHp;
  s.sparsity = 0.75;
  s.rho1 = 0.5;
  s.block_cols = 16;
  s.banks = 4;
  return s;
}

// HP invariants checked from scratch: per column block exactly k1 rows keep anything, and each
// bank of a kept row segment keeps exactly n.
void expect_hp_mask(const torch::Tensor& mask, const sparsity::HpParams& p) {
  const int64_t rows = mask.size(0), cols = mask.size(1);
  const sparsity::HpCounts counts = sparsity::hp_counts(rows, p);
  ASSERT_EQ(cols % p.block_cols, 0);
  auto m = mask.accessor<float, 2>();
  for (int64_t b = 0; b < cols / p.block_cols; ++b) {
    int64_t kept_rows = 0;
    for (int64_t r = 0; r < rows; ++r) {
      int64_t in_row = 0;
      for (int64_t c = b * p.block_cols; c < (b + 1) * p.block_cols; ++c) in_row += m[r][c] != 0;
      if (in_row == 0) continue;
      ++kept_rows;
      for (int64_t bank = 0; bank < p.banks; ++bank) {
        int64_t in_bank = 0;
        for (int64_t c = 0; c < counts.bank_width; ++c)
          in_bank += m[r][b * p.block_cols + bank * counts.bank_width + c] != 0;
        EXPECT_EQ(in_bank, counts.n);
      }
    }
    EXPECT_EQ(kept_rows, counts.k1);
  }
}

model::TokenizedTask tiny_task() {
  const char* words[] = {"the", "cat", "sat", "on", "a", "mat", "and", "dog", "ran"};
  data::Dataset d;
  d.name = "tiny-lm";
  d.kind = data::TaskKind::kLanguageModel;
  Rng rng(5);
  for (int i = 0; i < 30; ++i) {
    std::string text;
    for (int w = 0; w < 12; ++w) text += std::string(words[rng.below(9)]) + " ";
    (i < 24 ? d.train : d.valid).push_back({text, -1, "doc" + std::to_string(i)});
  }
  return model::tokenize_task(d, testing::CharTokenizer(), 24);
}

io::Recipe tiny_recipe() {
  io::Recipe r;
  r.name = "tiny-lm";
  r.model.family = "causal-lm";
  r.train.batch_size = 8;
  r.train.seq_len = 24;
  r.train.learning_rate = 3e-3;
  r.train.threads = 1;
  return r;
}

TEST(CubicSchedule, MonotoneAndExactAtTheEnd) {
  CubicSchedule s{0.1, 0.93, 5, 3, 7};
  double last = s.at(0);
  EXPECT_EQ(last, 0.1);
  for (int64_t t = 1; t < 60; ++t) {
    EXPECT_GE(s.at(t), last) << t;
    last = s.at(t);
  }
  EXPECT_EQ(s.at(s.end_step()), 0.93);
  EXPECT_EQ(s.at(s.end_step() + 100), 0.93);
  EXPECT_LT(s.at(s.end_step() - 1), 0.93);
  EXPECT_TRUE(s.is_update(5));
  EXPECT_TRUE(s.is_update(8));
  EXPECT_FALSE(s.is_update(9));
  EXPECT_TRUE(s.is_update(s.end_step()));
  EXPECT_FALSE(s.is_update(s.end_step() + s.interval));
  // Cubic: most of the pruning happens early.
  EXPECT_GT(s.at(5 + 3) - s.at(5), s.at(s.end_step()) - s.at(s.end_step() - 3));
}

TEST(MaskedFineTuning, PrunedWeightsStayExactlyZero) {
  torch::manual_seed(3);
  std::shared_ptr<Model> model = make_model(tiny_lm_config());
  const PruneSettings settings = hp_settings();
  const std::vector<std::string> names = default_prunable_weights(model->config());
  ASSERT_EQ(names.size(), 4u);
  WeightMasks masks;
  for (const std::string& name : names) {
    const torch::Tensor w = *model->named_parameters().find(name);
    masks.update(*model, name, pattern_params_for(settings, 0.75, 0.75, w.size(0), w.size(1)));
  }
  torch::optim::AdamW optimizer(model->parameters(),
                                torch::optim::AdamWOptions(1e-2).weight_decay(0.01));
  const torch::Tensor ids = torch::randint(7, 263, {4, 24}, torch::kLong);
  for (int step = 0; step < 5; ++step) {
    optimizer.zero_grad();
    torch::Tensor logits = model->forward(ids.slice(1, 0, 23), torch::Tensor());
    torch::Tensor loss = torch::nn::functional::cross_entropy(logits.reshape({-1, logits.size(-1)}),
                                                              ids.slice(1, 1, 24).reshape({-1}));
    loss.backward();
    masks.apply_to_gradients(*model);
    optimizer.step();
    masks.apply_to_weights(*model);
    masks.apply_to_optimizer(*model, optimizer);
  }
  for (const std::string& name : names) {
    const torch::Tensor w = *model->named_parameters().find(name);
    const torch::Tensor& mask = masks.masks().at(name);
    EXPECT_EQ(w.detach().masked_select(mask == 0).abs().max().item<float>(), 0.0f) << name;
    const auto params = std::get<sparsity::HpParams>(
        pattern_params_for(settings, 0.75, 0.75, w.size(0), w.size(1)));
    expect_hp_mask(mask, params);
    EXPECT_EQ(mask.sum().item<double>(),
              static_cast<double>(sparsity::hp_kept_count(w.size(0), w.size(1), params)));
  }
}

TEST(Admm, ZIsTheProjectionOfWPlusU) {
  torch::manual_seed(4);
  const torch::Tensor w = torch::randn({32, 64});
  const PruneSettings settings = hp_settings();
  const sparsity::PatternParams params = pattern_params_for(settings, 0.75, 0.75, 32, 64);
  AdmmVariables vars;
  admm_update(w, params, vars);  // U = 0: Z = proj(W)
  const torch::Tensor mask0 = pattern_mask(w.abs(), params);
  EXPECT_TRUE(torch::equal(vars.z, w * mask0));
  EXPECT_TRUE(torch::allclose(vars.u, w - vars.z, 1e-5, 1e-6));
  const torch::Tensor w2 = w + 0.1 * torch::randn({32, 64});
  const torch::Tensor u_before = vars.u.clone();
  admm_update(w2, params, vars);
  const torch::Tensor v = w2 + u_before;
  EXPECT_TRUE(torch::equal(vars.z, v * pattern_mask(v.abs(), params)));
  expect_hp_mask((vars.z != 0).to(torch::kFloat), std::get<sparsity::HpParams>(params));
  EXPECT_TRUE(torch::allclose(vars.u, u_before + w2 - vars.z, 1e-5, 1e-6));
  // The penalty vanishes at W = Z - U.
  EXPECT_NEAR(admm_penalty(vars.z - vars.u, vars, 1.0).item<double>(), 0.0, 1e-6);
}

class PruneModel : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::manual_seed(1);
    export_model(*make_model(tiny_lm_config()), dense_.path(), {});
  }

  PruneOptions options_for(const std::filesystem::path& out) const {
    PruneOptions options;
    options.dense_dir = dense_.path();
    options.out_dir = out;
    return options;
  }

  PruneResult run(const std::filesystem::path& out, const PruneSettings& settings) {
    return prune_and_finetune(tiny_recipe(), task_, settings, options_for(out));
  }

  void expect_pruned(const std::filesystem::path& out, const PruneSettings& settings) {
    std::shared_ptr<Model> model = import_model(out);
    for (const std::string& name : default_prunable_weights(model->config())) {
      const torch::Tensor w = model->named_parameters().find(name)->detach();
      const auto params = std::get<sparsity::HpParams>(
          pattern_params_for(settings, settings.sparsity, settings.sparsity, w.size(0), w.size(1)));
      // Every weight the pattern drops is zero; the kept ones are (generically) not.
      const torch::Tensor nonzero = (w != 0).to(torch::kFloat);
      expect_hp_mask(nonzero, params);
    }
  }

  testing::TempDir dense_, out_;
  model::TokenizedTask task_ = tiny_task();
};

TEST_F(PruneModel, GradualIsDeterministicAndCached) {
  PruneSettings settings = hp_settings();
  settings.steps = 8;
  const PruneResult a = run(out_.path() / "a", settings);
  EXPECT_FALSE(a.cached);
  EXPECT_NEAR(a.density, 0.25, 1e-12);
  const PruneResult b = run(out_.path() / "b", settings);
  EXPECT_EQ(read_file(out_.path() / "a" / "model.safetensors"),
            read_file(out_.path() / "b" / "model.safetensors"));
  expect_pruned(out_.path() / "a", settings);

  // The cached result is read back, the folder left as it was.
  const std::filesystem::path weights = out_.path() / "a" / "model.safetensors";
  const auto written = std::filesystem::last_write_time(weights);
  const PruneResult c = run(out_.path() / "a", settings);
  EXPECT_TRUE(c.cached);
  EXPECT_EQ(c.key, a.key);
  EXPECT_EQ(c.layers.size(), a.layers.size());
  EXPECT_EQ(c.density, a.density);
  EXPECT_EQ(c.valid_metric, a.valid_metric);
  EXPECT_EQ(std::filesystem::last_write_time(weights), written);

  settings.sparsity = 0.5;  // another input: not the cached result
  EXPECT_FALSE(run(out_.path() / "a", settings).cached);
}

// The HPF form is packed under the run's own final masks: decoded, it is the fine-tuned
// weights bit for bit, every weight it stores as kept is one the dense folder keeps (a kept
// weight is nonzero but for a measure-zero chance) at the plan's density; another pattern
// gets no HPF form.
TEST_F(PruneModel, HpRunsWriteTheHpfFormUnderTheirOwnMasks) {
  PruneSettings settings = hp_settings();
  settings.steps = 8;
  const std::filesystem::path out = out_.path() / "hp";
  run(out, settings);
  const io::SafeTensorsFile dense = io::SafeTensorsFile::open(out / "model.safetensors");
  const io::SafeTensorsFile hpf = io::SafeTensorsFile::open(out / "hpf" / "model.safetensors");
  const std::vector<std::string> names = format::hpf_matrix_names(hpf);
  EXPECT_EQ(names.size(), default_prunable_weights(tiny_lm_config()).size());
  for (const std::string& name : names) {
    const format::hpf::Matrix m = format::read_hpf(hpf, name);
    const std::vector<float> w =
        dense.read_f32(name, std::vector<int64_t>{m.header.rows, m.header.cols});
    EXPECT_EQ(format::hpf_to_dense(m), w) << name;
    const sparsity::Mask mask = format::hpf_mask(m);
    int64_t kept = 0;
    for (size_t i = 0; i < w.size(); ++i) {
      if (w[i] != 0) {
        EXPECT_EQ(mask.keep[i], 1) << name << " at " << i;
      }
      kept += mask.keep[i];
    }
    EXPECT_EQ(kept, static_cast<int64_t>(w.size()) / 4) << name;  // density 0.25
  }
  settings.pattern = sparsity::Pattern::kUnstructured;
  run(out_.path() / "unstructured", settings);
  EXPECT_FALSE(std::filesystem::exists(out_.path() / "unstructured" / "hpf"));
}

// Issue 12: a prune killed after step k resumes from its last checkpoint (masks, ADMM
// variables, optimizer and RNG included) and writes the folder of an uninterrupted run byte for
// byte: gradual while the masks still move, ADMM before its switch to fixed masks (Z and U
// live) and after it.
TEST_F(PruneModel, AKilledRunResumesFromItsCheckpointToTheSameFolder) {
  struct Case {
    PruneMethod method;
    int64_t kill_after, resumes_at;
  };
  for (const Case c : {Case{PruneMethod::kGradual, 7, 6}, Case{PruneMethod::kAdmm, 4, 3},
                       Case{PruneMethod::kAdmm, 11, 9}}) {
    SCOPED_TRACE(fmt::format("{} killed after step {}", prune_method_name(c.method), c.kill_after));
    PruneSettings settings = hp_settings();
    settings.method = c.method;
    settings.steps = 12;
    settings.admm_interval = 2;
    testing::TempDir dir;
    const PruneResult whole = run(dir.path() / "whole", settings);

    PruneOptions killed = options_for(dir.path() / "split");
    killed.checkpoint_every_steps = 3;
    killed.abort_after_steps = c.kill_after;
    ASSERT_FALSE(prune_and_finetune(tiny_recipe(), task_, settings, killed).completed);
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "split" / "prune.json"));

    PruneOptions resume = options_for(dir.path() / "split");
    std::vector<std::string> lines;
    resume.log = [&](const std::string& line) { lines.push_back(line); };
    const PruneResult split = prune_and_finetune(tiny_recipe(), task_, settings, resume);
    EXPECT_TRUE(split.resumed);
    ASSERT_FALSE(lines.empty());
    EXPECT_NE(lines[0].find(fmt::format(" at step {} of 12", c.resumes_at)), std::string::npos)
        << lines[0];
    EXPECT_EQ(split.valid_loss, whole.valid_loss);
    for (const char* f : {"model.safetensors", "hpf/model.safetensors", "prune.json"})
      EXPECT_TRUE(read_file(dir.path() / "whole" / f) == read_file(dir.path() / "split" / f))
          << f << " differs from the uninterrupted run's";
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "split" / "checkpoint.pt"))
        << "a finished folder keeps no checkpoint";
  }
}

// A checkpoint that is not this run's (garbage, or another sparsity's) is no checkpoint: the
// run starts over and gives the uninterrupted answer.
TEST_F(PruneModel, AForeignCheckpointIsIgnored) {
  PruneSettings settings = hp_settings();
  settings.steps = 6;
  testing::TempDir dir;
  const PruneResult whole = run(dir.path() / "whole", settings);

  PruneSettings other = settings;
  other.sparsity = 0.5;
  PruneOptions killed = options_for(dir.path() / "other");
  killed.checkpoint_every_steps = 2;
  killed.abort_after_steps = 3;
  prune_and_finetune(tiny_recipe(), task_, other, killed);
  ASSERT_TRUE(std::filesystem::exists(dir.path() / "other" / "checkpoint.pt"));
  const PruneResult after_foreign = run(dir.path() / "other", settings);
  EXPECT_FALSE(after_foreign.resumed);

  write_file_atomic(dir.path() / "garbage" / "checkpoint.pt", "not a torch archive");
  const PruneResult after_garbage = run(dir.path() / "garbage", settings);
  EXPECT_FALSE(after_garbage.resumed);
  for (const char* folder : {"other", "garbage"})
    EXPECT_TRUE(read_file(dir.path() / "whole" / "model.safetensors") ==
                read_file(dir.path() / folder / "model.safetensors"))
        << folder;
}

TEST_F(PruneModel, AdmmEndsHardPrunedToThePattern) {
  PruneSettings settings = hp_settings();
  settings.method = PruneMethod::kAdmm;
  settings.steps = 8;
  settings.admm_interval = 2;
  const PruneResult r = run(out_.path() / "admm", settings);
  EXPECT_NEAR(r.density, 0.25, 1e-12);
  expect_pruned(out_.path() / "admm", settings);
}

TEST_F(PruneModel, PerLayerSparsityAndOtherPatterns) {
  PruneSettings settings;
  settings.pattern = sparsity::Pattern::kNm;
  settings.sparsity = 0.5;  // 2:4
  settings.steps = 4;
  const std::string ffn = "transformer_encoder.layers.0.linear1.weight";
  settings.layer_sparsity[ffn] = 0.75;  // 1:4
  const PruneResult r = run(out_.path() / "nm", settings);
  for (const PrunedLayer& l : r.layers) EXPECT_EQ(l.density, l.name == ffn ? 0.25 : 0.5) << l.name;
  std::shared_ptr<Model> model = import_model(out_.path() / "nm");
  const torch::Tensor w = model->named_parameters().find(ffn)->detach();
  // Every group of 4 along the input dimension keeps (at most) one nonzero.
  EXPECT_LE((w != 0).reshape({-1, 4}).sum(1).max().item<int64_t>(), 1);

  settings.layer_sparsity = {{"no.such.weight", 0.5}};
  EXPECT_THROW(run(out_.path() / "bad", settings), Error);
}

}  // namespace
}  // namespace fitformer::train
