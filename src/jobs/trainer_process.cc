// Starting `fitformer-train`: as a child the caller waits for, or in place of this process.
#include "jobs/trainer_process.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/error.h"
#include "core/locations.h"

namespace fitformer::jobs {
namespace {

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

std::filesystem::path trainer_path() {
  if (const char* given = std::getenv("FITFORMER_TRAINER"); given && *given) {
    if (!std::filesystem::is_regular_file(given))
      throw Error(given, "FITFORMER_TRAINER", "the fitformer-train program", "no such file");
    return given;
  }
  const std::filesystem::path tool = program_path().parent_path() / "fitformer-train";
  if (std::filesystem::exists(tool)) return tool;
  // Not next to the program (a build tree's Python module): the build's own.
  const std::filesystem::path built = FITFORMER_BUILD_TRAINER;
  if (!built.empty() && std::filesystem::exists(built)) return built;
  throw Error(tool.string(), "fitformer-train",
              "the trainer next to fitformer (a build with FITFORMER_TRAIN=ON, libtorch), or "
              "named by FITFORMER_TRAINER",
              "no such file");
}

void exec_trainer(const std::filesystem::path& tool, std::vector<std::string> args) {
  std::vector<char*> argv = argv_of(tool, args);
  ::execv(tool.c_str(), argv.data());
  throw Error(tool.string(), "exec", "a runnable program", std::strerror(errno));
}

int run_trainer(const std::filesystem::path& tool, std::vector<std::string> args,
                TrainerOutput output) {
  std::vector<char*> argv = argv_of(tool, args);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw Error(tool.string(), "fork", "a child process", std::strerror(errno));
  if (pid == 0) {
    // The trainer dies with us: killed or not, fitformer leaves no trainer behind writing a
    // folder a rerun will write too. The death signal survives exec (the trainer is not
    // set-uid). If we died between fork and prctl, the signal will never come: the child has
    // been reparented by then, so its parent is no longer `parent`, and it stops at once.
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent) ::_exit(128 + SIGKILL);
    if (output == TrainerOutput::kToStderr) ::dup2(STDERR_FILENO, STDOUT_FILENO);
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

void run_trainer_or_throw(const std::filesystem::path& tool, std::vector<std::string> args,
                          TrainerOutput output) {
  const int status = run_trainer(tool, std::move(args), output);
  if (status != 0)
    throw Error(tool.string(), "exit status", "0 (its own message is above)",
                std::to_string(status));
}

}  // namespace fitformer::jobs
