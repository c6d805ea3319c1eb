// The policy: what the server's posture must be, decoded once from YAML into typed structs.
// Every default is the seed document's value; layers read only these structs.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"

namespace clawshield {

// How OpenClaw runs its agents' sandboxes, which decides whether the app user may stay in the
// `docker` group. `rootless` (the default): on a rootless Docker daemon of the app user's own
// (rootlesskit, subordinate ids, a system unit running as the user), reached through DOCKER_HOST,
// so the user leaves `docker`; `system_docker`: through the system's Docker daemon, which needs
// `docker` membership (root-equivalent: kept, and reported as a warning); `none`: no Docker
// sandboxes, so the user is taken out of `docker` like any forbidden group.
enum class AppSandbox { rootless, system_docker, none };
// The YAML spelling of each value ("system-docker"), in the order docs/policy.md lists them.
const std::vector<std::pair<AppSandbox, std::string>>& app_sandbox_names();
std::string app_sandbox_name(AppSandbox sandbox);

// What guards the host's ports (`firewall.backend`). `nftables`: clawshield's own `inet
// clawshield` table. `ufw`: the seed's stack — ufw's defaults and rules, DOCKER-USER drops in
// after.rules/after6.rules (needs `guard.engine: fail2ban`: the guard bans through the
// nftables table).
enum class FirewallBackend { nftables, ufw };
// The YAML spelling of each value, in the order docs/policy.md lists them.
const std::vector<std::pair<FirewallBackend, std::string>>& firewall_backend_names();
std::string firewall_backend_name(FirewallBackend backend);

// What bans brute-force sources (`guard.engine`). `clawshield`: the guard daemon. `fail2ban`:
// the seed's jail.local with the guard's values.
enum class GuardEngine { clawshield, fail2ban };
// The YAML spelling of each value, in the order docs/policy.md lists them.
const std::vector<std::pair<GuardEngine, std::string>>& guard_engine_names();
std::string guard_engine_name(GuardEngine engine);

// A user clawshield creates gets a login shell: openclaw-ansible creates `openclaw` with
// /bin/bash, and OpenClaw's documented workflow is `sudo su - openclaw` then `openclaw onboard`
// (which `su -` refuses for a nologin account), pnpm updates run in that shell too. The
// password stays locked (useradd --system), so the shell opens no new way in.
inline constexpr const char* k_created_app_shell = "/bin/bash";

// The application (OpenClaw) and the account it runs as.
// Whether a setting was written in the policy file or is clawshield's default (some defaults
// give way to what is found on the host).
enum class Origin { default_value, policy };

struct AppPolicy {
  std::string user = "openclaw";
  std::string group = "openclaw";
  std::string home = "/home/openclaw";
  std::string state_dir = "/home/openclaw/.openclaw";  // "~/.openclaw" in YAML
  // The login shell, when the policy sets one: apply then sets it and verify fails if it
  // differs. Unset, an existing user's shell is left as it is and a new user gets
  // k_created_app_shell.
  std::optional<std::string> shell;
  AppSandbox sandbox = AppSandbox::rootless;
  std::string service = "openclaw";
  std::string description = "OpenClaw gateway";
  std::string exec_start = "/usr/bin/openclaw gateway --port 18789";
  // Unless set in the policy, the unit's name and command are those of the gateway found on
  // the host (its user unit from `openclaw onboard --install-daemon`), see gateway_service.h.
  Origin service_origin = Origin::default_value;
  Origin exec_start_origin = Origin::default_value;
  // OpenClaw's own configuration ("~/.openclaw/openclaw.json" in YAML).
  std::string config_file = "/home/openclaw/.openclaw/openclaw.json";
  // Groups the user must never be in: membership of `docker` is root-equivalent. With
  // `sandbox: system-docker`, `docker` membership is left in place and verify warns about it.
  std::vector<std::string> forbidden_groups = {"docker"};
  // Whether OpenClaw's `gateway.tailscale.mode: funnel` (the gateway on the public internet
  // through Tailscale Funnel) is accepted: then a warning, else a failure.
  bool allow_funnel = false;

  bool operator==(const AppPolicy&) const = default;
};

// The app's systemd unit.
struct SystemdPolicy {
  double max_exposure = 2.0;                  // systemd-analyze security score, 0 (best) to 10
  std::vector<std::string> read_write_paths;  // besides the state dir
  std::vector<std::string> environment = {"NODE_ENV=production"};

  bool operator==(const SystemdPolicy&) const = default;
};

// The scoped sudo rules for the app user.
struct SudoPolicy {
  std::string systemctl = "/usr/bin/systemctl";
  std::string journalctl = "/usr/bin/journalctl";
  std::string tailscale = "/usr/bin/tailscale";
  bool allow_tailscale = true;

  bool operator==(const SudoPolicy&) const = default;
};

// unattended-upgrades.
struct UpdatesPolicy {
  bool update_package_lists = true;
  bool unattended_upgrade = true;
  bool automatic_reboot = false;
  // Only security origins by default.
  std::vector<std::string> origins_pattern = {
      "origin=Debian,codename=${distro_codename},label=Debian-Security",
      "origin=Debian,codename=${distro_codename}-security,label=Debian-Security",
  };

  bool operator==(const UpdatesPolicy&) const = default;
};

// sshd's effective settings that verify judges (clawshield does not rewrite sshd_config: a
// wrong authentication change is the classic lockout, so it reports and leaves the fix to you).
struct SshPolicy {
  bool password_authentication = false;  // passwords (or PAM keyboard-interactive) allowed
  std::string permit_root_login = "no";  // "no" or "prohibit-password"
  int max_auth_tries = 3;                // most attempts per connection

  bool operator==(const SshPolicy&) const = default;
};

// Kernel settings (sysctl) for a Docker host; written to /etc/sysctl.d and applied.
struct KernelPolicy {
  bool manage = true;
  // Settings left as the admin has them (e.g. "kernel.yama.ptrace_scope" on a debugging box).
  std::vector<std::string> exempt;

  bool operator==(const KernelPolicy&) const = default;
};

// The nftables firewall (layers 1, 3 and 4, network side).
struct FirewallPolicy {
  // SSH ports to open; empty means "the ports sshd is configured to listen on".
  std::vector<int> ssh_ports;
  std::vector<int> public_tcp;            // further TCP ports open to everyone
  std::vector<int> public_udp = {41641};  // Tailscale's WireGuard port
  // Only from trusted interfaces. Unless set in the policy, the gateway's port as OpenClaw
  // resolves it on the host (gateway_service.h); 18789 is OpenClaw's default.
  std::vector<int> app_ports = {18789};
  Origin app_ports_origin = Origin::default_value;
  std::vector<std::string> trusted_interfaces = {"lo", "tailscale0"};
  // Where containers' traffic enters the host; new connections from them may leave.
  std::vector<std::string> container_interfaces = {"docker0", "br-*"};
  int confirm_timeout = 120;  // seconds; 0 = load without commit-confirmed rollback
  FirewallBackend backend = FirewallBackend::nftables;

  bool operator==(const FirewallPolicy&) const = default;
};

// Docker (layers 3-4, daemon side): the keys clawshield sets in /etc/docker/daemon.json.
struct DockerPolicy {
  std::string socket = "/var/run/docker.sock";
  std::string default_bind_ip =
      "127.0.0.1";  // "ip": -p 80:80 binds here unless an address is given
  bool userland_proxy = false;
  bool no_new_privileges = true;
  bool live_restore = true;
  bool iptables = true;
  bool ip6tables = true;
  // Docker before 27 accepts ip6tables only with experimental features on.
  bool experimental_for_ip6tables = true;
  std::string log_max_size = "10m";
  int log_max_file = 3;
  // Host ports a container may publish on all addresses (none: everything on loopback).
  std::vector<int> public_ports;
  // Images allowed to run as root (a warning instead of a failure), e.g. "local/busybox:1".
  std::vector<std::string> root_image_exemptions;
  // Compose files audited before they run (OpenClaw's), paths under the root.
  std::vector<std::string> compose_files;
  // Users allowed in the docker group (membership is root-equivalent). None by default.
  std::vector<std::string> group_members;

  bool operator==(const DockerPolicy&) const = default;
};

// The brute-force guard (layer 2).
struct GuardPolicy {
  double maxretry = 5;
  int findtime = 600;
  int bantime = 3600;
  double bantime_factor = 2.0;
  int bantime_max = 7 * 24 * 3600;
  int ipv6_prefix = 64;
  std::vector<std::string> allowlist = {"127.0.0.0/8", "::1/128", "100.64.0.0/10",
                                        "fd7a:115c:a1e0::/48"};
  // Weight per message kind (see docs/guard.md); a policy file overrides kinds one by one.
  // Authentication failures and scanners' handshakes count 1; a bare preauth disconnect 0.5;
  // the PAM line 0 (it repeats the "Failed password" line), as does the disconnect after a
  // counted attempt (auth_disconnect); publickey failures 0 (clients
  // offering several keys); successful logins 0.
  std::vector<std::pair<std::string, double>> weights = {
      {"failed_password", 1},      {"failed_publickey", 0},  {"invalid_user", 1},
      {"not_allowed", 1},          {"max_auth_attempts", 1}, {"pam_failure", 0},
      {"preauth_disconnect", 0.5}, {"auth_disconnect", 0},   {"no_identification", 1},
      {"banner_error", 1},         {"kex_error", 1},         {"negotiation_failed", 1},
      {"preauth_timeout", 1},      {"penalty", 1},           {"accepted", 0}};
  int max_tracked = 131072;
  std::vector<std::string> log_files = {"/var/log/auth.log"};
  bool journal = true;
  // Where clawshield is installed, for the guard's systemd unit.
  std::string executable = "/usr/local/bin/clawshield";
  GuardEngine engine = GuardEngine::clawshield;

  bool operator==(const GuardPolicy&) const = default;
};

// One kernel setting of the posture. `scope` says whose it is: the network namespace's
// (net.ipv4/ipv6, per namespace) or the whole machine's (kernel.*, fs.*, net.core).
enum class SysctlScope { network, machine };
enum class SysctlSeverity { fail, warn };
struct SysctlSetting {
  std::string name;
  std::string value;                  // what clawshield writes
  std::vector<std::string> accepted;  // values that pass
  std::string check;                  // the check it belongs to ("redirects")
  SysctlScope scope;
  SysctlSeverity severity;
};
// The settings a Docker host should have. IP forwarding is not among them: Docker needs it on
// (checked separately), so the router-side settings (no redirects sent, reverse-path filter)
// are the ones that matter.
const std::vector<SysctlSetting>& kernel_settings();
// Their names, for validating `kernel.exempt`.
const std::vector<std::string>& known_sysctls();

// The message kinds the guard knows, for validating `guard.weights`.
const std::vector<std::string>& guard_event_kinds();

struct Policy {
  DockerPolicy docker;
  GuardPolicy guard;
  FirewallPolicy firewall;
  AppPolicy app;
  SystemdPolicy systemd;
  SudoPolicy sudo;
  UpdatesPolicy updates;
  SshPolicy ssh;
  KernelPolicy kernel;
  std::string source = "built-in defaults";  // where it came from, for messages

  bool operator==(const Policy&) const = default;
};

inline constexpr const char* k_default_policy_path = "/etc/clawshield/policy.yaml";

// Decodes YAML `text`; `file` names it in errors ("file:line:col: ..."). Every problem found
// is reported, one per line, in a single ErrorCode::bad_input error.
Result<Policy> parse_policy(std::string_view text, const std::string& file);
// Renders `policy` as YAML that parse_policy accepts and decodes to the same policy.
std::string render_policy(const Policy& policy);

}  // namespace clawshield
