// Suggestions for a mistyped name (a device id, a metric, a subcommand): the nearest of the
// names that exist, by edit distance, so an error can say "did you mean ...?" in one line.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace fitformer {

// Edit distance with adjacent transpositions (optimal string alignment): insertions,
// deletions, substitutions and swaps of two neighbours cost 1 each, so "kv206" is 1 from
// "kv260". Case-sensitive.
size_t edit_distance(std::string_view a, std::string_view b);

// The name of `names` nearest to `typed` when it is close enough to be a typo of it (distance
// at most 2, and less than the typed name's length); ties go to the first. nullopt otherwise.
std::optional<std::string> nearest_name(std::string_view typed, std::span<const std::string> names);

// `"typed"`, followed by ` (did you mean "nearest"?)` when nearest_name finds one: the found
// part of an Error for an unknown name.
std::string quoted_with_suggestion(std::string_view typed, std::span<const std::string> names);

}  // namespace fitformer
