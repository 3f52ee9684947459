// Progress without a terminal: silent by default, one plain line per interval and at finish
// when asked (log_every), never the bar's carriage returns.
#include "core/progress.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>

namespace fitformer {
namespace {

TEST(Progress, SilentWithoutTerminalUnlessAskedToLog) {
  testing::internal::CaptureStderr();
  {
    Progress progress("train", 10, "step", false);
    for (int i = 0; i < 10; ++i) progress.advance();
  }
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
}

TEST(Progress, LogModeWritesPlainLinesAndAFinalOne) {
  testing::internal::CaptureStderr();
  {
    Progress progress("train demo", 10, "step", false);
    progress.resume_from(4);  // a resumed run: 4 steps were done before
    progress.log_every(std::chrono::hours(1));
    for (int i = 0; i < 6; ++i) progress.advance();
    progress.set_note("loss 1.234");
    progress.finish();
    progress.finish();  // idempotent
  }
  const std::string out = testing::internal::GetCapturedStderr();
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  EXPECT_EQ(out.find('\r'), std::string::npos) << out;
  EXPECT_NE(out.find("train demo"), std::string::npos) << out;
  EXPECT_NE(out.find("100% 10/10 step"), std::string::npos) << out;
  EXPECT_NE(out.find("loss 1.234"), std::string::npos) << out;
}

}  // namespace
}  // namespace fitformer
