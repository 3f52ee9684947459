// Tests of the built-in tasks on the real files that scripts/setup fetched: the published
// counts, and splits that are disjoint, complete and identical from run to run.
#include <gtest/gtest.h>

#include <set>

#include "common/temp_dir.h"
#include "core/error.h"
#include "data/tasks.h"
#include "data/wordnet.h"

namespace fitformer::data {
namespace {

size_t total(const Dataset& d) {
  return d.train.size() + d.valid.size() + d.test.size();
}

std::vector<size_t> label_counts(const Dataset& d) {
  std::vector<size_t> counts(d.label_names.size(), 0);
  for (const auto* split : {&d.train, &d.valid, &d.test}) {
    for (const Example& e : *split) ++counts.at(static_cast<size_t>(e.label));
  }
  return counts;
}

// Every example's source appears in exactly one split.
void expect_disjoint(const Dataset& d) {
  std::set<std::string> seen;
  for (const auto* split : {&d.train, &d.valid, &d.test}) {
    for (const Example& e : *split) EXPECT_TRUE(seen.insert(e.source).second) << e.source;
  }
  EXPECT_EQ(seen.size(), total(d));
}

void expect_same_split(const Dataset& a, const Dataset& b) {
  const auto sources = [](const std::vector<Example>& v) {
    std::vector<std::string> s;
    for (const auto& e : v) s.push_back(e.source);
    return s;
  };
  EXPECT_EQ(sources(a.train), sources(b.train));
  EXPECT_EQ(sources(a.valid), sources(b.valid));
  EXPECT_EQ(sources(a.test), sources(b.test));
}

TEST(BuiltinTasks, SotuHas233AddressesSplitByYear) {
  const Dataset d = load_builtin_task("sotu-lm", testing::data_dir());
  EXPECT_EQ(d.kind, TaskKind::kLanguageModel);
  EXPECT_EQ(total(d), 233u);
  expect_disjoint(d);
  const auto year = [](const Example& e) { return std::stoi(e.source.substr(0, 4)); };
  for (const auto& e : d.train) EXPECT_LE(year(e), 1990);
  for (const auto& e : d.valid) EXPECT_TRUE(year(e) >= 1991 && year(e) <= 2005);
  for (const auto& e : d.test) EXPECT_TRUE(year(e) >= 2006 && year(e) <= 2021);
  EXPECT_EQ(d.test.size(), 16u);  // 2006-2021, one address a year
  size_t words = 0;
  for (const auto* split : {&d.train, &d.valid, &d.test}) {
    for (const auto& e : *split) {
      EXPECT_EQ(e.label, -1);
      words += std::count(e.text.begin(), e.text.end(), ' ') + 1;
    }
  }
  EXPECT_GT(words, 1'700'000u);  // about 1.8M words
  EXPECT_TRUE(d.train.front().text.starts_with("Fellow-Citizens of the Senate"));
}

TEST(BuiltinTasks, WordnetHas82115GlossesIn26Supersenses) {
  const Dataset d = load_builtin_task("wordnet-cls", testing::data_dir());
  EXPECT_EQ(total(d), 82115u);
  ASSERT_EQ(d.label_names.size(), 26u);
  EXPECT_EQ(d.label_names.front(), "noun.Tops");
  EXPECT_EQ(d.label_names.back(), "noun.time");
  expect_disjoint(d);
  const auto counts = label_counts(d);
  for (size_t l = 0; l < counts.size(); ++l) EXPECT_GT(counts[l], 30u) << d.label_names[l];
  // Stratified: each split holds each label in proportion (10% +- rounding).
  std::vector<size_t> valid(26, 0);
  for (const auto& e : d.valid) ++valid[static_cast<size_t>(e.label)];
  for (size_t l = 0; l < 26; ++l) {
    EXPECT_NEAR(static_cast<double>(valid[l]), counts[l] * 0.1, 0.51) << d.label_names[l];
  }
  // The first synset of the file: "entity", noun.Tops.
  const auto all = read_wordnet_nouns(testing::data_dir() / "wordnet" / "data.noun");
  EXPECT_EQ(all.front().label, 0);
  EXPECT_TRUE(all.front().text.starts_with("that which is perceived or known")) << all.front().text;
}

TEST(BuiltinTasks, SpamHas4150HamAnd1896Spam) {
  const Dataset d = load_builtin_task("spam-cls", testing::data_dir());
  EXPECT_EQ(total(d), 6046u);
  ASSERT_EQ(d.label_names, (std::vector<std::string>{"ham", "spam"}));
  const auto counts = label_counts(d);
  EXPECT_EQ(counts[0], 4150u);
  EXPECT_EQ(counts[1], 1896u);
  expect_disjoint(d);
  // Headers are gone: no example starts with a mail header line.
  size_t with_headers = 0, with_tags = 0;
  for (const auto* split : {&d.train, &d.valid, &d.test}) {
    for (const auto& e : *split) {
      with_headers += e.text.starts_with("From ") ||
                      e.text.find("Received: from") != std::string::npos ||
                      e.text.find("Return-Path:") != std::string::npos;
      with_tags +=
          e.text.find("</td>") != std::string::npos || e.text.find("<br>") != std::string::npos;
    }
  }
  EXPECT_LT(with_headers, 30u);  // forwarded mails quote headers in their bodies
  EXPECT_LT(with_tags, 10u);     // a few plain-text mails quote a tag or two
}

TEST(BuiltinTasks, SplitsAreIdenticalAcrossRuns) {
  for (const std::string task : {"wordnet-cls", "spam-cls"}) {
    expect_same_split(load_builtin_task(task, testing::data_dir()),
                      load_builtin_task(task, testing::data_dir()));
  }
}

TEST(BuiltinTasks, BadInputGivesClearErrors) {
  testing::TempDir dir;
  const auto message = [&](const std::string& task, const std::filesystem::path& data) {
    try {
      load_builtin_task(task, data);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("imagenet", testing::data_dir()).find("one of: sotu-lm, wordnet-cls, spam-cls"),
            std::string::npos);
  EXPECT_NE(message("sotu-lm", dir.path() / "none").find("run it first"), std::string::npos);
  EXPECT_NE(message("spam-cls", dir.path()).find("run scripts/setup"), std::string::npos);

  // A truncated data.noun: cut mid-line.
  dir.write("wordnet/data.noun",
            "  1 licence line\n00001740 03 n 01 entity 0 000 | that which is perceived\n"
            "00001930 03 n 01 physical_ent");
  EXPECT_NE(message("wordnet-cls", dir.path()).find("cut-off last line"), std::string::npos);
  // A corrupt synset line names the line and the field.
  dir.write("wordnet/data.noun",
            "00001740 03 n 01 entity 0 000 | ok\n00001930 99 n 01 x 0 000 | y\n");
  const std::string bad_lex = message("wordnet-cls", dir.path());
  EXPECT_NE(bad_lex.find("data.noun:2: lex_filenum"), std::string::npos) << bad_lex;
  dir.write("wordnet/data.noun", "00001740 03 n 01 entity 0 000 no gloss marker\n");
  EXPECT_NE(message("wordnet-cls", dir.path()).find("gloss"), std::string::npos);

  // A spam file list that is not JSON, and one that names a missing mail.
  dir.write("spam-assassin/data/file_list.json", "[\"easy-ham-1/0001.txt\"");
  EXPECT_NE(message("spam-cls", dir.path()).find("file_list.json"), std::string::npos);
  dir.write("spam-assassin/data/file_list.json", "[\"easy-ham-1/0001.txt\"]");
  EXPECT_NE(message("spam-cls", dir.path()).find("0001.txt"), std::string::npos);
  dir.write("spam-assassin/data/file_list.json", "[\"ham-9/0001.txt\"]");
  EXPECT_NE(message("spam-cls", dir.path()).find("group"), std::string::npos);
  // Regression of issue 12: nested 70,000 deep, this overflowed the stack when printed.
  dir.write("spam-assassin/data/file_list.json", std::string(70000, '[') + std::string(70000, ']'));
  EXPECT_EQ(message("spam-cls", dir.path()),
            (dir.path() / "spam-assassin/data/file_list.json").string() +
                ": expected JSON nested at most 64 deep, found deeper nesting");
  dir.write("spam-assassin/data/file_list.json", "[{\"a\": [1, 2, 3]}]");
  EXPECT_NE(
      message("spam-cls", dir.path()).find("expected a path string, found an object of 1 keys"),
      std::string::npos);

  // A sotu file with a malformed name.
  dir.write("sotu/data/17x0_washington.txt", "text");
  EXPECT_NE(message("sotu-lm", dir.path()).find("YEAR_NAME_PARTY"), std::string::npos);
}

}  // namespace
}  // namespace fitformer::data
