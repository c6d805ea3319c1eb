// Layer 6: the app's systemd unit, sandboxed as far as a Node.js network service allows.
#pragma once

#include "layers/layer.h"
#include "layers/openclaw/gateway_service.h"

namespace clawshield {

class SystemdUnitLayer final : public Layer {
 public:
  int number() const override { return 6; }
  std::string_view id() const override { return "systemd"; }
  std::string_view title() const override { return "systemd hardening"; }
  Result<std::vector<Action>> desired(const Context& context) const override;
  std::vector<Finding> verify(const Context& context) const override;
  // What discovery found: where the gateway's command comes from, what was left out.
  std::vector<std::string> notes(const Context& context) const override;
};

// The hardened system unit for `gateway` under `policy`; stable, so plan --diff shows only
// real changes.
struct RootlessDocker;
// The gateway's hardened system unit. With `docker` (app.sandbox: rootless), the gateway is
// ordered after that daemon and reaches it through DOCKER_HOST.
std::string render_unit(const Policy& policy, const GatewayService& gateway,
                        const RootlessDocker* docker = nullptr);
// Kernel, clock, hostname, /proc and keyring protections every clawshield unit sets.
std::string_view sandbox_protections();
// The end every clawshield unit shares: namespaces and realtime restricted, the
// @system-service syscall allow-list minus privileged groups, and [Install] for
// multi-user.target.
std::string_view sandbox_tail();

// Runs `systemd-analyze security --offline=true --root=ROOT UNIT` and returns the overall
// exposure (0 best .. 10 worst).
Result<double> exposure_score(const HostView& host, const std::string& unit_name);

}  // namespace clawshield
