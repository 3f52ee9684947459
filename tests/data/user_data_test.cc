// Tests of a user's own data: the three row formats, document folders, split rules, and
// errors that name the line and the column.
#include "data/user_data.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "common/error_of.h"
#include "common/temp_dir.h"
#include "core/error.h"
#include "data/split.h"

namespace fitformer::data {
namespace {

io::DataSpec rows_spec(const std::filesystem::path& path) {
  io::DataSpec spec;
  spec.kind = "classification";
  spec.path = path;
  spec.valid_fraction = 0.2;
  spec.test_fraction = 0.2;
  return spec;
}

std::string error_of(const io::DataSpec& spec) {
  return testing::error_of([&] { load_user_data(spec); });
}

// 10 rows of "good" and 10 of "bad" in the given format.
std::string twenty_rows(const std::string& format) {
  std::string out = format == "tsv" ? "label\ttext\n" : format == "csv" ? "label,text\n" : "";
  for (int i = 0; i < 20; ++i) {
    const std::string label = i % 2 ? "good" : "bad";
    const std::string text = "row number " + std::to_string(i);
    if (format == "tsv") out += label + "\t" + text + "\n";
    if (format == "csv") out += label + ",\"" + text + ", quoted\"\n";
    if (format == "jsonl") out += R"({"text": ")" + text + R"(", "label": ")" + label + "\"}\n";
  }
  return out;
}

TEST(UserData, ReadsTsvCsvAndJsonLines) {
  testing::TempDir dir;
  for (const std::string format : {"tsv", "csv", "jsonl"}) {
    const Dataset d = load_user_data(rows_spec(dir.write("rows." + format, twenty_rows(format))));
    EXPECT_EQ(d.kind, TaskKind::kClassification);
    EXPECT_EQ(d.label_names, (std::vector<std::string>{"bad", "good"})) << format;
    EXPECT_EQ(d.train.size(), 12u) << format;
    EXPECT_EQ(d.valid.size(), 4u) << format;
    EXPECT_EQ(d.test.size(), 4u) << format;
    for (const auto& e : d.valid) EXPECT_TRUE(e.text.starts_with("row number ")) << e.text;
  }
  const Dataset csv = load_user_data(rows_spec(dir.path() / "rows.csv"));
  EXPECT_TRUE(csv.train[0].text.ends_with(", quoted"));
}

TEST(UserData, AByteOrderMarkBeforeTheHeaderIsSkipped) {
  // Excel's "CSV UTF-8" starts with EF BB BF; the header's first column ("label") must still
  // be found, and the rows must equal those of the same file without the mark.
  testing::TempDir dir;
  for (const std::string format : {"tsv", "csv", "jsonl"}) {
    const std::string rows = twenty_rows(format);
    const Dataset plain = load_user_data(rows_spec(dir.write("plain." + format, rows)));
    const Dataset marked =
        load_user_data(rows_spec(dir.write("marked." + format, "\xEF\xBB\xBF" + rows)));
    EXPECT_EQ(marked.label_names, plain.label_names) << format;
    ASSERT_EQ(marked.train.size(), plain.train.size()) << format;
    for (size_t i = 0; i < plain.train.size(); ++i) {
      EXPECT_EQ(marked.train[i].text, plain.train[i].text) << format << " row " << i;
      EXPECT_EQ(marked.train[i].label, plain.train[i].label) << format << " row " << i;
    }
  }
  // A mark anywhere else is text, not skipped: a second one makes the header unknown.
  EXPECT_NE(
      error_of(rows_spec(dir.write("twice.csv", "\xEF\xBB\xBF\xEF\xBB\xBF" + twenty_rows("csv")))),
      "");
}

TEST(UserData, CsvQuotingHoldsCommasQuotesAndNewlines) {
  testing::TempDir dir;
  std::string csv = "text,label\n\"a, \"\"b\"\"\nc\",x\nplain,y\n";
  for (int i = 0; i < 8; ++i) csv += "t" + std::to_string(i) + "," + (i % 2 ? "x" : "y") + "\n";
  auto spec = rows_spec(dir.write("q.csv", csv));
  spec.valid_fraction = spec.test_fraction = 0;
  const Dataset d = load_user_data(spec);
  ASSERT_EQ(d.train.size(), 10u);
  EXPECT_EQ(d.train[0].text, "a, \"b\" c");
  EXPECT_EQ(d.train[0].source, "q.csv:2");
  EXPECT_EQ(d.train[1].source, "q.csv:4");  // the quoted line break moved the next row
}

TEST(UserData, IntegerLabelsSortNumerically) {
  testing::TempDir dir;
  std::string jsonl;
  for (int i = 0; i < 30; ++i)
    jsonl += R"({"text": "t", "label": )" + std::to_string(i % 3 * 5) + "}\n";
  const Dataset d = load_user_data(rows_spec(dir.write("n.jsonl", jsonl)));
  EXPECT_EQ(d.label_names, (std::vector<std::string>{"0", "5", "10"}));
}

TEST(UserData, SplitDoesNotDependOnTheSeedlessOrderButOnTheSeed) {
  testing::TempDir dir;
  const auto spec = rows_spec(dir.write("rows.tsv", twenty_rows("tsv")));
  const Dataset a = load_user_data(spec), b = load_user_data(spec);
  ASSERT_EQ(a.valid.size(), b.valid.size());
  for (size_t i = 0; i < a.valid.size(); ++i) EXPECT_EQ(a.valid[i].source, b.valid[i].source);
  auto other = spec;
  other.seed = 99;
  const Dataset c = load_user_data(other);
  bool differs = false;
  for (size_t i = 0; i < a.valid.size(); ++i) differs |= a.valid[i].source != c.valid[i].source;
  EXPECT_TRUE(differs);
}

TEST(UserData, MalformedRowsNameLineAndColumn) {
  testing::TempDir dir;
  EXPECT_NE(error_of(rows_spec(dir.write("a.tsv", "text\tlabel\nok\tx\nmissing a column\n")))
                .find("a.tsv: line 3: expected 2 columns, found 1"),
            std::string::npos);
  EXPECT_NE(error_of(rows_spec(dir.write("b.tsv", "text\tlabel\nok\t\n"))).find("line 2, column 2"),
            std::string::npos);
  EXPECT_NE(error_of(rows_spec(dir.write("c.tsv", "words\tlabel\nok\tx\n")))
                .find("a column named \"text\""),
            std::string::npos);
  EXPECT_NE(error_of(rows_spec(dir.write("d.csv", "text,label\n\"open,x\n"))).find("closing quote"),
            std::string::npos);
  EXPECT_NE(
      error_of(rows_spec(dir.write("e.csv", "text,label\n\"a\"b,x\n"))).find("line 2, column 1"),
      std::string::npos);
  EXPECT_NE(
      error_of(rows_spec(dir.write("f.jsonl", "{\"text\": \"a\", \"label\": \"x\"}\n{oops\n")))
          .find("f.jsonl: line 2: expected valid JSON, found parse error"),
      std::string::npos);
  EXPECT_NE(error_of(rows_spec(dir.write("g.jsonl", "{\"text\": 5, \"label\": \"x\"}\n")))
                .find("line 1, key \"text\": expected a string, found 5"),
            std::string::npos);
  EXPECT_NE(error_of(rows_spec(dir.write("h.jsonl", "{\"text\": \"a\"}\n"))).find("key \"label\""),
            std::string::npos);
  EXPECT_NE(error_of(rows_spec(dir.write("i.tsv", "text\tlabel\na\tx\nb\tx\n")))
                .find("two distinct labels"),
            std::string::npos);
  EXPECT_NE(error_of(rows_spec(dir.write("j.txt", "x"))).find("data.format"), std::string::npos);
  EXPECT_NE(error_of(rows_spec(dir.path() / "missing.tsv")).find("missing.tsv"), std::string::npos);
}

TEST(UserData, FolderOfDocumentsForLanguageModeling) {
  testing::TempDir dir;
  for (int i = 0; i < 10; ++i)
    dir.write("docs/d" + std::to_string(i) + ".txt", "words of doc " + std::to_string(i));
  dir.write("docs/notes.md", "ignored");
  io::DataSpec spec;
  spec.kind = "language-model";
  spec.path = dir.path() / "docs";
  const Dataset d = load_user_data(spec);
  EXPECT_EQ(d.kind, TaskKind::kLanguageModel);
  EXPECT_EQ(d.train.size(), 8u);
  EXPECT_EQ(d.valid.size(), 1u);
  EXPECT_EQ(d.test.size(), 1u);
  spec.path = dir.path() / "empty";
  std::filesystem::create_directories(spec.path);
  EXPECT_NE(error_of(spec).find("at least 3 non-empty .txt documents"), std::string::npos);
}

// Regressions of issue 12: each input once crashed, hung, escaped the folder or was accepted.
TEST(UserData, JsonLinesAreReadStrictly) {
  testing::TempDir dir;
  const std::string deep = std::string(70000, '[') + std::string(70000, ']');
  EXPECT_EQ(
      error_of(rows_spec(dir.write("deep.jsonl", "{\"text\": " + deep + ", \"label\": 1}\n"))),
      (dir.path() / "deep.jsonl").string() +
          ": line 1: expected JSON nested at most 64 deep, found deeper nesting");
  EXPECT_EQ(
      error_of(rows_spec(dir.write("label.jsonl", "{\"text\": \"a\", \"label\": " + deep + "}\n"))),
      (dir.path() / "label.jsonl").string() +
          ": line 1: expected JSON nested at most 64 deep, found deeper nesting");
  EXPECT_EQ(error_of(rows_spec(
                dir.write("dup.jsonl", "{\"text\": \"a\", \"text\": \"b\", \"label\": 1}\n"))),
            (dir.path() / "dup.jsonl").string() +
                ": line 1, text: expected each key once, found it repeated");
  EXPECT_EQ(error_of(rows_spec(
                dir.write("nul.jsonl", std::string("{\"text\": \"a\", \"label\": 1}\0x\n", 28)))),
            (dir.path() / "nul.jsonl").string() +
                ": line 1: expected valid JSON, found a NUL byte at offset 25");
  // A non-string text is described, not dumped.
  EXPECT_EQ(
      error_of(rows_spec(dir.write("obj.jsonl", "{\"text\": {\"a\": [1, 2]}, \"label\": 1}\n"))),
      (dir.path() / "obj.jsonl").string() +
          ": line 1, key \"text\": expected a string, found an object of 1 keys");
}

TEST(UserData, TextAndLabelMustBeDifferentColumns) {
  testing::TempDir dir;
  io::DataSpec spec = rows_spec(dir.write("rows.tsv", "text\tlabel\na\tx\nb\ty\n"));
  spec.label_field = "text";
  EXPECT_EQ(error_of(spec), spec.path.string() +
                                ": data.label_field: expected a column other than "
                                "data.text_field, found \"text\"");
}

TEST(UserData, LabelsWithControlCharactersAreRefused) {
  testing::TempDir dir;
  const io::DataSpec spec =
      rows_spec(dir.write("esc.tsv", "text\tlabel\na\tgood\nb\tbad\x1b[2J\n"));
  EXPECT_EQ(error_of(spec), spec.path.string() +
                                ": line 3, label: expected a label without control characters, "
                                "found \"bad\\x1b[2J\"");
}

TEST(UserData, ErrorsEchoNoMoreThanALineOfTheFile) {
  testing::TempDir dir;
  // A 400 KB header line without the text column used to come back whole in the error.
  const std::string header = std::string(400 * 1000, 'h') + "\tlabel\n";
  const std::string e = error_of(rows_spec(dir.write("wide.tsv", header + "a\tx\n")));
  EXPECT_LE(e.size(), 200u);
  EXPECT_NE(e.find("wide.tsv: line 1: expected a column named \"text\""), std::string::npos) << e;
}

TEST(UserData, FifoAndLinksOutOfTheFolderAreRefused) {
  testing::TempDir dir;
  const auto fifo = dir.path() / "rows.tsv";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(error_of(rows_spec(fifo)), fifo.string() + ": expected a regular file, found a FIFO");

  for (int i = 0; i < 4; ++i) dir.write("docs/d" + std::to_string(i) + ".txt", "words");
  const auto secret = dir.write("secret.txt", "a file outside the data folder");
  std::filesystem::create_symlink(secret, dir.path() / "docs" / "zz.txt");
  io::DataSpec spec;
  spec.kind = "language-model";
  spec.path = dir.path() / "docs";
  EXPECT_EQ(error_of(spec), (spec.path / "zz.txt").string() + ": expected a file inside " +
                                spec.path.string() + ", found a link that leads out of it");
}

TEST(UserData, ParsesRowsHeldInMemory) {
  io::DataSpec spec = rows_spec("/nowhere/rows.csv");
  const Dataset d = parse_user_rows(twenty_rows("csv"), spec);
  EXPECT_EQ(d.label_names, (std::vector<std::string>{"bad", "good"}));
  EXPECT_EQ(d.train.size() + d.valid.size() + d.test.size(), 20u);
}

TEST(Split, StratifiedKeepsProportionsAndCoversEverything) {
  std::vector<Example> examples;
  for (int i = 0; i < 1000; ++i)
    examples.push_back({std::to_string(i), i < 900 ? 0 : 1, std::to_string(i)});
  Dataset d;
  split_stratified(examples, 2, SplitFractions{0.1, 0.2, 3}, d);
  EXPECT_EQ(d.valid.size(), 100u);
  EXPECT_EQ(d.test.size(), 200u);
  EXPECT_EQ(d.train.size(), 700u);
  size_t minority_valid = 0;
  for (const auto& e : d.valid) minority_valid += e.label == 1;
  EXPECT_EQ(minority_valid, 10u);
  // Source order within a split.
  for (size_t i = 1; i < d.train.size(); ++i) {
    EXPECT_LT(std::stoi(d.train[i - 1].source), std::stoi(d.train[i].source));
  }
}

}  // namespace
}  // namespace fitformer::data
