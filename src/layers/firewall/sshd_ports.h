// Which TCP ports sshd listens on, so the firewall opens the real ones rather than assuming 22.
#pragma once

#include <string>
#include <vector>

#include "core/error.h"
#include "host/host.h"

namespace clawshield {

struct SshdPorts {
  std::vector<int> ports;
  std::string source;  // "sshd -T", "/etc/ssh/sshd_config", "default"
};

// On the live root: `sshd -T` (the effective configuration). Otherwise, or when that fails:
// the root's sshd_config with its Include files (Port and ListenAddress lines); 22 when none
// names a port. An unreadable config is an error, never "22".
Result<SshdPorts> sshd_ports(const HostView& host);

// The SSH ports a firewall opens: the policy's `firewall.ssh_ports` when it names any, else
// sshd's own (above).
Result<SshdPorts> ssh_ports_to_open(const HostView& host, const std::vector<int>& policy_ports);

}  // namespace clawshield
