// Renders the effective policy as YAML for `clawshield policy show`. The output is itself a
// valid policy file, so it doubles as a template an admin can edit.
#include <yaml-cpp/yaml.h>

#include <sstream>

#include "policy/policy.h"

namespace clawshield {
namespace {

void string_list(YAML::Emitter& out, const char* key, const std::vector<std::string>& items) {
  out << YAML::Key << key << YAML::Value << YAML::BeginSeq;
  for (const auto& item : items) out << YAML::DoubleQuoted << item;
  out << YAML::EndSeq;
}

void port_list(YAML::Emitter& out, const char* key, const std::vector<int>& ports) {
  out << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (int port : ports) out << port;
  out << YAML::EndSeq;
}

}  // namespace

std::string render_policy(const Policy& policy) {
  YAML::Emitter out;
  out << YAML::BeginMap;

  const DockerPolicy& docker = policy.docker;
  out << YAML::Key << "docker" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "socket" << YAML::Value << docker.socket;
  out << YAML::Key << "default_bind_ip" << YAML::Value << YAML::DoubleQuoted
      << docker.default_bind_ip;
  out << YAML::Key << "userland_proxy" << YAML::Value << docker.userland_proxy;
  out << YAML::Key << "no_new_privileges" << YAML::Value << docker.no_new_privileges;
  out << YAML::Key << "live_restore" << YAML::Value << docker.live_restore;
  out << YAML::Key << "iptables" << YAML::Value << docker.iptables;
  out << YAML::Key << "ip6tables" << YAML::Value << docker.ip6tables;
  out << YAML::Key << "experimental_for_ip6tables" << YAML::Value
      << docker.experimental_for_ip6tables;
  out << YAML::Key << "log_max_size" << YAML::Value << docker.log_max_size;
  out << YAML::Key << "log_max_file" << YAML::Value << docker.log_max_file;
  port_list(out, "public_ports", docker.public_ports);
  string_list(out, "root_image_exemptions", docker.root_image_exemptions);
  string_list(out, "compose_files", docker.compose_files);
  string_list(out, "group_members", docker.group_members);
  out << YAML::EndMap;

  const GuardPolicy& guard = policy.guard;
  out << YAML::Key << "guard" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "maxretry" << YAML::Value << guard.maxretry;
  out << YAML::Key << "findtime" << YAML::Value << guard.findtime;
  out << YAML::Key << "bantime" << YAML::Value << guard.bantime;
  out << YAML::Key << "bantime_factor" << YAML::Value << guard.bantime_factor;
  out << YAML::Key << "bantime_max" << YAML::Value << guard.bantime_max;
  out << YAML::Key << "ipv6_prefix" << YAML::Value << guard.ipv6_prefix;
  string_list(out, "allowlist", guard.allowlist);
  out << YAML::Key << "weights" << YAML::Value << YAML::Flow << YAML::BeginMap;
  for (const auto& [kind, weight] : guard.weights)
    out << YAML::Key << kind << YAML::Value << weight;
  out << YAML::EndMap;
  out << YAML::Key << "max_tracked" << YAML::Value << guard.max_tracked;
  string_list(out, "log_files", guard.log_files);
  out << YAML::Key << "journal" << YAML::Value << guard.journal;
  out << YAML::Key << "executable" << YAML::Value << guard.executable;
  out << YAML::Key << "engine" << YAML::Value << guard_engine_name(guard.engine);
  out << YAML::EndMap;

  const FirewallPolicy& firewall = policy.firewall;
  out << YAML::Key << "firewall" << YAML::Value << YAML::BeginMap;
  port_list(out, "ssh_ports", firewall.ssh_ports);
  port_list(out, "public_tcp", firewall.public_tcp);
  port_list(out, "public_udp", firewall.public_udp);
  // Unset, the gateway's port is the one OpenClaw resolves on the host: written back only when
  // the policy set it (as app.service and app.exec_start), or a copy of `policy show` (the
  // packaged example is one) would pin the port and stop following the gateway.
  if (firewall.app_ports_origin == Origin::policy)
    port_list(out, "app_ports", firewall.app_ports);
  string_list(out, "trusted_interfaces", firewall.trusted_interfaces);
  string_list(out, "container_interfaces", firewall.container_interfaces);
  out << YAML::Key << "confirm_timeout" << YAML::Value << firewall.confirm_timeout;
  out << YAML::Key << "backend" << YAML::Value << firewall_backend_name(firewall.backend);
  out << YAML::EndMap;

  const AppPolicy& app = policy.app;
  out << YAML::Key << "app" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "user" << YAML::Value << app.user;
  out << YAML::Key << "group" << YAML::Value << app.group;
  out << YAML::Key << "home" << YAML::Value << app.home;
  out << YAML::Key << "state_dir" << YAML::Value << app.state_dir;
  // Unset, the shell is left as it is: only a shell the policy sets is written out.
  if (app.shell)
    out << YAML::Key << "shell" << YAML::Value << *app.shell;
  out << YAML::Key << "sandbox" << YAML::Value << app_sandbox_name(app.sandbox);
  // Unset, the unit's name and command are discovered on the host: written back only when the
  // policy set them, so the effective policy loads with the same meaning.
  if (app.service_origin == Origin::policy)
    out << YAML::Key << "service" << YAML::Value << app.service;
  out << YAML::Key << "description" << YAML::Value << YAML::DoubleQuoted << app.description;
  if (app.exec_start_origin == Origin::policy)
    out << YAML::Key << "exec_start" << YAML::Value << YAML::DoubleQuoted << app.exec_start;
  out << YAML::Key << "config_file" << YAML::Value << app.config_file;
  string_list(out, "forbidden_groups", app.forbidden_groups);
  out << YAML::Key << "allow_funnel" << YAML::Value << app.allow_funnel;
  out << YAML::EndMap;

  const SystemdPolicy& systemd = policy.systemd;
  out << YAML::Key << "systemd" << YAML::Value << YAML::BeginMap;
  std::ostringstream exposure;
  exposure << systemd.max_exposure;
  out << YAML::Key << "max_exposure" << YAML::Value << exposure.str();
  string_list(out, "read_write_paths", systemd.read_write_paths);
  string_list(out, "environment", systemd.environment);
  out << YAML::EndMap;

  const SudoPolicy& sudo = policy.sudo;
  out << YAML::Key << "sudo" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "systemctl" << YAML::Value << sudo.systemctl;
  out << YAML::Key << "journalctl" << YAML::Value << sudo.journalctl;
  out << YAML::Key << "tailscale" << YAML::Value << sudo.tailscale;
  out << YAML::Key << "allow_tailscale" << YAML::Value << sudo.allow_tailscale;
  out << YAML::EndMap;

  const UpdatesPolicy& updates = policy.updates;
  out << YAML::Key << "updates" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "update_package_lists" << YAML::Value << updates.update_package_lists;
  out << YAML::Key << "unattended_upgrade" << YAML::Value << updates.unattended_upgrade;
  out << YAML::Key << "automatic_reboot" << YAML::Value << updates.automatic_reboot;
  string_list(out, "origins_pattern", updates.origins_pattern);
  out << YAML::EndMap;

  out << YAML::Key << "ssh" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "password_authentication" << YAML::Value
      << policy.ssh.password_authentication;
  out << YAML::Key << "permit_root_login" << YAML::Value << policy.ssh.permit_root_login;
  out << YAML::Key << "max_auth_tries" << YAML::Value << policy.ssh.max_auth_tries;
  out << YAML::EndMap;

  out << YAML::Key << "kernel" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "manage" << YAML::Value << policy.kernel.manage;
  string_list(out, "exempt", policy.kernel.exempt);
  out << YAML::EndMap;

  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace clawshield
