// Whole-file reads and atomic writes on top of POSIX (fsync has no std:: equivalent).
#include "core/files.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>

#include "core/error.h"
#include "core/random.h"

namespace fitformer {
namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw Error(path.string(), "", "a file", "a folder");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string(), "", "a readable file", "it is missing or unreadable");
  std::string bytes;
  in.seekg(0, std::ios::end);
  const auto size = in.tellg();
  if (size < 0) throw Error(path.string(), "", "a readable file", "an unseekable stream");
  bytes.resize(static_cast<size_t>(size));
  in.seekg(0);
  in.read(bytes.data(), size);
  if (!in) throw Error(path.string(), "", "a readable file", "a read error");
  return bytes;
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
