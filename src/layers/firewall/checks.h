// The firewall layer's verify checks, declared once: findings are made from these (make_finding),
// the checklist names them, docs/checks.md is generated from them (tools/checks_doc.cc).
#pragma once

#include "layers/check.h"

namespace clawshield::checks {

inline constexpr Check k_firewall_table_loaded{
    .id = "firewall.table_loaded",
    .layer = "firewall",
    .summary = "table inet clawshield loaded",
    .fails_when =
        "the kernel has no `inet clawshield` table, or it differs from the "
        "render (`nft -t list`); unknown under `--root` without `--netns`",
};

inline constexpr Check k_firewall_default_deny{
    .id = "firewall.default_deny",
    .layer = "firewall",
    .summary = "inbound and routed default drop (IPv4 and IPv6)",
    .fails_when =
        "input or forward of our table lacks `policy drop` (the inet family "
        "covers IPv4 and IPv6)",
};

inline constexpr Check k_firewall_open_ports{
    .id = "firewall.open_ports",
    .layer = "firewall",
    .summary = "only the intended ports open to untrusted interfaces",
    .fails_when =
        "the TCP/UDP ports accepted from any interface are not exactly sshd's "
        "ports, `public_tcp` and `public_udp`",
};

inline constexpr Check k_firewall_docker_isolation{
    .id = "firewall.docker_isolation",
    .layer = "firewall",
    .summary = "published container ports unreachable from untrusted interfaces",
    .fails_when =
        "no `ct status dnat drop` in our forward chain, or another table's "
        "forward chain runs at our priority or before",
};

inline constexpr Check k_firewall_other_managers{
    .id = "firewall.other_managers",
    .layer = "firewall",
    .summary = "no other firewall manager or dropping table",
    .fails_when =
        "(warn) ufw or firewalld active, or another table's input chain drops by "
        "default",
};

inline constexpr Check k_firewall_unconfirmed{
    .id = "firewall.unconfirmed",
    .layer = "firewall",
    .summary = "no unconfirmed firewall change",
    .fails_when =
        "an apply's firewall change was neither confirmed nor rolled back by its "
        "deadline (the watchdog or the boot revert died): `clawshield-firewall.service` does not "
        "load at boot until `rollback --unconfirmed` or `confirm` settles it; warn while a change "
        "awaits `clawshield confirm` (the journal and seconds left); any backend, read from "
        "`/var/lib/clawshield/firewall-unconfirmed`",
};

inline constexpr Check k_firewall_listening{
    .id = "firewall.listening",
    .layer = "firewall",
    .summary = "non-loopback listeners are allowed services",
    .fails_when =
        "(warn) a socket listens on a non-loopback address and is not an allowed "
        "service (from `/proc/self/net/{tcp,tcp6,udp,udp6}` of the host's namespace)",
};

inline constexpr Check k_firewall_retired{
    .id = "firewall.retired",
    .layer = "firewall",
    .summary = "native table not loaded beside ufw",
    .fails_when =
        "(ufw backend) the native `inet clawshield` table is still loaded: both "
        "firewalls run",
};

}  // namespace clawshield::checks
