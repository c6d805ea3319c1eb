// Line-based unified diff, for `plan --diff` and test failure messages.
#pragma once

#include <string>
#include <string_view>

namespace clawshield {

// Renders the changes from `before` to `after` as a unified diff with `context` lines around
// each change; `before_label` and `after_label` head the "---" and "+++" lines. Returns an
// empty string when the texts are equal.
std::string unified_diff(std::string_view before, std::string_view after,
                         std::string_view before_label, std::string_view after_label,
                         int context = 3);

}  // namespace clawshield
