// The rootless_docker layer's verify checks, declared once: findings are made from these
// (make_finding), the checklist names them, docs/checks.md is generated from them
// (tools/checks_doc.cc).
#pragma once

#include "layers/check.h"

namespace clawshield::checks {

inline constexpr Check k_rootless_docker_subordinate_ids{
    .id = "rootless_docker.subordinate_ids",
    .layer = "rootless_docker",
    .summary = "subordinate uid and gid ranges for the rootless daemon",
    .fails_when =
        "(`app.sandbox: rootless`) `/etc/subuid` or `/etc/subgid` gives the app "
        "user (by name or uid) fewer than 65536 ids; unknown when a file cannot be read",
};

inline constexpr Check k_rootless_docker_daemon_config{
    .id = "rootless_docker.daemon_config",
    .layer = "rootless_docker",
    .summary = "the rootless daemon's settings are root's and hardened",
    .fails_when =
        "`/etc/clawshield/docker-rootless-<user>.json` is missing, differs from "
        "what the policy renders (an edit turning `ip` to 0.0.0.0 is caught), or is not root's "
        "alone",
};

inline constexpr Check k_rootless_docker_daemon_rootless{
    .id = "rootless_docker.daemon_rootless",
    .layer = "rootless_docker",
    .summary = "the app user's rootless Docker daemon runs (rootless, as the user)",
    .fails_when =
        "`docker-rootless-<user>.service` is not active or not enabled, its main "
        "process does not run as the app user (all four uids, from `/proc/PID/status`: the "
        "kernel's word), or Docker's `/info` on its socket (opened by descriptor, never through a "
        "link) does not list `name=rootless`",
};

inline constexpr Check k_rootless_docker_socket_private{
    .id = "rootless_docker.socket_private",
    .layer = "rootless_docker",
    .summary = "the rootless daemon's socket is the app user's alone",
    .fails_when =
        "the daemon's folder `/run/docker-rootless-<user>` is not the user's or "
        "not 0700, the socket is not the user's, or either is a link or not what it should be",
};

inline constexpr Check k_rootless_docker_system_socket_closed{
    .id = "rootless_docker.system_socket_closed",
    .layer = "rootless_docker",
    .summary = "the system Docker daemon's socket is out of the app user's reach",
    .fails_when =
        "the system daemon's socket (`docker.socket`) is open to the app user: "
        "owned by it, group-writable with a group it is in, or writable by all (judged from owners "
        "and modes of the socket and every folder above it; ACLs are not read). Passes when there "
        "is no system socket",
};

inline constexpr Check k_rootless_docker_no_docker_group_left{
    .id = "rootless_docker.no_docker_group_left",
    .layer = "rootless_docker",
    .summary = "no process of the app user still holds the docker group",
    .fails_when =
        "a running process of the app user still holds the `docker` gid "
        "(supplementary groups are fixed at process start: a shell or manager from before the "
        "change keeps them); names the processes. Unknown off the live system",
};

inline constexpr Check k_rootless_docker_user_daemon_retired{
    .id = "rootless_docker.user_daemon_retired",
    .layer = "rootless_docker",
    .summary = "no rootless Docker of the user's own beside this one",
    .fails_when =
        "a `docker.service` user unit of the app user's own is enabled (a "
        "`*.wants/` link in `~/.config/systemd/user`): it would run a second rootless daemon on "
        "`~/.local/share/docker`",
};

inline constexpr Check k_rootless_docker_gateway_docker_host{
    .id = "rootless_docker.gateway_docker_host",
    .layer = "rootless_docker",
    .summary = "the gateway reaches the rootless daemon (DOCKER_HOST)",
    .fails_when =
        "the running gateway (MainPID of its unit) has no `DOCKER_HOST`, or one "
        "other than the rootless daemon's socket (it would reach no daemon, or the system's). "
        "Unknown when the gateway is not running",
};

}  // namespace clawshield::checks
