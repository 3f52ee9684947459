// The closed loop: the sparsity search with the default split, then the other splits at its
// edge, each model scored at every precision and predicted on every device.
#include "explore/closed_loop.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <system_error>

#include "core/error.h"

namespace fitformer::explore {
namespace {

void check_settings(const LoopSettings& s) {
  if (s.sparsity_grid.empty())
    throw Error("", "sparsity_grid", "at least one sparsity", "an empty list");
  for (double v : s.sparsity_grid)
    if (!(v > 0 && v < 1))
      throw Error("", "sparsity_grid", "sparsities in (0, 1)", fmt::format("{}", v));
  for (double r : s.other_rho2)
    if (!(r > 0 && r <= 1)) throw Error("", "rho2", "densities in (0, 1]", fmt::format("{}", r));
  if (!(s.rho2 > 0 && s.rho2 <= 1))
    throw Error("", "rho2", "a density in (0, 1]", fmt::format("{}", s.rho2));
  if (s.precisions.empty()) throw Error("", "precisions", "at least one", "an empty list");
  check_banks(s.banks, "banks");
}

// "1, 2, 4, 8, 16": kSelectableBanks for an error's "expected".
std::string selectable_banks() {
  std::string out;
  for (const int64_t b : kSelectableBanks) out += (out.empty() ? "" : ", ") + std::to_string(b);
  return out;
}

bool selectable(int64_t banks) {
  return std::find(kSelectableBanks.begin(), kSelectableBanks.end(), banks) !=
         kSelectableBanks.end();
}

// Whether metric a is at least as good as b under the constraint's direction.
bool better(const AccuracyConstraint& ac, double a, double b) {
  return ac.higher_is_better ? a > b : a < b;
}

class Loop {
 public:
  Loop(const AccuracyConstraint& ac, const LoopSettings& settings, LoopSteps& steps)
      : ac_(ac), settings_(settings), steps_(steps) {}

  LoopResult run() {
    add(steps_.dense_model());
    for (size_t i = 0; i < settings_.banks.size(); ++i) {
      const SearchEdges edges = search(settings_.banks[i]);
      if (i > 0) continue;
      result_.highest_pass = edges.highest_pass;
      result_.lowest_fail = edges.lowest_fail;
    }
    return std::move(result_);
  }

 private:
  // The sparsity search at one bank count, then the other splits at its edge.
  SearchEdges search(int64_t banks) {
    std::vector<SparsityTrial> trials;  // this bank count's
    while (const std::optional<double> s =
               next_sparsity_to_try(trials, ac_, settings_.sparsity_grid)) {
      const double best = add(steps_.prune(plan(*s, settings_.rho2, banks)));
      trials.push_back({*s, best, banks});
      result_.trials.push_back(trials.back());
    }
    const SearchEdges edges = search_edges(trials, ac_);
    // A split at the edge can only matter where the default split was tried.
    for (const std::optional<double>& s : {edges.highest_pass, edges.lowest_fail}) {
      if (!s) continue;
      for (double r : settings_.other_rho2) {
        if (r == settings_.rho2) continue;
        // rho1 = density / rho2 must stay <= 1: a split finer than the density cannot exist.
        if (r < 1 - *s) {
          steps_.log(fmt::format("split rho2 {} skipped at HP {:.0f}%: below the density {:.2g}", r,
                                 *s * 100, 1 - *s));
          continue;
        }
        add(steps_.prune(plan(*s, r, banks)));
      }
    }
    return edges;
  }

  // The plan of a prune the loop asks for: the sparsity with rho2 fixed, at B banks.
  static sparsity::HpPlan plan(double sparsity, double rho2, int64_t banks) {
    sparsity::HpPlan p;
    p.sparsity = sparsity;
    p.rho2 = rho2;
    p.banks = banks;
    return p;
  }

  // Scores and predicts one model at every precision; returns its best metric.
  double add(const LoopModel& model) {
    const size_t index = result_.models.size();
    result_.models.push_back(model);
    std::optional<double> best;
    std::string line = sparsity::describe(model.plan) + ":";
    for (const format::Precision p : settings_.precisions) {
      CandidatePoint c;
      c.candidate = {model.plan, p, model.dir};
      c.metric = ac_.metric;
      const MetricScore score = steps_.score(c.candidate);
      c.metric_value = score.value;
      c.interval = score.interval;
      c.provenance = Provenance::kMeasured;
      const size_t candidate = result_.candidates.size();
      result_.candidates.push_back(c);
      result_.candidate_model.push_back(index);
      for (DeviceLatency& row : steps_.predict(c.candidate, candidate)) {
        row.candidate = candidate;
        result_.latencies.push_back(std::move(row));
      }
      if (!best || better(ac_, c.metric_value, *best)) best = c.metric_value;
      line += fmt::format(" {} {}={:.4g}{}", format::precision_name(p), ac_.metric, c.metric_value,
                          meets(ac_, c.metric_value) ? "" : " (fails AC)");
    }
    steps_.log(line);
    return *best;
  }

  const AccuracyConstraint& ac_;
  const LoopSettings& settings_;
  LoopSteps& steps_;
  LoopResult result_;
};

}  // namespace

void check_banks(const std::vector<int64_t>& banks, std::string_view field,
                 const std::string& file) {
  const std::string expected = "bank counts among " + selectable_banks() +
                               " (B dividing Bc = 64 into banks of at least 4), each once";
  if (banks.empty()) throw Error(file, std::string(field), expected, "an empty list");
  for (size_t i = 0; i < banks.size(); ++i) {
    if (!selectable(banks[i]))
      throw Error(file, std::string(field), expected, std::to_string(banks[i]));
    if (std::find(banks.begin(), banks.begin() + static_cast<std::ptrdiff_t>(i), banks[i]) !=
        banks.begin() + static_cast<std::ptrdiff_t>(i))
      throw Error(file, std::string(field), expected, std::to_string(banks[i]) + " twice");
  }
}

std::vector<int64_t> parse_banks(std::string_view text, std::string_view field,
                                 const std::string& file) {
  std::vector<int64_t> banks;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    const std::string item(text.substr(start, comma - start));
    int64_t value = 0;
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), value);
    if (item.empty() || ec != std::errc() || end != item.data() + item.size())
      throw Error(file, std::string(field),
                  "comma-separated bank counts among " + selectable_banks(),
                  "\"" + std::string(text) + "\"");
    banks.push_back(value);
    start = comma + 1;
  }
  check_banks(banks, field, file);
  return banks;
}

LoopResult run_closed_loop(const AccuracyConstraint& ac, const LoopSettings& settings,
                           LoopSteps& steps) {
  check_settings(settings);
  return Loop(ac, settings, steps).run();
}

}  // namespace fitformer::explore
