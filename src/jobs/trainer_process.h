// The libtorch side of the split: `fitformer-train`, started as a child (or exec'd) by the
// train and prune jobs. libtorch's protobuf and SentencePiece's bundled one cannot share a
// process, so fitformer tokenizes (trainer_input.h) and the trainer runs on the token ids.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace fitformer::jobs {

// Where the trainer's own stdout goes.
enum class TrainerOutput {
  kStdout,    // as it prints it (the train and prune commands)
  kToStderr,  // sent to stderr, keeping our stdout clean for JSON (select)
};

// `fitformer-train`: $FITFORMER_TRAINER when set, else the one beside the fitformer program
// (core/locations.h's program_path(), which an installed Python module shares), else the build's
// own (for a build tree's Python module); throws Error if there is none.
std::filesystem::path trainer_path();

// Replaces this process with the trainer.
[[noreturn]] void exec_trainer(const std::filesystem::path& tool, std::vector<std::string> args);

// Runs the trainer as a child and waits: for callers with work left after it. Returns its
// exit status (128 + signal when killed). The child gets SIGKILL when this process dies
// (PR_SET_PDEATHSIG), so killing fitformer never leaves an orphan trainer.
int run_trainer(const std::filesystem::path& tool, std::vector<std::string> args,
                TrainerOutput output);

// run_trainer, and Error (naming the tool and its status) unless it exits 0.
void run_trainer_or_throw(const std::filesystem::path& tool, std::vector<std::string> args,
                          TrainerOutput output);

}  // namespace fitformer::jobs
