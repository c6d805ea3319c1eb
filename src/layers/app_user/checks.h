// The app_user layer's verify checks, declared once: findings are made from these (make_finding),
// the checklist names them, docs/checks.md is generated from them (tools/checks_doc.cc).
#pragma once

#include "layers/check.h"

namespace clawshield::checks {

inline constexpr Check k_app_user_exists{
    .id = "app_user.exists",
    .layer = "app_user",
    .summary = "app user exists",
    .fails_when = "the app user is not in the root's `/etc/passwd`",
};

inline constexpr Check k_app_user_not_root{
    .id = "app_user.not_root",
    .layer = "app_user",
    .summary = "app user is not root",
    .fails_when = "the app user has uid 0",
};

// Its summary names the policy's groups (a SummaryOverride where it is made).
inline constexpr Check k_app_user_not_in_forbidden_groups{
    .id = "app_user.not_in_forbidden_groups",
    .layer = "app_user",
    .summary = "app user not in <app.forbidden_groups, joined by /> (root-equivalent)",
    .fails_when =
        "the user is in a policy-forbidden group (`app.forbidden_groups`), as "
        "primary or supplementary group. With `app.sandbox: system-docker` membership of `docker` "
        "is kept for OpenClaw's Docker sandboxes and is a **warn** naming the risk "
        "(root-equivalent; `app.sandbox: rootless`, the default, removes the need); with "
        "`rootless` or `none` it fails",
};

inline constexpr Check k_app_user_login_shell{
    .id = "app_user.login_shell",
    .layer = "app_user",
    .summary = "app user's login shell",
    .fails_when =
        "`app.shell` is set and the user's shell differs. Unset, the shell is "
        "left as it is and the check passes saying so (a login shell is what `sudo su - openclaw` "
        "and `openclaw onboard` need)",
};

inline constexpr Check k_app_user_state_dir{
    .id = "app_user.state_dir",
    .layer = "app_user",
    .summary = "state dir is private",
    .fails_when =
        "`~/.openclaw` is missing, not a directory, not 0700, or not owned by "
        "the user",
};

}  // namespace clawshield::checks
