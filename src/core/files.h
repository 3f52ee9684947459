// Reading and writing whole files. Every write is atomic: the bytes go to a temporary file
// in the same folder, which is flushed and renamed over the target, so an interrupted run
// leaves either the old file or the new one, never half of one.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace fitformer {

// Whole file as bytes; throws Error naming the file if it is missing or unreadable.
std::string read_file(const std::filesystem::path& path);

// Writes bytes to path atomically (temp file + fsync + rename); creates parent folders.
void write_file_atomic(const std::filesystem::path& path, std::string_view bytes);

// Regular files directly inside dir, sorted by name; throws Error if dir is not a folder.
std::vector<std::filesystem::path> list_files(const std::filesystem::path& dir);

// Throws Error(path, field, "an existing folder ...") unless path is a folder.
void require_directory(const std::filesystem::path& path, const std::string& what);

}  // namespace fitformer
