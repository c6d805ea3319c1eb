// Layer 4 (the app's side): OpenClaw's gateway listens on loopback (or the tailnet), and its
// configuration file is private to the app user.
#pragma once

#include <string>
#include <string_view>

#include "layers/layer.h"
#include "layers/openclaw/openclaw_config.h"

namespace clawshield {

class OpenClawLayer final : public Layer {
 public:
  int number() const override { return 4; }
  std::string_view id() const override { return "openclaw"; }
  std::string_view title() const override { return "OpenClaw gateway exposure"; }
  Result<std::vector<Action>> desired(const Context& context) const override;
  std::vector<Finding> verify(const Context& context) const override;

 private:
  // `openclaw.auth`, `.token_strength`, `.rate_limit`, `.tailscale`, `.control_ui`,
  // `.trusted_proxies`: exposure_rules.h over the gateway's effective settings.
  void add_exposure_findings(const Context& context, const Result<GatewaySettings>& settings,
                             const OpenClawLaunch& launch, std::vector<Finding>& findings) const;
  // `openclaw.listening`: what the kernel shows bound on the gateway's port.
  void add_listening_finding(const Context& context, std::vector<Finding>& findings) const;
  // `openclaw.state_files`: credentials/, auth profiles and session indexes closed to others.
  void add_state_findings(const Context& context, std::vector<Finding>& findings) const;
  // `openclaw.audit` and one `openclaw.audit.<checkId>` per critical or warn finding of
  // OpenClaw's own auditor (live system only).
  void add_audit_findings(const Context& context, std::vector<Finding>& findings) const;
};

// Whether the policy trusts the tailnet's interface (then `gateway.bind: "tailnet"` is fine).
enum class TailnetTrust { trusted, untrusted };

struct GatewayJudgement {
  Status status;
  std::string evidence;
};

// Judges the effective `gateway.bind` (see read_gateway_settings), with each value's place as
// evidence. Total: pass only for loopback (OpenClaw's default included), a trusted tailnet, or
// "custom" with a loopback IPv4 customBindHost — OpenClaw takes nothing but a dotted-decimal
// IPv4 there ("localhost", "::1" make it resolve 0.0.0.0, all interfaces).
GatewayJudgement judge_gateway_bind(const GatewaySettings& settings, TailnetTrust tailnet);

// The same for the JSON5 text of an openclaw.json on its own (`source` names it in messages):
// no includes, variables or flags. Any text gives pass, fail or unknown with evidence.
GatewayJudgement judge_gateway_bind(std::string_view text, std::string_view source,
                                    TailnetTrust tailnet);

}  // namespace clawshield
