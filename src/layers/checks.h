// Every verify check, in the order docs/checks.md lists them. The list docs/checks.md is
// generated from (tools/checks_doc.cc) and the catalog's own tests walk; the checks themselves
// are declared beside their layers (layers/<layer>/checks.h).
#pragma once

#include <array>
#include <cstddef>

#include "layers/app_user/checks.h"
#include "layers/containers/checks.h"
#include "layers/docker/checks.h"
#include "layers/fail2ban/checks.h"
#include "layers/firewall/checks.h"
#include "layers/guard/checks.h"
#include "layers/kernel/checks.h"
#include "layers/openclaw/checks.h"
#include "layers/rootless_docker/checks.h"
#include "layers/ssh/checks.h"
#include "layers/sudo/checks.h"
#include "layers/systemd_unit/checks.h"
#include "layers/tailscale/checks.h"
#include "layers/ufw/checks.h"
#include "layers/updates/checks.h"

namespace clawshield::checks {

inline constexpr std::array k_all = {
    &k_firewall_table_loaded,
    &k_firewall_default_deny,
    &k_firewall_open_ports,
    &k_firewall_docker_isolation,
    &k_firewall_other_managers,
    &k_firewall_unconfirmed,
    &k_firewall_listening,
    &k_guard_unit_installed,
    &k_guard_exposure,
    &k_guard_log_source,
    &k_guard_enabled,
    &k_guard_active,
    &k_guard_ban_sets,
    &k_docker_daemon_config,
    &k_docker_group_members,
    &k_docker_compose,
    &k_containers_published_ports,
    &k_containers_root_user,
    &k_containers_privileged,
    &k_containers_host_network,
    &k_containers_host_namespaces,
    &k_containers_docker_socket,
    &k_containers_capabilities,
    &k_containers_no_new_privileges,
    &k_openclaw_gateway_bind,
    &k_openclaw_config_mode,
    &k_openclaw_auth,
    &k_openclaw_token_strength,
    &k_openclaw_rate_limit,
    &k_openclaw_tailscale,
    &k_openclaw_control_ui,
    &k_openclaw_trusted_proxies,
    &k_app_user_exists,
    &k_app_user_not_root,
    &k_app_user_not_in_forbidden_groups,
    &k_app_user_login_shell,
    &k_app_user_state_dir,
    &k_rootless_docker_subordinate_ids,
    &k_rootless_docker_daemon_config,
    &k_rootless_docker_daemon_rootless,
    &k_rootless_docker_socket_private,
    &k_rootless_docker_system_socket_closed,
    &k_rootless_docker_no_docker_group_left,
    &k_rootless_docker_user_daemon_retired,
    &k_rootless_docker_gateway_docker_host,
    &k_openclaw_listening,
    &k_openclaw_state_files,
    &k_openclaw_audit,
    &k_openclaw_audit_item,
    &k_systemd_unit_present,
    &k_systemd_seed_directives,
    &k_systemd_runs_as_app_user,
    &k_systemd_no_dropins,
    &k_systemd_exposure,
    &k_systemd_user_unit_retired,
    &k_systemd_gateway_active,
    &k_sudo_file_mode,
    &k_sudo_valid,
    &k_sudo_no_broad_rules,
    &k_sudo_noexec,
    &k_sudo_environment,
    &k_sudo_exact_commands,
    &k_updates_package_installed,
    &k_updates_periodic_update,
    &k_updates_periodic_unattended,
    &k_updates_security_only,
    &k_updates_automatic_reboot,
    &k_updates_reboot_pending,
    &k_ssh_password_authentication,
    &k_ssh_root_login,
    &k_ssh_max_auth_tries,
    &k_ssh_empty_passwords,
    &k_kernel_rp_filter,
    &k_kernel_redirects,
    &k_kernel_source_route,
    &k_kernel_syncookies,
    &k_kernel_icmp,
    &k_kernel_log_martians,
    &k_kernel_kptr_restrict,
    &k_kernel_dmesg_restrict,
    &k_kernel_ptrace_scope,
    &k_kernel_bpf,
    &k_kernel_links,
    &k_kernel_suid_dumpable,
    &k_kernel_aslr,
    &k_kernel_forwarding,
    &k_kernel_persisted,
    &k_tailscale_running,
    &k_tailscale_funnel_off,
    &k_ufw_active,
    &k_ufw_defaults,
    &k_ufw_rules,
    &k_ufw_docker_user,
    &k_firewall_retired,
    &k_ufw_retired,
    &k_fail2ban_jail,
    &k_fail2ban_journal_backend,
    &k_fail2ban_active,
    &k_guard_retired,
    &k_fail2ban_retired,
};

// Each id once, each well formed: a duplicate or a check of no layer does not compile.
consteval bool catalog_well_formed() {
  for (std::size_t i = 0; i < k_all.size(); ++i) {
    if (!well_formed(*k_all[i]))
      return false;
    // By id only: a check listed twice has its id twice (and GCC's sanitizers make the
    // addresses of two constants no constant expression to compare).
    for (std::size_t j = 0; j < i; ++j)
      if (k_all[j]->id == k_all[i]->id)
        return false;
  }
  return true;
}
static_assert(catalog_well_formed(), "a check is listed twice or is not well formed");

}  // namespace clawshield::checks
