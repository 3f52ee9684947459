// Tests of the file guards: a FIFO, folder or device is refused before any read (never a
// hang), reads are whole, and a link out of a data folder is refused.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "common/error_of.h"
#include "common/temp_dir.h"
#include "core/error.h"
#include "core/files.h"

namespace fitformer {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

std::string error_of(const fs::path& file) {
  return testing::error_of([&] { read_file(file); });
}

TEST(RegularFile, RefusesAFifoWithoutBlocking) {
  TempDir dir;
  const fs::path fifo = dir.path() / "model.safetensors";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // A plain open() would wait here for a writer forever; the test finishing is the check.
  EXPECT_EQ(error_of(fifo), fifo.string() + ": expected a regular file, found a FIFO");
  EXPECT_THROW(RegularFile{fifo}, Error);
}

TEST(RegularFile, RefusesFoldersDevicesAndMissingFiles) {
  TempDir dir;
  EXPECT_EQ(error_of(dir.path()),
            dir.path().string() + ": expected a regular file, found a folder");
  EXPECT_EQ(error_of("/dev/null"), "/dev/null: expected a regular file, found a device");
  EXPECT_EQ(error_of(dir.path() / "none"),
            (dir.path() / "none").string() + ": expected a readable file, found it is missing");
}

TEST(RegularFile, ReadsWholeFilesAndFollowsLinksToRegularFiles) {
  TempDir dir;
  std::string bytes(100000, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 7);
  const fs::path file = dir.write("data.bin", bytes);
  EXPECT_EQ(read_file(file), bytes);
  EXPECT_EQ(read_file(dir.write("empty", "")), "");
  fs::create_symlink(file, dir.path() / "link");
  EXPECT_EQ(read_file(dir.path() / "link"), bytes);
  const RegularFile opened(file);
  EXPECT_EQ(opened.size(), bytes.size());
}

TEST(RequireInside, RefusesLinksThatLeaveTheFolder) {
  TempDir dir;
  const fs::path data = dir.path() / "texts";
  const fs::path inside = dir.write("texts/a.txt", "doc");
  const fs::path outside = dir.write("secret.txt", "not a document");
  fs::create_symlink(outside, data / "b.txt");
  fs::create_symlink(inside, data / "c.txt");
  fs::create_symlink("../secret.txt", data / "d.txt");
  EXPECT_NO_THROW(require_inside(inside, data));
  EXPECT_NO_THROW(require_inside(data / "c.txt", data));
  EXPECT_NO_THROW(require_inside(data / "c.txt", data.string() + "/"));
  for (const char* name : {"b.txt", "d.txt"}) {
    try {
      require_inside(data / name, data);
      ADD_FAILURE() << name << " leads out of the folder but was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()), (data / name).string() + ": expected a file inside " +
                                           data.string() + ", found a link that leads out of it");
    }
  }
}

}  // namespace
}  // namespace fitformer
