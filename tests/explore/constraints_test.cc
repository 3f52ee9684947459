// The constraints of `fitformer select` as parsed from the command line: units, directions,
// the relative drop, and errors that name the flag at fault.
#include "explore/constraints.h"

#include <gtest/gtest.h>

#include <string>

#include "core/error.h"

namespace fitformer::explore {
namespace {

// The field of the Error `fn` throws; "" when it throws nothing.
template <typename Fn>
std::string error_field(Fn fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.field();
  }
  return "";
}

TEST(ParseAccuracyConstraint, ReadsMetricDirectionAndThreshold) {
  const AccuracyConstraint acc = parse_accuracy_constraint("acc>=0.80");
  EXPECT_EQ(acc.metric, "acc");
  EXPECT_TRUE(acc.higher_is_better);
  EXPECT_DOUBLE_EQ(acc.threshold, 0.80);

  const AccuracyConstraint ppl = parse_accuracy_constraint("ppl <= 180");
  EXPECT_EQ(ppl.metric, "ppl");
  EXPECT_FALSE(ppl.higher_is_better);
  EXPECT_DOUBLE_EQ(ppl.threshold, 180);

  const AccuracyConstraint f1 = parse_accuracy_constraint("f1>=0.9");
  EXPECT_EQ(f1.metric, "f1");
  EXPECT_TRUE(f1.higher_is_better);
  EXPECT_EQ(to_string(f1), "f1>=0.9");
  EXPECT_EQ(to_string(ppl), "ppl<=180");
}

TEST(ParseAccuracyConstraint, MeetsFollowsTheMetricsDirection) {
  const AccuracyConstraint acc = parse_accuracy_constraint("acc>=0.8");
  EXPECT_TRUE(meets(acc, 0.8));
  EXPECT_TRUE(meets(acc, 0.81));
  EXPECT_FALSE(meets(acc, 0.79));
  const AccuracyConstraint ppl = parse_accuracy_constraint("ppl<=180");
  EXPECT_TRUE(meets(ppl, 180));
  EXPECT_TRUE(meets(ppl, 150));
  EXPECT_FALSE(meets(ppl, 181));
}

TEST(ParseAccuracyConstraint, BadInputNamesTheAcFlag) {
  for (const char* bad : {"acc<=0.8", "ppl>=180", "bleu>=3", "acc>=", "acc=0.8", "acc>=x",
                          "acc>=0.8x", "", ">=0.8", "acc>=-1"}) {
    EXPECT_EQ(error_field([&] { parse_accuracy_constraint(bad); }), "--ac") << bad;
  }
}

// Issue 14: a threshold no model can reach is refused when the command is read, not after
// the closed loop found that nothing meets it.
TEST(ParseAccuracyConstraint, AThresholdOutOfTheMetricsRangeIsRefused) {
  const auto message = [](const char* text) -> std::string {
    try {
      parse_accuracy_constraint(text);
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_EQ(message("acc>=13"),
            "--ac: expected acc as a fraction in [0, 1] (0.80 for 80 %), found "
            "\"acc>=13\"");
  EXPECT_EQ(message("f1>=1.01").substr(0, 41), "--ac: expected f1 as a fraction in [0, 1]");
  EXPECT_EQ(message("ppl<=0.5"),
            "--ac: expected ppl of at least 1 (perplexity is never below 1), found \"ppl<=0.5\"");
  EXPECT_EQ(message("acc>=1"), "no error");
  EXPECT_EQ(message("acc>=0"), "no error");
  EXPECT_EQ(message("ppl<=1"), "no error");
}

TEST(CheckTaskMetric, EachFamilyHasItsMetrics) {
  EXPECT_EQ(error_field([] { check_task_metric("ppl", true, "--ac"); }), "");
  EXPECT_EQ(error_field([] { check_task_metric("acc", true, "--ac"); }), "");
  EXPECT_EQ(error_field([] { check_task_metric("f1", true, "--ac"); }), "--ac");
  EXPECT_EQ(error_field([] { check_task_metric("acc", false, "select.metric"); }), "");
  EXPECT_EQ(error_field([] { check_task_metric("f1", false, "select.metric"); }), "");
  EXPECT_EQ(error_field([] { check_task_metric("ppl", false, "select.metric"); }), "select.metric");
}

TEST(ParseDrop, SaysWhetherTheDropWasWrittenAsAPercentage) {
  EXPECT_DOUBLE_EQ(parse_drop("5%").fraction, 0.05);
  EXPECT_TRUE(parse_drop("5%").percent);
  EXPECT_DOUBLE_EQ(parse_drop("0.5").fraction, 0.5);  // 50 %: the caller warns
  EXPECT_FALSE(parse_drop("0.5").percent);
  EXPECT_DOUBLE_EQ(parse_drop("0.5%").fraction, 0.005);
}

TEST(ParseAccuracyDrop, IsRelativeToTheDenseModelInTheMetricsDirection) {
  const AccuracyConstraint acc = parse_accuracy_drop("1%", "acc", 0.90);
  EXPECT_TRUE(acc.higher_is_better);
  EXPECT_NEAR(acc.threshold, 0.891, 1e-12);
  EXPECT_TRUE(meets(acc, 0.8915));
  EXPECT_FALSE(meets(acc, 0.8905));

  const AccuracyConstraint ppl = parse_accuracy_drop("10%", "ppl", 150);
  EXPECT_FALSE(ppl.higher_is_better);
  EXPECT_NEAR(ppl.threshold, 165, 1e-9);
  EXPECT_TRUE(meets(ppl, 164));
  EXPECT_FALSE(meets(ppl, 166));

  EXPECT_NEAR(parse_accuracy_drop("0.02", "f1", 0.5).threshold, 0.49, 1e-12);
  EXPECT_NEAR(parse_accuracy_drop(" 0% ", "acc", 0.7).threshold, 0.7, 1e-12);
}

TEST(ParseAccuracyDrop, BadInputNamesTheAcDropFlag) {
  for (const char* bad : {"100%", "-1%", "abc", "%", "1.5", ""}) {
    EXPECT_EQ(error_field([&] { parse_accuracy_drop(bad, "acc", 0.9); }), "--ac-drop") << bad;
  }
  EXPECT_EQ(error_field([] { parse_accuracy_drop("1%", "acc", 0); }), "--ac-drop");
  EXPECT_EQ(error_field([] { parse_accuracy_drop("1%", "bleu", 0.9); }), "--ac-drop");
}

TEST(ParseLatency, ConvertsUnitsToMicroseconds) {
  EXPECT_DOUBLE_EQ(parse_latency("5ms"), 5000);
  EXPECT_DOUBLE_EQ(parse_latency("250us"), 250);
  EXPECT_DOUBLE_EQ(parse_latency("0.5s"), 500000);
  EXPECT_DOUBLE_EQ(parse_latency(" 1.5ms "), 1500);
}

TEST(ParseLatency, BadInputNamesTheLcFlag) {
  for (const char* bad : {"5", "ms", "-1ms", "0ms", "5min", "5 ms x", "fast", ""}) {
    EXPECT_EQ(error_field([&] { parse_latency(bad); }), "--lc") << bad;
  }
}

TEST(Objective, OneNameTableBothWays) {
  for (Objective o : {Objective::kPrice, Objective::kPower, Objective::kLatency}) {
    EXPECT_EQ(parse_objective(objective_name(o)), o);
  }
  EXPECT_EQ(objective_name(Objective::kPower), "power");
  try {
    parse_objective("cost");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.field(), "--objective");
    EXPECT_NE(std::string(e.what()).find("price, power, latency"), std::string::npos) << e.what();
  }
}

TEST(AcStanding, ThePointDecidesAndTheIntervalQualifies) {
  const AccuracyConstraint acc{"acc", 0.80, true};
  const auto at = [](double low, double high) {
    return std::optional<ConfidenceInterval>(ConfidenceInterval{low, high, "wilson", 100});
  };
  EXPECT_EQ(ac_standing(acc, 0.85, at(0.81, 0.89)), AcStanding::kMeets);
  EXPECT_EQ(ac_standing(acc, 0.82, at(0.78, 0.86)), AcStanding::kMeetsWithinNoise);
  EXPECT_EQ(ac_standing(acc, 0.79, at(0.75, 0.83)), AcStanding::kMissesWithinNoise);
  EXPECT_EQ(ac_standing(acc, 0.70, at(0.65, 0.75)), AcStanding::kMisses);
  // AC on an end of the interval is inside it; no interval leaves the point alone.
  EXPECT_EQ(ac_standing(acc, 0.85, at(0.80, 0.90)), AcStanding::kMeetsWithinNoise);
  EXPECT_EQ(ac_standing(acc, 0.80, std::nullopt), AcStanding::kMeets);
  EXPECT_EQ(ac_standing(acc, 0.7999, std::nullopt), AcStanding::kMisses);
  // Lower is better for perplexity: the same four, mirrored.
  const AccuracyConstraint ppl{"ppl", 180, false};
  EXPECT_EQ(ac_standing(ppl, 170, at(165, 175)), AcStanding::kMeets);
  EXPECT_EQ(ac_standing(ppl, 178, at(172, 184)), AcStanding::kMeetsWithinNoise);
  EXPECT_EQ(ac_standing(ppl, 182, at(176, 188)), AcStanding::kMissesWithinNoise);
  EXPECT_EQ(ac_standing(ppl, 190, at(185, 195)), AcStanding::kMisses);
  // One name table both ways, and the words the report prints.
  for (size_t i = 0; i < kAcStandingNames.size(); ++i)
    EXPECT_EQ(ac_standing_name(parse_ac_standing(kAcStandingNames[i])), kAcStandingNames[i]);
  EXPECT_THROW(parse_ac_standing("met"), Error);
  EXPECT_EQ(ac_standing_text(AcStanding::kMeetsWithinNoise),
            "meets AC, but AC lies inside the 95 % interval (not significant)");
  EXPECT_EQ(ac_standing_text(AcStanding::kMissesWithinNoise), "misses AC within noise");
}

}  // namespace
}  // namespace fitformer::explore
