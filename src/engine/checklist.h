// The seed's six-item security checklist, each item answered by verify's checks.
#pragma once

#include <string>
#include <vector>

#include "engine/verify.h"

namespace clawshield {

struct ChecklistItem {
  std::string text;                 // the seed's words
  std::vector<std::string> checks;  // the ids of the checks that answer it (layers/checks.h)
};

// The seed's checklist, in its order, answered by the checks of the policy's backends
// (native nftables + guard, or ufw + fail2ban).
std::vector<ChecklistItem> seed_checklist(const Policy& policy);

struct ChecklistAnswer {
  ChecklistItem item;
  // fail: a check failed; unknown: none failed but one could not be judged; else pass.
  Status status = Status::unknown;
  // The findings that decided it (all of them when it passes), warnings included.
  std::vector<Finding> evidence;
};

// Answers each item from a full verify report. A check missing from the report is unknown.
std::vector<ChecklistAnswer> answer_checklist(const VerifyReport& report, const Policy& policy);

}  // namespace clawshield
