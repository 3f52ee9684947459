// How the report words what a result holds: metrics spelled out, a candidate model in one
// phrase ("dense, int8"; "HP 80 % sparse (ρ2 0.5), int8"), shares as percentages.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/intervals.h"
#include "report/result_read.h"

namespace fitformer::report {

// "perplexity" for ppl, "accuracy" for acc, "F1 score" for f1; another name as it is.
std::string metric_name(std::string_view metric);

// "perplexity (ppl)": the spelled-out name with the short one a user types in --ac.
std::string metric_label(std::string_view metric);

// The candidate with this index in one phrase: "dense, int8" for sparsity 0, else
// "HP 80 % sparse (ρ2 0.5), int8" ("(ρ2 0.5, B 16)" at a bank count other than 8);
// "candidate 7" when the result has none of that index.
std::string candidate_text(const Result& r, long index);

// "0.8123 (95 % interval 0.7901–0.8330)", or "0.8123" for a value without an interval.
std::string value_with_interval(double value, const std::optional<ConfidenceInterval>& interval);

// The candidate's metric against AC in words (explore::ac_standing_text), "—" for none.
std::string against_ac(const Candidate* c);

// 1.312 -> "131 %": a share of a whole, rounded to whole percent.
std::string percent(double share);

}  // namespace fitformer::report
