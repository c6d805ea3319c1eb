// Commit-confirmed firewall changes. apply loads the new table and arms a watchdog; unless
// `clawshield confirm` arrives before the deadline, the watchdog rolls the whole apply back
// from its journal: the kernel table and every file that would load the rejected firewall
// again at the next boot. The watchdog runs in its own session (or as a transient systemd
// service), so it survives the admin's SSH session being cut by the very change it guards.
// The watchdog does not survive a reboot: while a change is unconfirmed a marker file
// (k_unconfirmed_marker) exists, and at boot clawshield-firewall-revert.service does the
// watchdog's job (`clawshield rollback --unconfirmed`) before any firewall loads.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "host/host.h"
#include "layers/firewall/firewall_layer.h"

namespace clawshield {

inline constexpr const char* k_pending_file = "/var/lib/clawshield/firewall-pending.json";

// `reverting`: the watchdog began the rollback and has not finished (it died): the apply is
// half undone until `clawshield rollback` finishes it.
enum class PendingState { armed, confirmed, reverting, reverted };

struct PendingConfirmation {
  std::string journal;
  int64_t deadline = 0;  // seconds since the epoch
  PendingState state = PendingState::armed;
  std::string note;  // what the watchdog did
};

Result<std::optional<PendingConfirmation>> read_pending(const Filesystem& fs);

// The unconfirmed marker, if any (an error when it is not one clawshield wrote).
Result<std::optional<UnconfirmedMarker>> read_unconfirmed(const Filesystem& fs);
// Creates the unconfirmed marker (durably) for apply `journal_id`, with `deadline` once known
// (0 while the apply still runs).
Result<void> mark_unconfirmed(Filesystem& fs, const std::string& journal_id, int64_t deadline);
// Removes the marker (durably) if it is about apply `journal_id`.
Result<void> clear_unconfirmed(Filesystem& fs, const std::string& journal_id);

// Records the pending confirmation for apply `journal_id` and starts `watchdog` detached.
Result<void> arm_confirmation(Host& host, const std::string& journal_id,
                              std::chrono::seconds timeout, const Command& watchdog);

enum class ConfirmResult { confirmed, nothing_pending, too_late };
// Disarms the watchdog. `too_late` (with `detail`) when it already restored the old table.
Result<ConfirmResult> confirm_firewall(Host& host, std::string& detail);

// The watchdog's body: waits until `deadline`, then rolls apply `journal_id` back if it is
// still unconfirmed (paths changed since the apply are kept), and removes the marker.
// Returns what it did.
Result<std::string> revert_unless_confirmed(Host& host, const std::string& journal_id,
                                            int64_t deadline);

// What the watchdog does at its deadline, done at once: rolls back the apply the unconfirmed
// marker names (keeping paths changed since it), marks the pending file reverted and
// removes the marker. Run at boot by clawshield-firewall-revert.service, or by hand.
Result<std::string> revert_unconfirmed_now(Host& host);

// After `rollback` undid apply `journal_id`: a confirmation it was waiting for (or a revert
// the watchdog left half done) is settled, so the watchdog does nothing more, and the
// unconfirmed marker for it is removed.
Result<void> settle_pending(Filesystem& fs, const std::string& journal_id);

}  // namespace clawshield
