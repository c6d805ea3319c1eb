// The docker layer's verify checks, declared once: findings are made from these (make_finding),
// the checklist names them, docs/checks.md is generated from them (tools/checks_doc.cc).
#pragma once

#include "layers/check.h"

namespace clawshield::checks {

inline constexpr Check k_docker_daemon_config{
    .id = "docker.daemon_config",
    .layer = "docker",
    .summary = "daemon.json hardened",
    .fails_when =
        "`/etc/docker/daemon.json` lacks a policy key (`ip` 127.0.0.1, "
        "`userland-proxy` false, `no-new-privileges`, `live-restore`, `iptables`, `ip6tables`, log "
        "limits) or is not valid JSON; unknown when Docker is not installed",
};

inline constexpr Check k_docker_group_members{
    .id = "docker.group_members",
    .layer = "docker",
    .summary = "docker group holds only allowed users",
    .fails_when =
        "the `docker` group has a member the policy does not allow "
        "(`docker.group_members`); the app user kept there for `app.sandbox: system-docker` is a "
        "warn (root-equivalent), never a pass",
};

inline constexpr Check k_docker_compose{
    .id = "docker.compose",
    .layer = "docker",
    .summary = "compose files publish on loopback and run as non-root",
    .fails_when =
        "a policy-listed compose file publishes a port without a loopback "
        "address, or a service has no non-root `user:`",
};

}  // namespace clawshield::checks
