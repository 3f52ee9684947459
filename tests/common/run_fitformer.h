// Runs the built `fitformer` binary as a user would, for the command-line tests. The test
// target defines FITFORMER_BINARY (tests/CMakeLists.txt).
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace fitformer::testing {

struct CommandResult {
  int exit_code;
  std::string output;
};

// Runs a shell command and collects its stdout. A command killed by a signal reports
// 128 + the signal, as a shell does.
inline CommandResult run_command(const std::string& command) {
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return {-1, "popen failed"};
  std::string output;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    output.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  return {WIFEXITED(status)     ? WEXITSTATUS(status)
          : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
                                : -1,
          output};
}

// `args` go to the shell after the binary's path. With merge_stderr the output holds stderr
// too (for error messages); without it stderr is dropped (for JSON on stdout).
inline CommandResult run_fitformer(const std::string& args, bool merge_stderr = true) {
  return run_command(std::string(FITFORMER_BINARY) + " " + args +
                     (merge_stderr ? " 2>&1" : " 2>/dev/null"));
}

}  // namespace fitformer::testing
