// The constraints parsed from the command line, checked and printed back.
#include "explore/constraints.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <optional>
#include <utility>

#include "core/error.h"

namespace fitformer::explore {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The whole of `s` as a finite double, else nullopt.
std::optional<double> parse_number(std::string_view s) {
  s = trim(s);
  if (s.empty()) return std::nullopt;
  double value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

std::string join_names(const auto& names) {
  std::string out;
  for (std::string_view n : names) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

std::string format_value(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

bool higher_is_better(std::string_view metric, std::string_view field) {
  if (metric == "acc" || metric == "f1") return true;
  if (metric == "ppl") return false;
  throw Error("", std::string(field), "a metric among " + join_names(kMetricNames),
              "\"" + std::string(metric) + "\"");
}

AccuracyConstraint parse_accuracy_constraint(std::string_view text) {
  const std::string expected = "METRIC>=VALUE or METRIC<=VALUE (acc>=0.80, f1>=0.9, ppl<=180)";
  const std::string found = "\"" + std::string(text) + "\"";
  const size_t op = text.find_first_of("<>");
  if (op == std::string_view::npos || op + 1 >= text.size() || text[op + 1] != '=') {
    throw Error("", "--ac", expected, found);
  }
  AccuracyConstraint ac;
  ac.metric = std::string(trim(text.substr(0, op)));
  ac.higher_is_better = higher_is_better(ac.metric, "--ac");
  const bool at_least = text[op] == '>';
  if (at_least != ac.higher_is_better) {
    throw Error("", "--ac",
                ac.metric + (ac.higher_is_better ? ">=" : "<=") + "VALUE (" + ac.metric +
                    " is better " + (ac.higher_is_better ? "higher" : "lower") + ")",
                found);
  }
  const std::optional<double> value = parse_number(text.substr(op + 2));
  if (!value || *value < 0) throw Error("", "--ac", expected, found);
  // A threshold no model can reach would only surface as "no candidate meets AC" after the
  // whole loop has run.
  if (ac.higher_is_better && *value > 1)
    throw Error("", "--ac", ac.metric + " as a fraction in [0, 1] (0.80 for 80 %)", found);
  if (!ac.higher_is_better && *value < 1)
    throw Error("", "--ac", ac.metric + " of at least 1 (perplexity is never below 1)", found);
  ac.threshold = *value;
  return ac;
}

void check_task_metric(std::string_view metric, bool language_model, std::string_view field,
                       const std::string& file) {
  const bool known =
      language_model ? (metric == "ppl" || metric == "acc") : (metric == "acc" || metric == "f1");
  if (!known)
    throw Error(file, std::string(field),
                language_model ? "ppl or acc (a language model's metrics)"
                               : "acc or f1 (a classifier's metrics)",
                "\"" + std::string(metric) + "\"");
}

AccuracyDrop parse_drop(std::string_view text) {
  const std::string found = "\"" + std::string(text) + "\"";
  std::string_view s = trim(text);
  AccuracyDrop drop;
  drop.percent = !s.empty() && s.back() == '%';
  if (drop.percent) s.remove_suffix(1);
  std::optional<double> value = parse_number(s);
  if (value && drop.percent) *value /= 100.0;
  if (!value || *value < 0 || *value >= 1) {
    throw Error("", "--ac-drop", "a relative drop in [0%, 100%) such as 1% or 0.01", found);
  }
  drop.fraction = *value;
  return drop;
}

AccuracyConstraint accuracy_drop_constraint(const AccuracyDrop& drop, std::string_view metric,
                                            double dense_value) {
  AccuracyConstraint ac;
  ac.metric = std::string(metric);
  ac.higher_is_better = higher_is_better(metric, "--ac-drop");
  if (!(dense_value > 0) || !std::isfinite(dense_value)) {
    throw Error("", "--ac-drop", "a positive dense " + ac.metric, format_value(dense_value));
  }
  ac.threshold =
      ac.higher_is_better ? dense_value * (1 - drop.fraction) : dense_value * (1 + drop.fraction);
  return ac;
}

AccuracyConstraint parse_accuracy_drop(std::string_view text, std::string_view metric,
                                       double dense_value) {
  return accuracy_drop_constraint(parse_drop(text), metric, dense_value);
}

bool meets(const AccuracyConstraint& ac, double value) {
  return ac.higher_is_better ? value >= ac.threshold : value <= ac.threshold;
}

AcStanding ac_standing(const AccuracyConstraint& ac, double value,
                       const std::optional<ConfidenceInterval>& interval) {
  const bool point = meets(ac, value);
  const bool inside = interval && interval->low <= ac.threshold && ac.threshold <= interval->high;
  if (point) return inside ? AcStanding::kMeetsWithinNoise : AcStanding::kMeets;
  return inside ? AcStanding::kMissesWithinNoise : AcStanding::kMisses;
}

std::string_view ac_standing_name(AcStanding standing) {
  return kAcStandingNames.at(static_cast<size_t>(standing));
}

AcStanding parse_ac_standing(std::string_view name, std::string_view field) {
  for (size_t i = 0; i < kAcStandingNames.size(); ++i)
    if (kAcStandingNames[i] == name) return static_cast<AcStanding>(i);
  throw Error("", std::string(field), "meets, meets_within_noise, misses_within_noise or misses",
              "\"" + std::string(name) + "\"");
}

std::string_view ac_standing_text(AcStanding standing) {
  switch (standing) {
    case AcStanding::kMeets:
      return "meets AC";
    case AcStanding::kMeetsWithinNoise:
      return "meets AC, but AC lies inside the 95 % interval (not significant)";
    case AcStanding::kMissesWithinNoise:
      return "misses AC within noise";
    case AcStanding::kMisses:
      return "misses AC";
  }
  return "misses AC";
}

std::string to_string(const AccuracyConstraint& ac) {
  return ac.metric + (ac.higher_is_better ? ">=" : "<=") + format_value(ac.threshold);
}

double parse_latency(std::string_view text) {
  const std::string_view s = trim(text);
  static constexpr std::array<std::pair<std::string_view, double>, 3> kUnits = {
      {{"us", 1.0}, {"ms", 1e3}, {"s", 1e6}}};
  for (const auto& [unit, scale] : kUnits) {
    if (s.size() > unit.size() && s.ends_with(unit)) {
      const std::optional<double> v = parse_number(s.substr(0, s.size() - unit.size()));
      if (v && *v > 0) return *v * scale;
      break;
    }
  }
  throw Error("", "--lc", "a positive latency with a unit: us, ms or s (5ms, 250us, 0.5s)",
              "\"" + std::string(text) + "\"");
}

std::string_view objective_name(Objective objective) {
  return kObjectiveNames[static_cast<size_t>(objective)];
}

Objective parse_objective(std::string_view name) {
  for (size_t i = 0; i < kObjectiveNames.size(); ++i) {
    if (kObjectiveNames[i] == name) return static_cast<Objective>(i);
  }
  throw Error("", "--objective", "one of " + join_names(kObjectiveNames),
              "\"" + std::string(name) + "\"");
}

}  // namespace fitformer::explore
