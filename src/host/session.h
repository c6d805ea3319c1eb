// Which SSH session clawshield runs in, found without trusting the environment alone. Debian's
// sudo drops SSH_CONNECTION, so `sudo clawshield apply` — the normal way — looked local and a
// firewall that cut the admin off was loaded unchecked. The process tree knows better: an
// ancestor is the sshd process serving the session, and its TCP socket names both ends.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "core/error.h"

namespace clawshield {

enum class SessionKind {
  local,      // no sign of a remote session: no sshd ancestor, no sudo, no SSH_CONNECTION
  found,      // `connection` holds the session's endpoints
  elsewhere,  // the session is in another network namespace: no firewall here can cut it
  unknown,    // looks remote (sudo, an sshd ancestor) but the endpoints cannot be told
};

struct AdminSession {
  SessionKind kind = SessionKind::local;
  // "client_ip client_port server_ip server_port", as sshd's SSH_CONNECTION.
  std::string connection;
  std::string source;  // where it came from, or (unknown) why it looks remote
};

// Looks for the session of process `pid` in `proc_root` (normally "/proc"; tests pass a tree
// of PID folders): walks its ancestors (and its session leader's) through PID/stat. Prefers
// the established TCP socket of the nearest sshd ancestor (PID/fd socket inodes matched in
// PID/net/tcp and tcp6), then SSH_CONNECTION in the nearest environment (`pid`'s own first).
// An ancestor's socket or environment in another network namespace than `pid`'s (PID/ns/net)
// counts as `elsewhere`. `sudo_environment`: SUDO_USER/SUDO_UID were set for this process.
AdminSession find_admin_session(const std::string& proc_root, pid_t pid, bool sudo_environment);

// Parses one /proc/net/tcp or tcp6 table: the established connection whose socket inode is
// `inode`, as "remote_ip remote_port local_ip local_port"; nullopt when none.
std::optional<std::string> established_connection(const std::string& table, bool ipv6,
                                                  unsigned long inode);

}  // namespace clawshield
