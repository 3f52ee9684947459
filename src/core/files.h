// Reading and writing whole files. Every write is atomic: the bytes go to a temporary file
// in the same folder, which is flushed and renamed over the target, so an interrupted run
// leaves either the old file or the new one, never half of one.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace fitformer {

// A regular file opened read-only, closed on destruction. Opening never blocks: a FIFO,
// socket, device or folder in place of a file is refused before any read (a FIFO opened the
// plain way would wait forever for a writer).
class RegularFile {
 public:
  // Throws Error(path, "", "a regular file", what it found) or naming why it cannot be opened.
  explicit RegularFile(const std::filesystem::path& path);
  RegularFile(const RegularFile&) = delete;
  RegularFile& operator=(const RegularFile&) = delete;
  ~RegularFile();

  int fd() const { return fd_; }
  size_t size() const { return size_; }  // at opening

 private:
  int fd_ = -1;
  size_t size_ = 0;
};

// Whole file as bytes, through RegularFile; throws Error naming the file if it is missing,
// not a regular file, or unreadable.
std::string read_file(const std::filesystem::path& path);

// Throws Error(path, "", "a file inside DIR", ...) unless path, with every link resolved,
// lies inside dir (also resolved): a data folder's entries may not lead out of it.
void require_inside(const std::filesystem::path& path, const std::filesystem::path& dir);

// Writes bytes to path atomically (temp file + fsync + rename); creates parent folders.
void write_file_atomic(const std::filesystem::path& path, std::string_view bytes);

// Regular files directly inside dir, sorted by name; throws Error if dir is not a folder.
std::vector<std::filesystem::path> list_files(const std::filesystem::path& dir);

// Throws Error(path, field, "an existing folder ...") unless path is a folder.
void require_directory(const std::filesystem::path& path, const std::string& what);

}  // namespace fitformer
