// The ssh layer's verify checks, declared once: findings are made from these (make_finding),
// the checklist names them, docs/checks.md is generated from them (tools/checks_doc.cc).
#pragma once

#include "layers/check.h"

namespace clawshield::checks {

inline constexpr Check k_ssh_password_authentication{
    .id = "ssh.password_authentication",
    .layer = "ssh",
    .summary = "no password logins",
    .fails_when =
        "sshd accepts passwords: `PasswordAuthentication yes`, or "
        "`KbdInteractiveAuthentication yes` with `UsePAM yes` (unless "
        "`ssh.password_authentication: true`)",
};

inline constexpr Check k_ssh_root_login{
    .id = "ssh.root_login",
    .layer = "ssh",
    .summary = "root cannot log in",
    .fails_when =
        "`PermitRootLogin yes`; warn for `prohibit-password` unless the policy "
        "allows it",
};

inline constexpr Check k_ssh_max_auth_tries{
    .id = "ssh.max_auth_tries",
    .layer = "ssh",
    .summary = "few attempts per connection",
    .fails_when = "`MaxAuthTries` above `ssh.max_auth_tries` (3)",
};

inline constexpr Check k_ssh_empty_passwords{
    .id = "ssh.empty_passwords",
    .layer = "ssh",
    .summary = "no empty passwords",
    .fails_when = "`PermitEmptyPasswords yes`",
};

}  // namespace clawshield::checks
