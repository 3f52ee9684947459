#include "cli/trainer_process.h"

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/error.h"
#include "core/progress.h"
#include "data/tasks.h"
#include "data/tokenizer.h"
#include "model/evaluate.h"

namespace fitformer::cli {
namespace {

// Trains the recipe's SentencePiece model on the train split (cached by content), or opens
// its WordPiece vocab. Returns the tokenizer and the file the model folder gets a copy of.
std::pair<std::unique_ptr<data::Tokenizer>, std::filesystem::path> recipe_tokenizer(
    const io::Recipe& recipe, const data::Dataset& dataset, const GlobalOptions& global,
    bool bars) {
  if (recipe.tokenizer.kind == "wordpiece")
    return {data::load_wordpiece(recipe.tokenizer.vocab), recipe.tokenizer.vocab};
  std::vector<std::string> texts;
  texts.reserve(dataset.train.size());
  for (const auto& e : dataset.train) texts.push_back(e.text);
  Progress progress("tokenizer", 0, "", bars);
  const std::filesystem::path file =
      data::train_sentencepiece(texts, recipe.tokenizer.vocab_size, global.cache_dir, &progress);
  progress.finish();
  return {data::load_sentencepiece(file), file};
}

std::pair<std::unique_ptr<data::Tokenizer>, std::filesystem::path> model_tokenizer(
    const std::filesystem::path& model_dir) {
  if (std::filesystem::exists(model_dir / "tokenizer.model"))
    return {data::load_sentencepiece(model_dir / "tokenizer.model"), model_dir / "tokenizer.model"};
  if (std::filesystem::exists(model_dir / "vocab.txt"))
    return {data::load_wordpiece(model_dir / "vocab.txt"), model_dir / "vocab.txt"};
  throw Error(model_dir.string(), "tokenizer", "tokenizer.model or vocab.txt in the model folder",
              "neither");
}

std::vector<char*> argv_of(const std::filesystem::path& tool, std::vector<std::string>& args) {
  args.insert(args.begin(), tool.string());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // libtorch's OpenMP team and OpenBLAS's own threads take turns on the same cores; with
  // libgomp's default spinning, the idle team burns the cores OpenBLAS needs and 2 threads ran
  // 5x slower than 1 here. Passive waiting fixes that; a user's own setting is kept.
  ::setenv("OMP_WAIT_POLICY", "passive", 0);
  std::fflush(stdout);
  std::fflush(stderr);
  return argv;
}

}  // namespace

TrainerInput tokenize_for_trainer(const io::Recipe& recipe, const GlobalOptions& global, bool bars,
                                  const std::filesystem::path& dir,
                                  const std::filesystem::path& model_dir) {
  Progress reading("reading " + recipe.name, 0, "docs", bars);
  const data::Dataset dataset = data::load_dataset(recipe.data, global.data_dir, &reading);
  reading.finish();
  const auto [tokenizer, tokenizer_file] = model_dir.empty()
                                               ? recipe_tokenizer(recipe, dataset, global, bars)
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

std::filesystem::path trainer_path() {
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe");
  const std::filesystem::path tool = self.parent_path() / "fitformer-train";
  if (!std::filesystem::exists(tool))
    throw Error(tool.string(), "fitformer-train",
                "the trainer next to fitformer (a build with FITFORMER_TRAIN=ON, libtorch)",
                "no such file");
  return tool;
}

void exec_trainer(const std::filesystem::path& tool, std::vector<std::string> args) {
  std::vector<char*> argv = argv_of(tool, args);
  ::execv(tool.c_str(), argv.data());
  throw Error(tool.string(), "exec", "a runnable program", std::strerror(errno));
}

int run_trainer(const std::filesystem::path& tool, std::vector<std::string> args,
                bool stdout_to_stderr) {
  std::vector<char*> argv = argv_of(tool, args);
  const pid_t pid = ::fork();
  if (pid < 0) throw Error(tool.string(), "fork", "a child process", std::strerror(errno));
  if (pid == 0) {
    if (stdout_to_stderr) ::dup2(STDERR_FILENO, STDOUT_FILENO);
    ::execv(tool.c_str(), argv.data());
    std::fprintf(stderr, "fitformer: error: %s: exec: %s\n", tool.c_str(), std::strerror(errno));
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      throw Error(tool.string(), "wait", "the trainer's exit", std::strerror(errno));
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace fitformer::cli
