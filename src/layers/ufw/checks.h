// The ufw layer's verify checks, declared once: findings are made from these (make_finding),
// the checklist names them, docs/checks.md is generated from them (tools/checks_doc.cc).
#pragma once

#include "layers/check.h"

namespace clawshield::checks {

inline constexpr Check k_ufw_active{
    .id = "ufw.active",
    .layer = "ufw",
    .summary = "ufw active",
    .fails_when = "`ufw status` is not active (in the host's namespace)",
};

inline constexpr Check k_ufw_defaults{
    .id = "ufw.defaults",
    .layer = "ufw",
    .summary = "deny in, allow out, deny routed",
    .fails_when =
        "`/etc/default/ufw` does not say incoming DROP, outgoing ACCEPT, routed "
        "DROP, IPv6 yes, `IPT_SYSCTL=`",
};

inline constexpr Check k_ufw_rules{
    .id = "ufw.rules",
    .layer = "ufw",
    .summary = "exactly SSH, Tailscale and tailnet-only app rules",
    .fails_when =
        "ufw's rules (user.rules / user6.rules) are not exactly sshd's ports, "
        "the public ports and the app ports on trusted interfaces, for IPv4 and IPv6",
};

inline constexpr Check k_ufw_docker_user{
    .id = "ufw.docker_user",
    .layer = "ufw",
    .summary = "published ports dropped from untrusted interfaces (v4 and v6)",
    .fails_when =
        "iptables or ip6tables DOCKER-USER has no DROP for new connections, or "
        "after.rules/after6.rules lacks clawshield's block",
};

inline constexpr Check k_ufw_retired{
    .id = "ufw.retired",
    .layer = "ufw",
    .summary = "ufw not active beside the native table",
    .fails_when =
        "(native backend) ufw is active, or DOCKER-USER still holds clawshield's "
        "ufw-backend rules",
};

}  // namespace clawshield::checks
