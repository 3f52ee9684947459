// The recipe's tokenizer (trained and cached, or a vocab) or the model's own, and the token
// ids of the train and valid splits written for the trainer.
#include "jobs/trainer_input.h"

#include "core/error.h"
#include "core/progress.h"
#include "data/folder_tokenizer.h"
#include "data/tasks.h"
#include "data/tokenizer.h"
#include "model/evaluate.h"

namespace fitformer::jobs {
namespace {

// Trains the recipe's SentencePiece model on the train split (cached by content), or opens
// its WordPiece vocab. Returns the tokenizer and the file the model folder gets a copy of.
std::pair<std::unique_ptr<data::Tokenizer>, std::filesystem::path> recipe_tokenizer(
    const io::Recipe& recipe, const data::Dataset& dataset, const Workspace& workspace, bool bars) {
  if (recipe.tokenizer.kind == "wordpiece")
    return {data::load_wordpiece(recipe.tokenizer.vocab), recipe.tokenizer.vocab};
  std::vector<std::string> texts;
  texts.reserve(dataset.train.size());
  for (const auto& e : dataset.train) texts.push_back(e.text);
  Progress progress("tokenizer", 0, "", bars);
  const std::filesystem::path file =
      data::train_sentencepiece(texts, recipe.tokenizer.vocab_size, workspace.cache_dir, &progress);
  progress.finish();
  return {data::load_sentencepiece(file), file};
}

std::pair<std::unique_ptr<data::Tokenizer>, std::filesystem::path> model_tokenizer(
    const std::filesystem::path& model_dir) {
  if (std::filesystem::exists(model_dir / "tokenizer.model"))
    return {data::load_sentencepiece(model_dir / "tokenizer.model"), model_dir / "tokenizer.model"};
  if (std::filesystem::exists(model_dir / "vocab.txt")) {
    // Cased as the model folder says, so fine-tuning sees the tokens scoring will see.
    const io::ModelConfig config = io::load_model_config(model_dir / "config.json");
    return {data::open_folder_tokenizer(model_dir, config.do_lower_case), model_dir / "vocab.txt"};
  }
  throw Error(model_dir.string(), "tokenizer", "tokenizer.model or vocab.txt in the model folder",
              "neither");
}

}  // namespace

TrainerInput tokenize_for_trainer(const io::Recipe& recipe, const Workspace& workspace, bool bars,
                                  const std::filesystem::path& dir,
                                  const std::filesystem::path& model_dir) {
  Progress reading("reading " + recipe.name, 0, "docs", bars);
  const data::Dataset dataset = data::load_dataset(recipe.data, workspace.data_dir, &reading);
  reading.finish();
  const auto [tokenizer, tokenizer_file] = model_dir.empty()
                                               ? recipe_tokenizer(recipe, dataset, workspace, bars)
                                               : model_tokenizer(model_dir);
  Progress tokenizing("tokenizing", dataset.train.size() + dataset.valid.size(), "docs", bars);
  const model::TokenizedTask task =
      model::tokenize_task(dataset, *tokenizer, recipe.train.seq_len, &tokenizing);
  tokenizing.finish();
  std::filesystem::create_directories(dir);
  TrainerInput input{dir / "tokens.safetensors", std::filesystem::absolute(tokenizer_file)};
  model::save_tokenized_task(task, input.tokens);
  return input;
}

}  // namespace fitformer::jobs
