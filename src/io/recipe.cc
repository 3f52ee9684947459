// Reads a recipe TOML into plain structs, refusing unknown keys and ill-typed values.
#include "io/recipe.h"

#include "core/error.h"
#include "core/files.h"
#include "core/safe_name.h"
#include "io/model_config.h"
#include "io/toml_reader.h"

namespace fitformer::io {
namespace {

namespace fs = std::filesystem;

void read_data(const toml::table& t, const std::string& path, const fs::path& file,
               DataSpec& data) {
  TomlTableReader r(t, path, file);
  data.recipe = file;
  std::string data_path;
  r.read("task", data.task);
  r.read("kind", data.kind);
  r.read("path", data_path);
  r.read("format", data.format);
  r.read("text_field", data.text_field);
  r.read("label_field", data.label_field);
  r.read("valid_fraction", data.valid_fraction);
  r.read("test_fraction", data.test_fraction);
  r.read("seed", data.seed);
  r.refuse_unknown_keys();
  if (!data_path.empty()) {
    data.path =
        fs::path(data_path).is_absolute() ? fs::path(data_path) : file.parent_path() / data_path;
  }
}

void read_tokenizer(const toml::table& t, const std::string& path, const fs::path& file,
                    TokenizerSpec& tok) {
  TomlTableReader r(t, path, file);
  std::string vocab;
  r.read("kind", tok.kind);
  r.read("vocab_size", tok.vocab_size);
  r.read("vocab", vocab);
  r.refuse_unknown_keys();
  if (!vocab.empty()) {
    tok.vocab = fs::path(vocab).is_absolute() ? fs::path(vocab) : file.parent_path() / vocab;
  }
}

void read_model(const toml::table& t, const std::string& path, const fs::path& file, ModelSpec& m) {
  TomlTableReader r(t, path, file);
  r.read("family", m.family);
  r.read("hidden_size", m.hidden_size);
  r.read("num_layers", m.num_layers);
  r.read("num_heads", m.num_heads);
  r.read("intermediate_size", m.intermediate_size);
  r.read("max_length", m.max_length);
  r.read("dropout", m.dropout);
  r.read("activation", m.activation);
  r.refuse_unknown_keys();
}

void read_train(const toml::table& t, const std::string& path, const fs::path& file, TrainSpec& s) {
  TomlTableReader r(t, path, file);
  r.read("epochs", s.epochs);
  r.read("batch_size", s.batch_size);
  r.read("seq_len", s.seq_len);
  r.read("learning_rate", s.learning_rate);
  r.read("weight_decay", s.weight_decay);
  r.read("warmup_fraction", s.warmup_fraction);
  r.read("clip_norm", s.clip_norm);
  r.read("seed", s.seed);
  r.read("threads", s.threads);
  r.read("max_steps", s.max_steps);
  r.read("max_minutes", s.max_minutes);
  r.refuse_unknown_keys();
}

void read_select(const toml::table& t, const std::string& path, const fs::path& file,
                 SelectSpec& s) {
  TomlTableReader r(t, path, file);
  std::optional<int64_t> steps;
  r.read("sparsity_grid", s.sparsity_grid);
  r.read("rho2", s.rho2);
  r.read("other_rho2", s.other_rho2);
  r.read("prune_steps", steps);
  r.read("precisions", s.precisions);
  r.read("metric", s.metric);
  r.read("banks", s.banks);
  r.refuse_unknown_keys();
  if (steps) s.prune_steps = *steps;
}

// Checks that the merged recipe describes something that can be run.
void validate(const Recipe& r) {
  const std::string f = r.file.string();
  const auto positive = [&](const std::string& field, double v) {
    if (!(v > 0)) throw Error(f, field, "a positive number", std::to_string(v));
  };
  // Sizes that allocate: bounded like config.json's (io/model_config.h), so a typo such as
  // hidden_size = 2147483647 is an error here, not an out-of-memory abort in training.
  const auto size = [&](const std::string& field, int64_t v, int64_t max_value) {
    if (v < 1 || v > max_value) {
      throw Error(f, field, "an integer in [1, " + std::to_string(max_value) + "]",
                  std::to_string(v));
    }
  };
  if (!is_safe_name(r.name)) {
    // The name becomes a folder under runs/: "../x" or "/abs" would write elsewhere.
    throw Error(f, "name", std::string(kSafeNameRule), "\"" + r.name + "\"");
  }
  const auto fraction = [&](const std::string& field, double v) {
    if (!(v >= 0 && v < 1)) throw Error(f, field, "a fraction in [0, 1)", std::to_string(v));
  };
  if (r.data.task.empty() == r.data.path.empty()) {
    throw Error(f, "data", "exactly one of data.task (a built-in task) or data.path (your file)");
  }
  if (!r.data.path.empty() && r.data.kind != "classification" && r.data.kind != "language-model") {
    throw Error(f, "data.kind", "\"classification\" or \"language-model\"",
                "\"" + r.data.kind + "\"");
  }
  if (!r.data.format.empty() && r.data.format != "tsv" && r.data.format != "csv" &&
      r.data.format != "jsonl") {
    throw Error(f, "data.format", "\"tsv\", \"csv\" or \"jsonl\"", "\"" + r.data.format + "\"");
  }
  if (r.data.text_field.empty() || r.data.label_field.empty() ||
      r.data.text_field == r.data.label_field) {
    throw Error(f, "data.label_field", "a column name other than data.text_field",
                "\"" + r.data.label_field + "\"");
  }
  fraction("data.valid_fraction", r.data.valid_fraction);
  fraction("data.test_fraction", r.data.test_fraction);
  if (r.data.valid_fraction + r.data.test_fraction >= 1) {
    throw Error(f, "data.valid_fraction + data.test_fraction", "a sum below 1");
  }
  if (r.tokenizer.kind == "sentencepiece") {
    if (r.tokenizer.vocab_size < 16 || r.tokenizer.vocab_size > ModelLimits::kVocabSize) {
      throw Error(f, "tokenizer.vocab_size",
                  "an integer in [16, " + std::to_string(ModelLimits::kVocabSize) + "]",
                  std::to_string(r.tokenizer.vocab_size));
    }
  } else if (r.tokenizer.kind == "wordpiece") {
    if (r.tokenizer.vocab.empty()) throw Error(f, "tokenizer.vocab", "a vocab.txt path");
  } else {
    throw Error(f, "tokenizer.kind", "\"sentencepiece\" or \"wordpiece\"",
                "\"" + r.tokenizer.kind + "\"");
  }
  if (!r.model.family.empty() && r.model.family != "causal-lm" &&
      r.model.family != "bert-classifier") {
    throw Error(f, "model.family", "\"causal-lm\" or \"bert-classifier\"",
                "\"" + r.model.family + "\"");
  }
  size("model.hidden_size", r.model.hidden_size, ModelLimits::kHiddenSize);
  size("model.num_layers", r.model.num_layers, ModelLimits::kLayers);
  size("model.num_heads", r.model.num_heads, ModelLimits::kHiddenSize);
  size("model.intermediate_size", r.model.intermediate_size, ModelLimits::kIntermediateSize);
  size("model.max_length", r.model.max_length, ModelLimits::kPositions);
  if (r.model.hidden_size % r.model.num_heads != 0) {
    throw Error(f, "model.hidden_size", "a multiple of model.num_heads",
                std::to_string(r.model.hidden_size));
  }
  if (!(r.model.dropout >= 0 && r.model.dropout < 1)) {
    throw Error(f, "model.dropout", "a probability in [0, 1)", std::to_string(r.model.dropout));
  }
  size("train.epochs", r.train.epochs, 1'000'000);
  size("train.batch_size", r.train.batch_size, 1 << 16);
  size("train.seq_len", r.train.seq_len, ModelLimits::kPositions);
  positive("train.learning_rate", r.train.learning_rate);
  size("train.threads", r.train.threads, 1024);
  if (r.train.max_steps && *r.train.max_steps < 1)
    throw Error(f, "train.max_steps", "a positive integer", std::to_string(*r.train.max_steps));
  if (r.train.max_minutes) positive("train.max_minutes", *r.train.max_minutes);
  if (r.train.seq_len > r.model.max_length) {
    throw Error(f, "train.seq_len",
                "at most model.max_length (" + std::to_string(r.model.max_length) + ")",
                std::to_string(r.train.seq_len));
  }
  if (r.train.weight_decay < 0) throw Error(f, "train.weight_decay", "a non-negative number");
  fraction("train.warmup_fraction", r.train.warmup_fraction);
  if (r.train.clip_norm < 0) throw Error(f, "train.clip_norm", "a non-negative number");
  const SelectSpec& s = r.select;
  if (s.sparsity_grid.empty()) throw Error(f, "select.sparsity_grid", "at least one sparsity");
  for (size_t i = 0; i < s.sparsity_grid.size(); ++i) {
    const double v = s.sparsity_grid[i];
    if (!(v > 0 && v < 1) || (i > 0 && !(s.sparsity_grid[i - 1] < v)))
      throw Error(f, "select.sparsity_grid", "ascending sparsities in (0, 1)", std::to_string(v));
  }
  for (double v : s.other_rho2)
    if (!(v > 0 && v <= 1))
      throw Error(f, "select.other_rho2", "densities in (0, 1]", std::to_string(v));
  if (!(s.rho2 > 0 && s.rho2 <= 1))
    throw Error(f, "select.rho2", "a density in (0, 1]", std::to_string(s.rho2));
  if (s.prune_steps < 0) throw Error(f, "select.prune_steps", "a non-negative integer");
  if (s.precisions.empty()) throw Error(f, "select.precisions", "at least one precision");
  for (const std::string& p : s.precisions)
    if (p != "int8" && p != "int16" && p != "fp32")
      throw Error(f, "select.precisions", "\"int8\", \"int16\" or \"fp32\"", "\"" + p + "\"");
  if (!s.metric.empty() && s.metric != "ppl" && s.metric != "acc" && s.metric != "f1")
    throw Error(f, "select.metric", "\"ppl\", \"acc\" or \"f1\"", "\"" + s.metric + "\"");
}

}  // namespace

Recipe parse_recipe(const std::string& toml_text, const fs::path& file,
                    const std::string& profile) {
  const toml::table root = parse_toml(toml_text, file);
  Recipe recipe;
  recipe.file = file;
  recipe.profile = profile;
  TomlTableReader top(root, "", file);
  top.read("name", recipe.name);
  if (const auto* t = top.table("data")) read_data(*t, "data", file, recipe.data);
  if (const auto* t = top.table("tokenizer"))
    read_tokenizer(*t, "tokenizer", file, recipe.tokenizer);
  if (const auto* t = top.table("model")) read_model(*t, "model", file, recipe.model);
  if (const auto* t = top.table("train")) read_train(*t, "train", file, recipe.train);
  if (const auto* t = top.table("select")) read_select(*t, "select", file, recipe.select);

  const toml::table* profiles = top.table("profiles");
  top.refuse_unknown_keys();
  if (!profile.empty()) {
    // A profile's name is appended to the output folder's name (runs/NAME-PROFILE).
    if (!is_safe_name(profile))
      throw Error(file.string(), "profile", std::string(kSafeNameRule), "\"" + profile + "\"");
    const toml::node* chosen = profiles != nullptr ? profiles->get(profile) : nullptr;
    if (chosen == nullptr || !chosen->is_table()) {
      std::string known;
      if (profiles != nullptr) {
        for (const auto& [k, v] : *profiles)
          known += (known.empty() ? "" : ", ") + std::string(k.str());
      }
      throw Error(file.string(), "profiles." + profile,
                  known.empty() ? "a [profiles." + profile + "] table" : "one of: " + known,
                  "no such profile");
    }
    const std::string base = "profiles." + profile;
    TomlTableReader pr(*chosen->as_table(), base, file);
    if (const auto* t = pr.table("model")) read_model(*t, base + ".model", file, recipe.model);
    if (const auto* t = pr.table("train")) read_train(*t, base + ".train", file, recipe.train);
    if (const auto* t = pr.table("select")) read_select(*t, base + ".select", file, recipe.select);
    if (const auto* t = pr.table("tokenizer")) {
      read_tokenizer(*t, base + ".tokenizer", file, recipe.tokenizer);
    }
    pr.refuse_unknown_keys();
  }
  if (recipe.name.empty()) recipe.name = file.stem().string();
  validate(recipe);
  return recipe;
}

Recipe load_recipe(const fs::path& file, const std::string& profile) {
  return parse_recipe(read_file(file), file, profile);
}

}  // namespace fitformer::io
