// Tailscale (layer 1's other open door): the tailnet is how the admin reaches the app, so it
// must be up, and Funnel (publishing to the internet through Tailscale) must be off.
#pragma once

#include "layers/layer.h"

namespace clawshield {

class TailscaleLayer final : public Layer {
 public:
  int number() const override { return 1; }
  std::string_view id() const override { return "tailscale"; }
  std::string_view title() const override { return "Tailscale"; }
  Result<std::vector<Action>> desired(const Context&) const override {
    return std::vector<Action>{};
  }
  std::vector<Finding> verify(const Context& context) const override;
};

struct TailscaleStatus {
  std::string backend_state;           // "Running", "NeedsLogin", "Stopped", ...
  std::vector<std::string> addresses;  // this node's tailnet addresses
  std::string host_name;
};

// `tailscale status --json`.
Result<TailscaleStatus> parse_tailscale_status(const std::string& json);
// `tailscale funnel status --json` (a serve config): the host:port entries Funnel publishes.
Result<std::vector<std::string>> parse_funnel_hosts(const std::string& json);

}  // namespace clawshield
