// The systemd layer's verify checks, declared once: findings are made from these (make_finding),
// the checklist names them, docs/checks.md is generated from them (tools/checks_doc.cc).
#pragma once

#include "layers/check.h"

namespace clawshield::checks {

inline constexpr Check k_systemd_unit_present{
    .id = "systemd.unit_present",
    .layer = "systemd",
    .summary = "unit matches the policy",
    .fails_when =
        "the hardened system unit for the gateway is missing (warn when it "
        "differs from the render). Its name and command are the gateway's as found "
        "(`layers/openclaw/gateway_service`): a foreign system unit, else the app user's "
        "`~/.config/systemd/user/openclaw-gateway*.service`, else the policy's `app.exec_start`; "
        "unknown when that unit cannot be read or carried safely (a `+`/`!` ExecStart prefix, a "
        "`%` specifier, a line continuation, a link)",
};

inline constexpr Check k_systemd_seed_directives{
    .id = "systemd.seed_directives",
    .layer = "systemd",
    .summary = "seed's sandbox directives set",
    .fails_when =
        "any of `NoNewPrivileges=true`, `PrivateTmp=true`, "
        "`ProtectSystem=strict`, `ProtectHome=read-only`, `ReadWritePaths=<state dir>` is not in "
        "effect in the unit",
};

inline constexpr Check k_systemd_runs_as_app_user{
    .id = "systemd.runs_as_app_user",
    .layer = "systemd",
    .summary = "service runs as the app user",
    .fails_when = "`User=` is missing, root, or not the app user",
};

inline constexpr Check k_systemd_no_dropins{
    .id = "systemd.no_dropins",
    .layer = "systemd",
    .summary = "no drop-ins override the unit",
    .fails_when = "(warn) drop-ins in `<unit>.d/` may override the unit",
};

// Its summary names the policy's limit (a SummaryOverride where it is made).
inline constexpr Check k_systemd_exposure{
    .id = "systemd.exposure",
    .layer = "systemd",
    .summary = "exposure <= <systemd.max_exposure>",
    .fails_when =
        "`systemd-analyze security --offline=true --root=ROOT` scores above "
        "`systemd.max_exposure` (2.0); unknown when systemd-analyze is missing",
};

inline constexpr Check k_systemd_user_unit_retired{
    .id = "systemd.user_unit_retired",
    .layer = "systemd",
    .summary = "the app user's own gateway unit is not enabled",
    .fails_when =
        "the app user's gateway unit is still enabled (a `*.wants/` link in "
        "`~/.config/systemd/user`): a second, unsandboxed gateway starts with the user's manager",
};

inline constexpr Check k_systemd_gateway_active{
    .id = "systemd.gateway_active",
    .layer = "systemd",
    .summary = "the hardened gateway unit is running",
    .fails_when =
        "`systemctl show` says the hardened unit is not active; unknown where "
        "systemd is not running or the root is not the live system",
};

}  // namespace clawshield::checks
