// The containers layer's verify checks, declared once: findings are made from these (make_finding),
// the checklist names them, docs/checks.md is generated from them (tools/checks_doc.cc).
#pragma once

#include "layers/check.h"

namespace clawshield::checks {

inline constexpr Check k_containers_published_ports{
    .id = "containers.published_ports",
    .layer = "containers",
    .summary = "published ports bound to loopback only",
    .fails_when =
        "a running container publishes a port on a wildcard/non-loopback address "
        "(bound, or asked for explicitly) not in `docker.public_ports`",
};

inline constexpr Check k_containers_root_user{
    .id = "containers.root_user",
    .layer = "containers",
    .summary = "containers run as a non-root user",
    .fails_when =
        "a container runs as root (empty `User`, `0`, `root`); warn for "
        "`docker.root_image_exemptions`",
};

inline constexpr Check k_containers_privileged{
    .id = "containers.privileged",
    .layer = "containers",
    .summary = "no privileged containers",
    .fails_when = "a container is `--privileged`",
};

inline constexpr Check k_containers_host_network{
    .id = "containers.host_network",
    .layer = "containers",
    .summary = "no container on the host's network",
    .fails_when = "a container uses `--net=host`",
};

inline constexpr Check k_containers_host_namespaces{
    .id = "containers.host_namespaces",
    .layer = "containers",
    .summary = "no container in the host's PID or IPC namespace",
    .fails_when = "a container shares the host's PID or IPC namespace",
};

inline constexpr Check k_containers_docker_socket{
    .id = "containers.docker_socket",
    .layer = "containers",
    .summary = "the Docker socket is not mounted into containers",
    .fails_when = "a container mounts the Docker socket",
};

inline constexpr Check k_containers_capabilities{
    .id = "containers.capabilities",
    .layer = "containers",
    .summary = "no added capabilities",
    .fails_when = "a container adds capabilities",
};

inline constexpr Check k_containers_no_new_privileges{
    .id = "containers.no_new_privileges",
    .layer = "containers",
    .summary = "no-new-privileges for every container",
    .fails_when = "(warn) a container lacks no-new-privileges (the daemon default counts)",
};

}  // namespace clawshield::checks
