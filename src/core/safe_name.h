// Names that become one path component (a recipe's name under runs/, a profile, a device id):
// only a closed set of characters, so no name can climb out of its folder, hide as a dot
// file, or carry a line break or a terminal escape into a listing.
#pragma once

#include <string_view>

namespace fitformer {

// What a safe name is, for "expected ..." in errors.
inline constexpr std::string_view kSafeNameRule =
    "a name of letters, digits, '.', '_' or '-' without a leading dot, at most 100 characters";

// [A-Za-z0-9._-]{1,100} not starting with '.' (so never "", ".", ".." or a dot file).
bool is_safe_name(std::string_view name);

}  // namespace fitformer
