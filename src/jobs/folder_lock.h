// An exclusive lock on a folder a job writes (a run folder, a prune folder), so that two
// fitformer runs never write one folder at once: the second stops with an error naming the
// process that holds it.
#pragma once

#include <filesystem>

namespace fitformer::jobs {

// flock(LOCK_EX) on <dir>/fitformer.lock (created with dir when absent), holding the locking
// process's id for the message a second run prints. The descriptor is inherited by the
// trainer (no close-on-exec), so the lock lasts until fitformer and its trainer are both
// gone, and an exec'd trainer keeps it; the kernel drops it when the last of them exits,
// killed or not, so a stale lock file never blocks a rerun.
class FolderLock {
 public:
  // Throws Error(<dir>/fitformer.lock, "lock", "no other fitformer run writing its folder",
  // "process N holds it ...") when another process holds the lock, or naming why the file
  // cannot be opened.
  explicit FolderLock(const std::filesystem::path& dir);
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;
  ~FolderLock();

 private:
  int fd_ = -1;
};

}  // namespace fitformer::jobs
