// Edit distance and the nearest known name, for errors on unknown names.
#include "core/nearest_name.h"

#include <algorithm>
#include <vector>

namespace fitformer {

size_t edit_distance(std::string_view a, std::string_view b) {
  // Three rows of the dynamic programme: the transposition looks two rows back.
  std::vector<size_t> before(b.size() + 1), previous(b.size() + 1), current(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        current[j] = std::min(current[j], before[j - 2] + 1);
    }
    std::swap(before, previous);
    std::swap(previous, current);
  }
  return previous[b.size()];
}

std::optional<std::string> nearest_name(std::string_view typed,
                                        std::span<const std::string> names) {
  std::optional<std::string> best;
  size_t best_distance = 0;
  for (const std::string& name : names) {
    const size_t d = edit_distance(typed, name);
    if (!best || d < best_distance) {
      best = name;
      best_distance = d;
    }
  }
  if (!best || best_distance > 2 || best_distance >= typed.size()) return std::nullopt;
  return best;
}

std::string quoted_with_suggestion(std::string_view typed, std::span<const std::string> names) {
  std::string out = "\"" + std::string(typed) + "\"";
  if (const auto nearest = nearest_name(typed, names))
    out += " (did you mean \"" + *nearest + "\"?)";
  return out;
}

}  // namespace fitformer
