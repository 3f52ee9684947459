// FolderLock: flock on a lock file inside the folder, the holder's process id written in it.
#include "jobs/folder_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "core/error.h"

namespace fitformer::jobs {
namespace {

// The process id a holder wrote, or "another process" while it has not written it yet.
std::string holder(int fd) {
  char buf[32] = {};
  const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  std::string id(buf, n > 0 ? static_cast<size_t>(n) : 0);
  while (!id.empty() && (id.back() == '\n' || id.back() == ' ')) id.pop_back();
  if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos)
    return "another process";
  return "process " + id;
}

}  // namespace

FolderLock::FolderLock(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  const std::filesystem::path file = dir / "fitformer.lock";
  // Not O_CLOEXEC: the trainer inherits the lock (see the header).
  fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK, 0644);
  if (fd_ < 0) throw Error(file.string(), "lock", "a lock file to open", std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    const std::string who = err == EWOULDBLOCK ? holder(fd_) : std::strerror(err);
    ::close(fd_);
    throw Error(file.string(), "lock", "no other fitformer run writing its folder",
                err == EWOULDBLOCK ? who + " holds it (wait for it or stop it)" : who);
  }
  const std::string id = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, id.data(), id.size(), 0) < 0) {
    // The lock holds without the id; only the message of a second run is poorer.
  }
}

FolderLock::~FolderLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace fitformer::jobs
