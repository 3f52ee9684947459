// Tests of the strict JSON reader every foreign JSON goes through: nesting capped without
// recursion, repeated keys and NUL bytes refused, values described briefly.
#include "io/json_reader.h"

#include <gtest/gtest.h>

#include <string>

#include "common/error_of.h"
#include "core/error.h"

namespace fitformer::io {
namespace {

std::string error_of(const std::string& text, const std::string& field = "") {
  return testing::error_of([&] { parse_json(text, "/x/f.json", field); });
}

std::string nested(size_t depth, char open, char close, const std::string& core = "1") {
  return std::string(depth, open) + core + std::string(depth, close);
}

TEST(JsonReader, ParsesOrdinaryJson) {
  const auto j = parse_json(R"({"a": [1, 2.5, "x", null, true], "b": {"c": {}}})", "f");
  EXPECT_EQ(j["a"][2], "x");
  EXPECT_TRUE(j["b"]["c"].is_object());
  EXPECT_EQ(parse_json(nested(kMaxJsonDepth, '[', ']'), "f").size(), 1u);
}

TEST(JsonReader, CapsNestingLongBeforeTheStackRunsOut) {
  const std::string limit =
      "/x/f.json: header: expected JSON nested at most 64 deep, found "
      "deeper nesting";
  EXPECT_EQ(error_of(nested(kMaxJsonDepth + 1, '[', ']'), "header"), limit);
  // 70,000 deep (140 KB) used to overflow the stack when an error printed it with dump().
  EXPECT_EQ(error_of(nested(70000, '[', ']'), "header"), limit);
  std::string objects;
  for (int i = 0; i < 70000; ++i) objects += "{\"k\":";
  EXPECT_NE(error_of(objects + "1" + std::string(70000, '}')).find("nested at most 64"),
            std::string::npos);
}

TEST(JsonReader, RefusesRepeatedKeysNamingThePath) {
  EXPECT_EQ(error_of(R"({"a": 1, "a": 2})"),
            "/x/f.json: a: expected each key once, found it repeated");
  EXPECT_EQ(error_of(R"({"t": {"dtype": "F32", "dtype": "F16"}})", "header"),
            "/x/f.json: header, t.dtype: expected each key once, found it repeated");
  // The same key in sibling objects is fine.
  EXPECT_NO_THROW(parse_json(R"([{"a": 1}, {"a": 2}])", "f"));
}

TEST(JsonReader, RefusesNulBytesAndSyntaxErrorsOnOneLine) {
  // nlohmann stops at a NUL and would ignore whatever follows it.
  EXPECT_EQ(error_of(std::string("{\"a\": 1}\0{\"b\": 2}", 17), "line 3"),
            "/x/f.json: line 3: expected valid JSON, found a NUL byte at offset 8");
  const std::string syntax = error_of("{\"a\": \n\x1b[2J}");
  EXPECT_EQ(syntax.rfind("/x/f.json: expected valid JSON, found parse error at line 2", 0), 0u)
      << syntax;
  EXPECT_EQ(syntax.find('\n'), std::string::npos);
  EXPECT_EQ(syntax.find('\x1b'), std::string::npos);
}

TEST(JsonReader, DescribesValuesBriefly) {
  EXPECT_EQ(describe_json(nlohmann::json(3)), "3");
  EXPECT_EQ(describe_json(nlohmann::json("abc")), "\"abc\"");
  EXPECT_EQ(describe_json(nlohmann::json::array({1, 2, 3})), "an array of 3");
  EXPECT_EQ(describe_json(nlohmann::json::object()), "an object of 0 keys");
  const std::string long_text = std::string(39, 'a') + "\xc3\xa9" + std::string(100, 'b');
  const std::string d = describe_json(nlohmann::json(long_text));
  EXPECT_LT(d.size(), 50u);
  EXPECT_EQ(d.substr(d.size() - 3), "...");
}

}  // namespace
}  // namespace fitformer::io
