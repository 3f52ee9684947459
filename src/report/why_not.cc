// The figures behind each device's verdict (why_not.h): how far it misses LC, the best metric it
// reaches against AC, or which resource its closest accelerator design lacks.
#include "report/why_not.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "report/plots.h"
#include "report/wording.h"

namespace fitformer::report {
namespace {

// "BRAM36 276 % of usable, LUT 130 % of usable": every resource the design needs beyond what the
// device leaves usable, the largest share first.
std::string short_resources(const Accelerator& a) {
  std::vector<std::pair<double, std::string>> shares;
  for (std::size_t i = 0; i < kResources.size(); ++i) {
    if (!a.used[i] || !a.available[i] || *a.used[i] <= *a.available[i]) continue;
    const double share = *a.available[i] > 0 ? *a.used[i] / *a.available[i]
                                             : std::numeric_limits<double>::infinity();
    shares.emplace_back(share, std::string(kResourceLabels[i]));
  }
  std::stable_sort(shares.begin(), shares.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::string out;
  for (const auto& [share, label] : shares)
    out += (out.empty() ? "" : ", ") + label + " " + percent(share) + " of usable";
  return out;
}

// Precondition: d.closest.
std::string does_not_fit(const Result& r, const Device& d) {
  {
    const Accelerator& a = *d.closest;
    const std::string shares = short_resources(a);
    if (!shares.empty()) {
      return fmt::format(
          "the closest accelerator design (P={:g}, B={:g}, {}, for {}) needs {} ({})",
          a.pes.value_or(0), a.banks.value_or(0), a.precision,
          candidate_text(r, d.closest_candidate), shares,
          a.provenance.empty() ? "modeled" : a.provenance);
    }
  }
  return d.reason;
}

// The best metric among the candidates that run on the device (fit), or none.
const Candidate* best_runnable(const Result& r, const Device& d) {
  const Candidate* best = nullptr;
  for (const DeviceRow& row : d.rows) {
    if (!row.fits) continue;
    const Candidate* c = find_candidate(r, row.candidate);
    if (!c) continue;
    if (!best || (r.higher_is_better ? c->value > best->value : c->value < best->value)) best = c;
  }
  return best;
}

}  // namespace

Explanation explain(const Result& r, const Device& d) {
  if (!d.in_scope && !d.chosen) return {"not considered", d.reason, {}};
  // The statement against AC of the candidate the verdict rests on.
  const auto ac_of = [&](long index) {
    const Candidate* c = find_candidate(r, index);
    return c ? against_ac(c) : std::string();
  };
  if (d.chosen) return {"chosen", d.reason, d.best ? ac_of(d.best->candidate) : std::string()};
  if (!d.best) {
    if (d.closest) return {"does not fit", does_not_fit(r, d), ac_of(d.closest_candidate)};
    // Only when even the best model it runs fails AC (an older result lacks in_scope: a device
    // left out of the choice has no best either, and its models may meet AC).
    if (const Candidate* c = best_runnable(r, d); c && !meets(r, c->value)) {
      const bool noise = c->standing == explore::AcStanding::kMissesWithinNoise;
      return {noise ? "misses AC within noise" : "misses AC",
              fmt::format("the best model that runs on it, {}, reaches {} {} ({}); AC is {}",
                          candidate_text(r, c->index), metric_name(r.metric),
                          value_with_interval(c->value, c->interval), c->provenance, r.ac),
              against_ac(c)};
    }
    const bool none_fits =
        std::none_of(d.rows.begin(), d.rows.end(), [](const DeviceRow& row) { return row.fits; });
    if (!d.rows.empty() && none_fits) return {"does not fit", d.reason, {}};
    return {"not chosen", d.reason, {}};
  }
  const Best& b = *d.best;
  if (b.latency_us > r.lc_us) {
    const double ratio = b.latency_us / r.lc_us;
    return {"misses LC",
            fmt::format("{} ({}) against LC {}: {}, with {}", latency(b.latency_us), b.provenance,
                        latency(r.lc_us),
                        ratio < 2 ? fmt::format("{:.1f} % over", 100 * (ratio - 1))
                                  : fmt::format("{:.3g} times LC", ratio),
                        candidate_text(r, b.candidate)),
            ac_of(b.candidate)};
  }
  return {"meets both",
          fmt::format("{} ({}) with {}; {}", latency(b.latency_us), b.provenance,
                      candidate_text(r, b.candidate), d.reason),
          ac_of(b.candidate)};
}

std::vector<const Device*> devices_to_explain(const Result& r) {
  const Device* chosen = nullptr;
  for (const Device& d : r.devices)
    if (d.chosen) chosen = &d;
  const double inf = std::numeric_limits<double>::infinity();
  const auto price = [&](const Device* d) { return d->system_price_usd.value_or(inf); };
  std::vector<const Device*> out;
  for (const Device& d : r.devices) {
    if (&d == chosen) continue;
    if (chosen && !(price(&d) < price(chosen))) continue;
    out.push_back(&d);
  }
  std::stable_sort(out.begin(), out.end(), [&](const Device* a, const Device* b) {
    return std::pair(price(a), a->id) < std::pair(price(b), b->id);
  });
  return out;
}

}  // namespace fitformer::report
