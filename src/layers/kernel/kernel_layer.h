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
std::string render_sysctl(const Policy& policy);

}  // namespace clawshield
