// The kernel layer's verify checks, declared once: findings are made from these (make_finding),
// the checklist names them, docs/checks.md is generated from them (tools/checks_doc.cc).
#pragma once

#include "layers/check.h"

namespace clawshield::checks {

inline constexpr Check k_kernel_rp_filter{
    .id = "kernel.rp_filter",
    .layer = "kernel",
    .summary = "sysctl rp_filter",
    .fails_when =
        "reverse-path filtering off (`net.ipv4.conf.{all,default}.rp_filter` not "
        "1 or 2)",
};

inline constexpr Check k_kernel_redirects{
    .id = "kernel.redirects",
    .layer = "kernel",
    .summary = "sysctl redirects",
    .fails_when = "ICMP redirects accepted (v4, v6, \"secure\" ones) or sent",
};

inline constexpr Check k_kernel_source_route{
    .id = "kernel.source_route",
    .layer = "kernel",
    .summary = "sysctl source_route",
    .fails_when = "source-routed packets accepted (v4 or v6)",
};

inline constexpr Check k_kernel_syncookies{
    .id = "kernel.syncookies",
    .layer = "kernel",
    .summary = "sysctl syncookies",
    .fails_when = "`net.ipv4.tcp_syncookies` is not 1",
};

inline constexpr Check k_kernel_icmp{
    .id = "kernel.icmp",
    .layer = "kernel",
    .summary = "sysctl icmp",
    .fails_when = "broadcast echo or bogus ICMP error responses not ignored",
};

inline constexpr Check k_kernel_log_martians{
    .id = "kernel.log_martians",
    .layer = "kernel",
    .summary = "sysctl log_martians",
    .fails_when = "(warn) martian packets not logged",
};

inline constexpr Check k_kernel_kptr_restrict{
    .id = "kernel.kptr_restrict",
    .layer = "kernel",
    .summary = "sysctl kptr_restrict",
    .fails_when =
        "kernel pointers, dmesg or ptrace of other processes open to "
        "unprivileged users",
};

inline constexpr Check k_kernel_dmesg_restrict{
    .id = "kernel.dmesg_restrict",
    .layer = "kernel",
    .summary = "sysctl dmesg_restrict",
    .fails_when =
        "kernel pointers, dmesg or ptrace of other processes open to "
        "unprivileged users",
};

inline constexpr Check k_kernel_ptrace_scope{
    .id = "kernel.ptrace_scope",
    .layer = "kernel",
    .summary = "sysctl ptrace_scope",
    .fails_when =
        "kernel pointers, dmesg or ptrace of other processes open to "
        "unprivileged users",
};

inline constexpr Check k_kernel_bpf{
    .id = "kernel.bpf",
    .layer = "kernel",
    .summary = "sysctl bpf",
    .fails_when = "unprivileged BPF allowed, or the BPF JIT not hardened",
};

inline constexpr Check k_kernel_links{
    .id = "kernel.links",
    .layer = "kernel",
    .summary = "sysctl links",
    .fails_when =
        "hard/symbolic link protections off (FIFO/regular-file protections: "
        "warn)",
};

inline constexpr Check k_kernel_suid_dumpable{
    .id = "kernel.suid_dumpable",
    .layer = "kernel",
    .summary = "sysctl suid_dumpable",
    .fails_when = "set-uid programs dump core",
};

inline constexpr Check k_kernel_aslr{
    .id = "kernel.aslr",
    .layer = "kernel",
    .summary = "sysctl aslr",
    .fails_when = "`kernel.randomize_va_space` is not 2",
};

// The checks judged from kernel_settings() (each setting names its check), in this order.
inline constexpr const Check* k_kernel_sysctl[] = {
    &k_kernel_rp_filter,     &k_kernel_redirects,      &k_kernel_source_route,
    &k_kernel_syncookies,    &k_kernel_icmp,           &k_kernel_log_martians,
    &k_kernel_kptr_restrict, &k_kernel_dmesg_restrict, &k_kernel_ptrace_scope,
    &k_kernel_bpf,           &k_kernel_links,          &k_kernel_suid_dumpable,
    &k_kernel_aslr,
};

inline constexpr Check k_kernel_forwarding{
    .id = "kernel.forwarding",
    .layer = "kernel",
    .summary = "IP forwarding as Docker needs it",
    .fails_when =
        "(warn) Docker is installed and IPv4 forwarding is off (containers "
        "cannot reach out). Forwarding *on* is expected on a Docker host; the firewall's forward "
        "chain decides what is routed",
};

inline constexpr Check k_kernel_persisted{
    .id = "kernel.persisted",
    .layer = "kernel",
    .summary = "settings kept across reboots",
    .fails_when =
        "`/etc/sysctl.d/99-clawshield.conf` is missing or differs from the "
        "policy's render",
};

}  // namespace clawshield::checks
