// Layer 8: automatic security updates, never an automatic reboot, pending reboots reported.
#pragma once

#include <map>

#include "layers/layer.h"

namespace clawshield {

class UpdatesLayer final : public Layer {
 public:
  int number() const override { return 8; }
  std::string_view id() const override { return "updates"; }
  std::string_view title() const override { return "automatic security updates"; }
  Result<std::vector<Action>> desired(const Context& context) const override;
  std::vector<Finding> verify(const Context& context) const override;
};

std::string render_periodic(const Policy& policy);
std::string render_unattended(const Policy& policy);
inline constexpr const char* k_periodic_path = "/etc/apt/apt.conf.d/20auto-upgrades";
inline constexpr const char* k_unattended_path =
    "/etc/apt/apt.conf.d/52clawshield-unattended-upgrades";

// APT's effective configuration under the root (`apt-config dump`), key -> values in order
// (list items appear under "Key::").
Result<std::multimap<std::string, std::string>> apt_config(const HostView& host);

}  // namespace clawshield
