// A verify check as data: its id, the layer that judges it, the summary its findings print and
// the "fails when" text of docs/checks.md. Each check is declared once, in its layer's
// checks.h; layers make findings from the declaration (make_finding), the checklist names it,
// and docs/checks.md is generated from the list of all of them (layers/checks.h), so an id
// typed wrong no longer compiles.
#pragma once

#include <string_view>

namespace clawshield {

struct Check {
  std::string_view id;          // "sudo.valid": the layer's id, a dot, the check's name
  std::string_view layer;       // the id of the layer whose verify judges it
  std::string_view summary;     // what its findings print as their summary
  std::string_view fails_when;  // markdown for docs/checks.md: when it fails (or warns)
};

// Whether `check`'s id is its layer's id, a dot and a name, and every field is set.
constexpr bool well_formed(const Check& check) {
  return !check.layer.empty() && !check.summary.empty() && !check.fails_when.empty() &&
         check.id.size() > check.layer.size() + 1 && check.id.starts_with(check.layer) &&
         check.id[check.layer.size()] == '.';
}

// A check that stands for one finding per item of something the layer reads: its id ends in
// `<name>` ("openclaw.audit.<checkId>"), replaced by the item's name (make_member_finding).
constexpr bool is_family(const Check& check) {
  return check.id.ends_with(">");
}

}  // namespace clawshield
