// Why each device other than the chosen lost (issue 14 item 6): the figures behind select's
// verdict, read from the result alone, for the answer box of the report.
#pragma once

#include <string>
#include <vector>

#include "report/result_read.h"

namespace fitformer::report {

struct Explanation {
  // "not considered", "does not fit", "misses AC", "misses LC", "meets both", "chosen", or
  // "not chosen" (select's reason quoted, for a result that lacks the figures); "misses AC
  // within noise" when the best model it runs misses AC by less than its interval
  std::string verdict;
  // Plain text with every figure and its provenance: "1.293 ms (modeled) > LC 1 ms, 29.3 % over,
  // with HP 70 % sparse (ρ2 0.5), fp32".
  std::string text;
  // The metric of the candidate the verdict rests on against AC, with its interval counted:
  // "meets AC", "meets AC, but AC lies inside the 95 % interval (not significant)", "misses AC
  // within noise", "misses AC"; empty when no candidate is in question (not considered).
  std::string against_ac;
};

// Why `d` was or was not chosen.
Explanation explain(const Result& r, const Device& d);

// The devices the answer explains: with a choice, those whose system price is below the
// chosen one's; without, every device. Sorted by system price, then id; unpriced ones last.
std::vector<const Device*> devices_to_explain(const Result& r);

}  // namespace fitformer::report
