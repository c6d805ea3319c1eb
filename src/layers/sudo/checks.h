// The sudo layer's verify checks, declared once: findings are made from these (make_finding),
// the checklist names them, docs/checks.md is generated from them (tools/checks_doc.cc).
#pragma once

#include "layers/check.h"

namespace clawshield::checks {

inline constexpr Check k_sudo_file_mode{
    .id = "sudo.file_mode",
    .layer = "sudo",
    .summary = "sudoers file root-owned 0440",
    .fails_when = "`/etc/sudoers.d/<user>` is missing or not root:root 0440",
};

inline constexpr Check k_sudo_valid{
    .id = "sudo.valid",
    .layer = "sudo",
    .summary = "sudoers file valid (visudo)",
    .fails_when = "`visudo -c` rejects the file",
};

inline constexpr Check k_sudo_no_broad_rules{
    .id = "sudo.no_broad_rules",
    .layer = "sudo",
    .summary = "no ALL, wildcard or open-argument rule for the user",
    .fails_when =
        "any rule reaching the user (by name, `#uid`, `%group`, `%#gid`, `ALL`, "
        "nested `User_Alias`, in `/etc/sudoers` or any file it includes) grants `ALL`, a wildcard, "
        "a relative path or a command without fixed arguments. The rules are parsed by sudo's own "
        "parser (`cvtsudoers -f json`), includes followed under the root (a root without "
        "`/etc/sudoers` is read as Debian's, which includes `/etc/sudoers.d`); unknown without "
        "cvtsudoers, when a file does not parse, when `nsswitch.conf` takes sudoers from "
        "`sss`/`ldap` too, or when a rule names the user only through a netgroup or non-Unix group",
};

inline constexpr Check k_sudo_noexec{
    .id = "sudo.noexec",
    .layer = "sudo",
    .summary = "every granted command is NOEXEC (no pager escape)",
    .fails_when =
        "a command granted to the user is not `NOEXEC` as sudo applies it (a "
        "later `EXEC:` in the same rule, `Defaults noexec` only where it reaches the command)",
};

inline constexpr Check k_sudo_environment{
    .id = "sudo.environment",
    .layer = "sudo",
    .summary = "no SETENV, !env_reset or kept variable that changes what root runs",
    .fails_when =
        "a command granted to the user may run with the user's environment: "
        "`SETENV` (tag, implied by `ALL`, or `Defaults setenv`), `!env_reset`, or "
        "`env_keep`/`env_check` keeping variables that change what a root program loads or runs "
        "(`LD_*`, `PAGER`, `SYSTEMD_*`, `LESS*`, `PATH`, ...)",
};

inline constexpr Check k_sudo_exact_commands{
    .id = "sudo.exact_commands",
    .layer = "sudo",
    .summary = "user may run exactly the scoped commands",
    .fails_when =
        "the user may run anything other than exactly the scoped commands; on "
        "the live root from `sudo -l -U <user>`, under `--root` from the sudoers files",
};

}  // namespace clawshield::checks
