// Whole-file reads and atomic writes on top of POSIX (fsync has no std:: equivalent).
#include "core/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "core/error.h"
#include "core/random.h"

namespace fitformer {
namespace fs = std::filesystem;

namespace {

std::string kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a folder";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  return "not a regular file";
}

}  // namespace

RegularFile::RegularFile(const fs::path& path) {
  // O_NONBLOCK makes open() return at once on a FIFO; fstat on the descriptor then judges
  // the very file that was opened (no window between a check and the open).
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd_ < 0) {
    const int err = errno;
    throw Error(path.string(), "", "a readable file",
                err == ENOENT ? "it is missing" : std::strerror(err));
  }
  struct stat st {};
  if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
    const std::string found = kind_of(st.st_mode);
    ::close(fd_);
    throw Error(path.string(), "", "a regular file", found);
  }
  // Regular files ignore O_NONBLOCK, but reads should not depend on that.
  ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) & ~O_NONBLOCK);
  size_ = static_cast<size_t>(st.st_size);
}

RegularFile::~RegularFile() {
  if (fd_ >= 0) ::close(fd_);
}

std::string read_file(const fs::path& path) {
  const RegularFile file(path);
  std::string bytes;
  bytes.resize(file.size());
  size_t got = 0;
  // Reads to the end, not to the size seen at opening: a file that grows or shrinks
  // meanwhile still yields what was there.
  while (true) {
    if (got == bytes.size()) bytes.resize(bytes.size() + 4096);
    const ssize_t n = ::read(file.fd(), bytes.data() + got, bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error(path.string(), "", "a readable file", std::strerror(errno));
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  bytes.resize(got);
  return bytes;
}

void require_inside(const fs::path& path, const fs::path& dir) {
  std::error_code ec;
  fs::path real_dir = fs::weakly_canonical(dir, ec);
  if (real_dir.filename().empty()) real_dir = real_dir.parent_path();  // "dir/" -> "dir"
  const fs::path real = ec ? fs::path() : fs::weakly_canonical(path, ec);
  const bool inside =
      !ec && !real.empty() &&
      std::mismatch(real_dir.begin(), real_dir.end(), real.begin(), real.end()).first ==
          real_dir.end();
  if (!inside) {
    throw Error(path.string(), "", "a file inside " + dir.string(), "a link that leads out of it");
  }
}

void write_file_atomic(const fs::path& path, std::string_view bytes) {
  const fs::path parent = path.has_parent_path() ? path.parent_path() : fs::path(".");
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec) throw Error(parent.string(), "", "a folder that can be created", ec.message());

  // A unique temp name in the same folder, so the rename stays on one filesystem.
  Rng rng(static_cast<uint64_t>(::getpid()) ^ reinterpret_cast<uintptr_t>(&bytes) ^
          static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
  const fs::path tmp =
      parent / (path.filename().string() + ".tmp" + std::to_string(rng.below(1u << 30)));
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(tmp.string(), "", "a writable file", std::strerror(errno));
  size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      throw Error(tmp.string(), "", "a writable file", why);
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw Error(tmp.string(), "", "a file flushed to disk", why);
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    ::unlink(tmp.c_str());
    throw Error(path.string(), "", "a file that can be replaced", ec.message());
  }
}

std::vector<fs::path> list_files(const fs::path& dir) {
  require_directory(dir, "folder");
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

void require_directory(const fs::path& path, const std::string& what) {
  std::error_code ec;
  if (!fs::is_directory(path, ec)) {
    throw Error(path.string(), "", "an existing " + what,
                fs::exists(path, ec) ? "a file" : "nothing there");
  }
}

}  // namespace fitformer
