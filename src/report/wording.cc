// The report's wording of metrics and candidates (wording.h).
#include "report/wording.h"

#include <fmt/format.h>

#include <cctype>
#include <cmath>

#include "sparsity/patterns.h"

namespace fitformer::report {

std::string metric_name(std::string_view metric) {
  if (metric == "ppl") return "perplexity";
  if (metric == "acc") return "accuracy";
  if (metric == "f1") return "F1 score";
  return std::string(metric);
}

std::string metric_label(std::string_view metric) {
  const std::string name = metric_name(metric);
  return name == metric ? name : fmt::format("{} ({})", name, metric);
}

std::string candidate_text(const Result& r, long index) {
  const Candidate* c = find_candidate(r, index);
  if (!c) return fmt::format("candidate {}", index);
  if (c->sparsity == 0) return "dense, " + c->precision;
  std::string pattern = c->pattern;
  for (char& ch : pattern) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  std::string text = fmt::format("{} {:.3g} % sparse", pattern, 100 * c->sparsity);
  // B only when it is not the default 8, so that the common case reads as it always has.
  const std::string banks =
      c->banks == sparsity::kDefaultBanks ? "" : fmt::format("B {}", c->banks);
  if (c->rho2)
    text += fmt::format(" (ρ2 {:.3g}{})", *c->rho2, banks.empty() ? "" : ", " + banks);
  else if (!banks.empty())
    text += " (" + banks + ")";
  return text + ", " + c->precision;
}

std::string value_with_interval(double value, const std::optional<ConfidenceInterval>& interval) {
  if (!interval) return fmt::format("{:.4g}", value);
  return fmt::format("{:.4g} (95 % interval {:.4g}–{:.4g})", value, interval->low, interval->high);
}

std::string against_ac(const Candidate* c) {
  return c ? std::string(explore::ac_standing_text(c->standing)) : "—";
}

std::string percent(double share) {
  return std::isfinite(share) ? fmt::format("{:.0f} %", 100 * share) : "∞ %";
}

}  // namespace fitformer::report
