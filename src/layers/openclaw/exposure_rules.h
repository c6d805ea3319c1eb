// What OpenClaw's effective settings expose, judged by the rules OpenClaw itself documents
// (docs/gateway/config-gateway.md, security/audit-checks.md of 2026.9.6): auth on the gateway,
// the strength of its shared secret, failed-auth rate limiting, Tailscale Serve/Funnel, the
// Control UI's origin policy and dangerous flags, and trusted-proxy settings. Pure functions
// of the merged config (JSON) and the gateway's environment, so every rule has a fixture test.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "layers/layer.h"
#include "layers/openclaw/checks.h"

namespace clawshield {

// Whether the policy accepts `gateway.tailscale.mode: funnel` (public internet exposure).
enum class FunnelAllowed { yes, no };

struct ExposureJudgement {
  const Check* check;  // &checks::k_openclaw_auth, ...
  Status status;
  std::string evidence;
  // The summary where it is not the catalog's: a config that is not an object is judged under
  // each check's bare name ("auth").
  std::optional<std::string> summary = std::nullopt;
};

// The checks judge_exposure answers, in its order.
inline constexpr const Check* k_exposure_checks[] = {
    &checks::k_openclaw_auth,       &checks::k_openclaw_token_strength,
    &checks::k_openclaw_rate_limit, &checks::k_openclaw_tailscale,
    &checks::k_openclaw_control_ui, &checks::k_openclaw_trusted_proxies};

// The gateway's bind as OpenClaw resolves it: "loopback" unless `gateway.bind` says otherwise;
// `custom` with customBindHost 127.0.0.1 is loopback too.
struct EffectiveBind {
  std::string mode;           // auto | loopback | lan | tailnet | custom | (anything else, as set)
  bool loopback_only = true;  // reachable from this host only
  std::string evidence;
};
EffectiveBind effective_bind(const nlohmann::json& config);

// Every rule, in a stable order. `environment` is the gateway's (OPENCLAW_GATEWAY_TOKEN and
// OPENCLAW_GATEWAY_PASSWORD count as configured secrets, as OpenClaw counts them).
std::vector<ExposureJudgement> judge_exposure(const nlohmann::json& config,
                                              const std::map<std::string, std::string>& environment,
                                              FunnelAllowed funnel);

}  // namespace clawshield
