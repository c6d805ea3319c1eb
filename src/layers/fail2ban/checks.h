// The fail2ban layer's verify checks, declared once: findings are made from these (make_finding),
// the checklist names them, docs/checks.md is generated from them (tools/checks_doc.cc).
#pragma once

#include "layers/check.h"

namespace clawshield::checks {

inline constexpr Check k_fail2ban_jail{
    .id = "fail2ban.jail",
    .layer = "fail2ban",
    .summary = "jail.local holds the seed's jail",
    .fails_when =
        "`/etc/fail2ban/jail.local` differs from the policy's render (or is "
        "missing)",
};

inline constexpr Check k_fail2ban_journal_backend{
    .id = "fail2ban.journal_backend",
    .layer = "fail2ban",
    .summary = "fail2ban can read the journal",
    .fails_when = "no `/var/log/auth.log` and python3-systemd is not installed",
};

inline constexpr Check k_fail2ban_active{
    .id = "fail2ban.active",
    .layer = "fail2ban",
    .summary = "jail sshd active",
    .fails_when = "`fail2ban-client status sshd` does not answer",
};

inline constexpr Check k_fail2ban_retired{
    .id = "fail2ban.retired",
    .layer = "fail2ban",
    .summary = "fail2ban not banning beside the guard",
    .fails_when = "(guard engine) fail2ban answers with an sshd jail: both ban",
};

}  // namespace clawshield::checks
