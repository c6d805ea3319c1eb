// `clawshield guard`: the brute-force guard daemon. Follows sshd's log sources, counts
// failures per source, bans in the kernel's ban sets in batches, persists its read positions
// and offence history, answers a root-only control socket, and speaks sd_notify.
#pragma once

#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "core/error.h"
#include "host/host.h"
#include "policy/policy.h"

namespace clawshield::guard {

inline constexpr const char* k_guard_state_dir = "/var/lib/clawshield/guard";
inline constexpr const char* k_control_socket = "/run/clawshield/guard.sock";

struct DaemonOptions {
  // Log files (paths under the root); the policy's guard.log_files by default.
  std::vector<std::string> files;
  bool journal = true;
  std::optional<std::string> journal_directory;  // a journal folder (host path) instead of all
  int year = 2026;                               // for traditional syslog dates
};

// Runs until SIGTERM/SIGINT (returns 0) or a fatal error (returns non-zero). `reload` gives a
// fresh policy on SIGHUP. Decisions are logged to `log`.
int run_daemon(Host& host, Policy policy, DaemonOptions options,
               const std::function<Result<Policy>()>& reload, std::ostream& log);

// A request to the running daemon: "list", "ban ADDR SECONDS", "unban ADDR". Returns its JSON
// reply. The socket is under the root; only uid 0 is answered.
Result<std::string> control_request(const Filesystem& fs, const std::string& request);

}  // namespace clawshield::guard
