// Kernel settings of a Docker host (layer 1, the network stack under the firewall): written to
// /etc/sysctl.d so they survive a reboot, applied to the running kernel, verified from /proc.
#pragma once

#include "layers/layer.h"

namespace clawshield {

class KernelLayer final : public Layer {
 public:
  int number() const override { return 1; }
  std::string_view id() const override { return "kernel"; }
  std::string_view title() const override { return "kernel network and hardening settings"; }
  Result<std::vector<Action>> desired(const Context& context) const override;
  std::vector<Finding> verify(const Context& context) const override;
};

inline constexpr const char* k_sysctl_path = "/etc/sysctl.d/99-clawshield.conf";

// Whose the settings of each scope are. In a container the machine-wide ones (kernel.*, fs.*,
// net.core) are its host's, and so are the network namespace's where the container manager
// mounts /proc/sys/net read-only (nspawn without a private network, Docker): clawshield
// neither writes nor judges those. Each member is why that scope is the host's, or nullopt.
struct SysctlOwners {
  std::optional<std::string> machine;
  std::optional<std::string> network;
  const std::optional<std::string>& held(SysctlScope scope) const {
    return scope == SysctlScope::machine ? machine : network;
  }
};
// Reads them from `host`: the container marker under its root, and on the running system
// whether /proc/sys/net is read-only.
Result<SysctlOwners> sysctl_owners(const HostView& host);

// The sysctl.d file: every setting of the policy that is not exempt and not held by the host.
std::string render_sysctl(const Policy& policy, const SysctlOwners& owners = {});

}  // namespace clawshield
