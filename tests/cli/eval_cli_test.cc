// `fitformer eval`: a precision it does not know fails at once with one line naming the
// option's field and the allowed names.
#include <gtest/gtest.h>

#include <string>

#include "common/run_fitformer.h"
#include "common/temp_dir.h"

namespace fitformer {
namespace {

TEST(EvalCli, UnknownPrecisionListsTheAllowedNames) {
  const testing::TempDir dir;
  const testing::CommandResult r = testing::run_fitformer("eval --model " + dir.path().string() +
                                                          " --task spam-cls --precision int4");
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("precision"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("fp32, int16, int8"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("int4"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace fitformer
