// Commit-confirmed firewall changes. apply loads the new table and arms a watchdog; unless
// `clawshield confirm` arrives before the deadline, the watchdog restores the previous table
// from the apply's journal. The watchdog runs in its own session (or as a transient systemd
// service), so it survives the admin's SSH session being cut by the very change it guards.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "host/host.h"

namespace clawshield {

inline constexpr const char* k_pending_file = "/var/lib/clawshield/firewall-pending.json";

enum class PendingState { armed, confirmed, reverted };

struct PendingConfirmation {
  std::string journal;
  int64_t deadline = 0;  // seconds since the epoch
  PendingState state = PendingState::armed;
  std::string note;      // what the watchdog did
};

Result<std::optional<PendingConfirmation>> read_pending(const Filesystem& fs);

// Records the pending confirmation for apply `journal_id` and starts `watchdog` detached.
Result<void> arm_confirmation(Host& host, const std::string& journal_id,
                              std::chrono::seconds timeout, const Command& watchdog);

enum class ConfirmResult { confirmed, nothing_pending, too_late };
// Disarms the watchdog. `too_late` (with `detail`) when it already restored the old table.
Result<ConfirmResult> confirm_firewall(Host& host, std::string& detail);

// The watchdog's body: waits until `deadline`, then restores the firewall of apply
// `journal_id` if it is still unconfirmed. Returns what it did.
Result<std::string> revert_unless_confirmed(Host& host, const std::string& journal_id,
                                            int64_t deadline);

}  // namespace clawshield
