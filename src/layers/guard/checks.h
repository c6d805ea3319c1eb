// The guard layer's verify checks, declared once: findings are made from these (make_finding),
// the checklist names them, docs/checks.md is generated from them (tools/checks_doc.cc).
#pragma once

#include "layers/check.h"

namespace clawshield::checks {

inline constexpr Check k_guard_unit_installed{
    .id = "guard.unit_installed",
    .layer = "guard",
    .summary = "guard unit installed",
    .fails_when =
        "`clawshield-guard.service` is missing (warn when it differs from the "
        "policy's render)",
};

inline constexpr Check k_guard_exposure{
    .id = "guard.exposure",
    .layer = "guard",
    .summary = "guard unit sandboxed",
    .fails_when = "(warn) `systemd-analyze security` scores the guard's unit above 2.0",
};

inline constexpr Check k_guard_log_source{
    .id = "guard.log_source",
    .layer = "guard",
    .summary = "guard reads sshd's messages with their sender",
    .fails_when =
        "(warn) the guard would read a log file (`guard.journal: false`, or "
        "`/dev/log` is not journald's): a file cannot show who wrote a line, so any local user can "
        "get an address banned (see docs/guard.md)",
};

inline constexpr Check k_guard_enabled{
    .id = "guard.enabled",
    .layer = "guard",
    .summary = "guard starts at boot",
    .fails_when = "the guard does not start at boot",
};

inline constexpr Check k_guard_active{
    .id = "guard.active",
    .layer = "guard",
    .summary = "guard running",
    .fails_when =
        "`systemctl is-active` says it is not running; where systemd does not "
        "run, the guard's control socket must answer (unknown under another `--root` when it does "
        "not)",
};

inline constexpr Check k_guard_ban_sets{
    .id = "guard.ban_sets",
    .layer = "guard",
    .summary = "ban sets hooked into input and forward",
    .fails_when = "`ban_v4`/`ban_v6` missing, or input or forward does not drop them",
};

inline constexpr Check k_guard_retired{
    .id = "guard.retired",
    .layer = "guard",
    .summary = "guard out of service (engine: fail2ban)",
    .fails_when =
        "(fail2ban engine) clawshield's guard unit is installed or the guard "
        "answers: both ban",
};

}  // namespace clawshield::checks
