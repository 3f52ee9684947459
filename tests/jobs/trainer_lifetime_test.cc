// Issue 12, interrupted runs, without libtorch: the trainer child dies with the process that
// started it (a shell stands in for fitformer-train), and a folder being written is locked,
// the lock inherited across exec so it lasts as long as the last of its writers.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "common/temp_dir.h"
#include "core/error.h"
#include "core/files.h"
#include "jobs/folder_lock.h"
#include "jobs/trainer_process.h"

namespace fitformer::jobs {
namespace {

namespace fs = std::filesystem;
using ::fitformer::testing::TempDir;

// Waits (up to a minute, a guard against a hang, not a speed check) for `file` to hold a line.
std::string wait_for_line(const fs::path& file) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  while (std::chrono::steady_clock::now() < deadline) {
    if (fs::exists(file)) {
      const std::string text = read_file(file);
      if (!text.empty() && text.back() == '\n') return text;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return "";
}

// Waits for `pid` (our child or, as the subreaper, an orphan of our children); returns its
// wait status.
int wait_status(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

// A stand-in for fitformer: a child that runs the "trainer" (a shell writing its pid, then
// sleeping 5 minutes) with run_trainer. Killing the stand-in must kill the trainer at once;
// without the death signal it would outlive it, sleeping, and exit 0 after 5 minutes.
TEST(TrainerProcess, TheTrainerDiesWithItsParent) {
  TempDir dir;
  const fs::path pid_file = dir.path() / "trainer.pid";
  // Orphans of our children come to us, so the trainer's end can be waited for.
  ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  const pid_t parent = ::fork();
  ASSERT_GE(parent, 0);
  if (parent == 0) {
    const int status =
        run_trainer("/bin/sh",
                    {"-c", "echo $$ > '" + pid_file.string() + ".tmp'; mv '" + pid_file.string() +
                               ".tmp' '" + pid_file.string() + "'; exec sleep 300"},
                    TrainerOutput::kToStderr);
    ::_exit(status == 0 ? 0 : 1);
  }
  const std::string line = wait_for_line(pid_file);
  ASSERT_FALSE(line.empty()) << "the trainer never started";
  const pid_t trainer = static_cast<pid_t>(std::stol(line));
  ASSERT_EQ(::kill(parent, SIGKILL), 0);
  const int parent_status = wait_status(parent);
  EXPECT_TRUE(WIFSIGNALED(parent_status));
  const int status = wait_status(trainer);
  ::prctl(PR_SET_CHILD_SUBREAPER, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the trainer outlived its parent and exited by itself";
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
}

TEST(FolderLock, ASecondWriterIsRefusedWithTheHoldersId) {
  TempDir dir;
  const fs::path out = dir.path() / "run";
  {
    const FolderLock first(out);
    EXPECT_EQ(read_file(out / "fitformer.lock"), std::to_string(::getpid()) + "\n");
    // flock locks belong to the open file, so a second open in this process conflicts too.
    try {
      const FolderLock second(out);
      FAIL() << "the second lock was granted";
    } catch (const Error& e) {
      EXPECT_EQ(e.file(), (out / "fitformer.lock").string());
      EXPECT_EQ(e.field(), "lock");
      EXPECT_NE(e.found().find("process " + std::to_string(::getpid()) + " holds it"),
                std::string::npos)
          << e.what();
    }
  }
  // Released with its holder; the stale file left behind blocks nothing.
  EXPECT_TRUE(fs::exists(out / "fitformer.lock"));
  EXPECT_NO_THROW(FolderLock{out});
}

// An exec'd trainer holds the lock it inherited: after fitformer's own descriptor is closed,
// the folder stays locked until the trainer exits.
TEST(FolderLock, TheTrainerKeepsTheLockItInherits) {
  TempDir dir;
  const fs::path out = dir.path() / "run";
  const fs::path started = dir.path() / "started";
  pid_t trainer = -1;
  {
    const FolderLock lock(out);
    trainer = ::fork();
    ASSERT_GE(trainer, 0);
    if (trainer == 0) {
      const std::string script = "echo x > '" + started.string() + "'; exec sleep 300";
      ::execl("/bin/sh", "sh", "-c", script.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ASSERT_FALSE(wait_for_line(started).empty());
  }
  EXPECT_THROW(FolderLock{out}, Error) << "released while the trainer still runs";
  ::kill(trainer, SIGKILL);
  wait_status(trainer);
  EXPECT_NO_THROW(FolderLock{out});
}

}  // namespace
}  // namespace fitformer::jobs
