// The tailscale layer's verify checks, declared once: findings are made from these (make_finding),
// the checklist names them, docs/checks.md is generated from them (tools/checks_doc.cc).
#pragma once

#include "layers/check.h"

namespace clawshield::checks {

inline constexpr Check k_tailscale_running{
    .id = "tailscale.running",
    .layer = "tailscale",
    .summary = "node up on the tailnet",
    .fails_when =
        "`tailscale status --json` says the backend is not `Running` or the node "
        "has no tailnet address; unknown when Tailscale is not installed",
};

inline constexpr Check k_tailscale_funnel_off{
    .id = "tailscale.funnel_off",
    .layer = "tailscale",
    .summary = "nothing published through Funnel",
    .fails_when = "`tailscale funnel status --json` publishes anything (`AllowFunnel`)",
};

}  // namespace clawshield::checks
