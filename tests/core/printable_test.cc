// Tests of one-line output for foreign text: escaping, caps that never split a character or
// an escape, the capped Error message, and the safe-name rule for path components.
#include "core/printable.h"

#include <gtest/gtest.h>

#include <string>

#include "core/error.h"
#include "core/safe_name.h"

namespace fitformer {
namespace {

TEST(Printable, EscapesControlCharactersAndInvalidUtf8) {
  EXPECT_EQ(printable("plain text", 100), "plain text");
  EXPECT_EQ(printable("a\nb\tc\rd", 100), "a\\nb\\tc\\rd");
  EXPECT_EQ(printable("\x1b[31mred", 100), "\\x1b[31mred");  // an ANSI colour escape
  EXPECT_EQ(printable(std::string("nul\0x", 5), 100), "nul\\x00x");
  EXPECT_EQ(printable("del\x7f", 100), "del\\x7f");
  EXPECT_EQ(printable("caf\xc3\xa9", 100), "caf\xc3\xa9");    // valid UTF-8 stays
  EXPECT_EQ(printable("\xff\xc3", 100), "\\xff\\xc3");        // invalid bytes are escaped
  EXPECT_EQ(printable("csi\xc2\x9b", 100), "csi\\xc2\\x9b");  // C1 control U+009B
  EXPECT_TRUE(is_printable("caf\xc3\xa9 ok"));
  EXPECT_FALSE(is_printable("line\nbreak"));
  EXPECT_FALSE(is_printable("\xc2\x9b"));
  EXPECT_FALSE(is_printable("\xe9"));
}

TEST(Printable, CutsAtUnitBoundariesWithAnEllipsis) {
  EXPECT_EQ(printable("abcdefghij", 10), "abcdefghij");
  EXPECT_EQ(printable("abcdefghijk", 10), "abcdefg...");
  // Each "\n" is a two-character unit: the cut never leaves half of one.
  EXPECT_EQ(printable("\n\n\n\n\n\n", 8), "\\n\\n...");
  // A two-byte character is kept whole or dropped whole.
  EXPECT_EQ(printable("aaaa\xc3\xa9zzzz", 8), "aaaa...");
  EXPECT_EQ(printable_tail("/very/long/path/to/model.safetensors", 20), "...model.safetensors");
  // A megabyte costs no more than the cap.
  const std::string huge(1 << 20, 'x');
  EXPECT_EQ(printable(huge, 50).size(), 50u);
  EXPECT_EQ(printable_tail(huge, 50).size(), 50u);
}

TEST(Error, MessageIsOneCappedLineWhateverThePartsHold) {
  const std::string huge_found(400 * 1000, 'z');  // a 400 KB line of a data file
  const Error e("/data/rows.tsv", "line 1", "a header row", huge_found);
  const std::string what = e.what();
  EXPECT_LE(what.size(), kMaxErrorChars);
  EXPECT_EQ(what.rfind("/data/rows.tsv: line 1: expected a header row, found zzz", 0), 0u) << what;
  EXPECT_EQ(what.substr(what.size() - 3), "...");
  EXPECT_EQ(e.found().size(), huge_found.size());  // the parts stay whole for callers

  const Error escaped("cat\nalog.toml", "device[\x1b[2Jx].id", "a safe name", "\"a\nb\"");
  EXPECT_STREQ(escaped.what(),
               "cat\\nalog.toml: device[\\x1b[2Jx].id: expected a safe name, found \"a\\nb\"");

  // The file name survives a long path; a long expectation is cut before the line is.
  const std::string deep = "/" + std::string(300, 'd') + "/config.json";
  const Error long_parts(deep, "field", std::string(500, 'e'), "found-part");
  const std::string line = long_parts.what();
  EXPECT_LE(line.size(), kMaxErrorChars);
  EXPECT_NE(line.find("config.json: field: expected eee"), std::string::npos) << line;
  EXPECT_NE(line.find(", found found-part"), std::string::npos) << line;
}

TEST(SafeName, AcceptsPlainNamesOnly) {
  for (const char* good : {"sotu-lm", "a", "My_Recipe.v2", "zcu104", "x-1.0"})
    EXPECT_TRUE(is_safe_name(good)) << good;
  for (const char* bad : {"", ".", "..", ".hidden", "../../x", "/abs/path", "a/b", "a b",
                          "new\nline", "esc\x1b[0m", "caf\xc3\xa9", "semi;colon"})
    EXPECT_FALSE(is_safe_name(bad)) << bad;
  EXPECT_TRUE(is_safe_name(std::string(100, 'a')));
  EXPECT_FALSE(is_safe_name(std::string(101, 'a')));
}

}  // namespace
}  // namespace fitformer
