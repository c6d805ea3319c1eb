// Apply and rollback: make the planned changes under a journal, undo them on failure or on
// request.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/journal.h"
#include "engine/plan.h"

namespace clawshield {

struct ApplyOutcome {
  std::string journal_id;            // empty when nothing changed
  std::vector<std::string> done;     // one line per change made
  std::vector<std::string> skipped;  // "summary (skipped: reason)"
  std::optional<Error> failure;      // the step that failed; everything was rolled back
  std::vector<std::string> rolled_back;
  std::optional<Error> rollback_failure;  // rolling back failed too: the host needs a person
  bool firewall_loaded = false;           // a new firewall went into the kernel
};

// Whether a firewall this apply loads must be confirmed (commit-confirmed apply).
enum class ConfirmFirewall { yes, no };

// Applies `plan`. Refuses (error, nothing changed) when the plan has errors or another apply
// holds the lock. A failing step rolls back every change already made. With `confirm` yes and
// a firewall change planned, the unconfirmed marker is written before the first change and
// stays when a firewall was loaded (the caller arms the confirmation); otherwise it is gone
// when apply returns.
// What apply and rollback work with: the host in full, since they change it (planning and
// verifying get a Context, whose host is read-only), and the policy.
struct ApplyContext {
  Host& host;
  const Policy& policy;
};

Result<ApplyOutcome> apply_plan(const ApplyContext& context, const Plan& plan,
                                ConfirmFirewall confirm = ConfirmFirewall::no);

struct RollbackOutcome {
  std::string journal_id;  // empty when there was nothing to roll back
  std::vector<std::string> restored;
  // Paths changed since the apply ("PATH: how"); when set, nothing was restored.
  std::vector<std::string> changed_since_apply;
};

// Restores what the newest not-yet-rolled-back apply changed. Unless `changed` is
// ChangedPaths::overwrite (--force), refuses — changing nothing, listing them in
// `changed_since_apply` — when any of its paths changed since the apply finished.
Result<RollbackOutcome> rollback_last(const ApplyContext& context, ChangedPaths changed);

}  // namespace clawshield
