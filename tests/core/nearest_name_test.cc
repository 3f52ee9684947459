// Edit distance against distances worked out by hand, and the nearest-name rule that error
// messages use ("did you mean ...?").
#include "core/nearest_name.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace fitformer {
namespace {

TEST(EditDistance, CountsInsertionsDeletionsSubstitutionsAndSwaps) {
  struct Case {
    const char* a;
    const char* b;
    size_t distance;
  };
  for (const Case& c : {Case{"", "", 0}, Case{"", "abc", 3}, Case{"abc", "", 3},
                        Case{"kv260", "kv260", 0}, Case{"kv206", "kv260", 1},  // one swap
                        Case{"zcu14", "zcu104", 1}, Case{"zcu1044", "zcu104", 1},
                        Case{"u250", "u280", 1}, Case{"kitten", "sitting", 3},
                        Case{"ca", "abc", 3},  // OSA: a swapped pair is not edited again
                        Case{"Host", "host", 1}}) {
    EXPECT_EQ(edit_distance(c.a, c.b), c.distance) << c.a << " / " << c.b;
    EXPECT_EQ(edit_distance(c.b, c.a), c.distance) << c.b << " / " << c.a;
  }
}

TEST(NearestName, SuggestsOnlyALikelyTypo) {
  const std::vector<std::string> ids = {"kv260", "zcu104", "zcu102", "u280", "host"};
  EXPECT_EQ(nearest_name("kv206", ids), "kv260");
  EXPECT_EQ(nearest_name("zcu14", ids), "zcu104");  // ties go to the first listed
  EXPECT_EQ(nearest_name("zcu10", ids), "zcu104");
  EXPECT_EQ(nearest_name("tpu-v4", ids), std::nullopt);  // nothing within 2 edits
  EXPECT_EQ(nearest_name("x", ids), std::nullopt);       // everything is within 2 of one letter
  EXPECT_EQ(nearest_name("kv260", std::vector<std::string>{}), std::nullopt);
  EXPECT_EQ(quoted_with_suggestion("kv206", ids), "\"kv206\" (did you mean \"kv260\"?)");
  EXPECT_EQ(quoted_with_suggestion("tpu-v4", ids), "\"tpu-v4\"");
}

}  // namespace
}  // namespace fitformer
