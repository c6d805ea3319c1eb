// Checks on policy values that hold whatever file they came from: names the system accepts,
// absolute paths, no characters that would change meaning in generated files. Also the list
// of the guard's message kinds, which the policy validates `guard.weights` against.
#include "policy/policy_rules.h"

#include <arpa/inet.h>

#include <regex>

#include "core/parse.h"
#include "core/text.h"

namespace clawshield {

bool valid_account_name(const std::string& name) {
  static const std::regex pattern("[a-z_][a-z0-9_-]{0,31}");
  return std::regex_match(name, pattern);
}

bool valid_service_name(const std::string& name) {
  static const std::regex pattern("[A-Za-z0-9][A-Za-z0-9:_.@-]{0,200}");
  return std::regex_match(name, pattern) && name.find(".service") == std::string::npos;
}

bool valid_absolute_path(const std::string& path) {
  if (path.empty() || path.front() != '/')
    return false;
  for (char c : path) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == ' ' || c == '"' || c == '\\' || c == '%')
      return false;
  }
  if (path == "/")
    return true;
  if (path.back() == '/')
    return false;
  for (const auto& part : split(std::string_view(path).substr(1), '/'))
    if (part.empty() || part == "." || part == "..")
      return false;
  return true;
}

bool path_within(const std::string& path, const std::string& dir) {
  if (dir == "/")
    return true;
  return path == dir ||
         (path.starts_with(dir) && path.size() > dir.size() && path[dir.size()] == '/');
}

const std::vector<std::string>& system_directories() {
  static const std::vector<std::string> dirs = {"/etc",
                                                "/usr",
                                                "/bin",
                                                "/sbin",
                                                "/lib",
                                                "/lib32",
                                                "/lib64",
                                                "/libx32",
                                                "/boot",
                                                "/efi",
                                                "/dev",
                                                "/proc",
                                                "/sys",
                                                "/root",
                                                "/run/systemd",
                                                "/run/sudo",
                                                "/run/docker",
                                                "/run/containerd",
                                                "/run/dbus",
                                                "/run/user",
                                                "/run/sshd",
                                                "/run/clawshield",
                                                "/var/run/docker.sock",
                                                "/run/docker.sock",
                                                "/var/lib/clawshield",
                                                "/var/lib/docker",
                                                "/var/lib/containerd",
                                                "/var/lib/dpkg",
                                                "/var/lib/apt",
                                                "/var/lib/systemd",
                                                "/var/lib/sudo",
                                                "/var/lib/tailscale",
                                                "/var/lib/polkit-1",
                                                "/var/lib/private",
                                                "/var/lib/ucf",
                                                "/var/lib/pam",
                                                "/var/log/journal",
                                                "/var/log/auth.log",
                                                "/var/spool/cron",
                                                "/var/backups",
                                                "/var/mail",
                                                "/var/spool/mail"};
  return dirs;
}

const std::vector<std::string>& home_bases() {
  static const std::vector<std::string> dirs = {"/home", "/srv", "/opt", "/var/lib", "/var/opt"};
  return dirs;
}

const std::vector<std::string>& root_program_directories() {
  static const std::vector<std::string> dirs = {"/usr", "/bin", "/sbin", "/lib"};
  return dirs;
}

const std::vector<std::string>& privileged_groups() {
  // Debian's base groups (base-passwd) with a meaning beyond "a user", and the groups
  // packages create for access that is root-equivalent or reads secrets, logs or devices.
  static const std::vector<std::string> groups = {"root",
                                                  "daemon",
                                                  "bin",
                                                  "sys",
                                                  "adm",
                                                  "tty",
                                                  "disk",
                                                  "lp",
                                                  "mail",
                                                  "news",
                                                  "uucp",
                                                  "man",
                                                  "proxy",
                                                  "kmem",
                                                  "dialout",
                                                  "fax",
                                                  "voice",
                                                  "cdrom",
                                                  "floppy",
                                                  "tape",
                                                  "sudo",
                                                  "audio",
                                                  "dip",
                                                  "www-data",
                                                  "backup",
                                                  "operator",
                                                  "list",
                                                  "irc",
                                                  "src",
                                                  "gnats",
                                                  "shadow",
                                                  "utmp",
                                                  "video",
                                                  "sasl",
                                                  "plugdev",
                                                  "staff",
                                                  "games",
                                                  "users",
                                                  "nogroup",
                                                  "systemd-journal",
                                                  "systemd-network",
                                                  "systemd-resolve",
                                                  "systemd-timesync",
                                                  "input",
                                                  "kvm",
                                                  "render",
                                                  "sgx",
                                                  "crontab",
                                                  "messagebus",
                                                  "ssh",
                                                  "_ssh",
                                                  "netdev",
                                                  "lxd",
                                                  "docker",
                                                  "wheel",
                                                  "admin",
                                                  "libvirt",
                                                  "lpadmin",
                                                  "tss",
                                                  "polkitd",
                                                  "bluetooth",
                                                  "scanner"};
  return groups;
}

const std::vector<std::string>& system_accounts() {
  static const std::vector<std::string> users = {"root",
                                                 "daemon",
                                                 "bin",
                                                 "sys",
                                                 "sync",
                                                 "games",
                                                 "man",
                                                 "lp",
                                                 "mail",
                                                 "news",
                                                 "uucp",
                                                 "proxy",
                                                 "www-data",
                                                 "backup",
                                                 "list",
                                                 "irc",
                                                 "gnats",
                                                 "_gnats",
                                                 "nobody",
                                                 "_apt",
                                                 "messagebus",
                                                 "sshd",
                                                 "systemd-network",
                                                 "systemd-resolve",
                                                 "systemd-timesync",
                                                 "systemd-coredump",
                                                 "polkitd",
                                                 "tss",
                                                 "dnsmasq",
                                                 "avahi",
                                                 "clawshield"};
  return users;
}

bool valid_ip_address(const std::string& text) {
  unsigned char buffer[16];
  return ::inet_pton(AF_INET, text.c_str(), buffer) == 1 ||
         ::inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

bool valid_network(const std::string& text) {
  size_t slash = text.find('/');
  std::string address = text.substr(0, slash);
  unsigned char bytes[16] = {};
  bool v4 = ::inet_pton(AF_INET, address.c_str(), bytes) == 1;
  bool v6 = !v4 && ::inet_pton(AF_INET6, address.c_str(), bytes) == 1;
  if (!v4 && !v6)
    return false;
  int bits = v4 ? 32 : 128;
  if (slash == std::string::npos)
    return true;
  std::string length = text.substr(slash + 1);
  if (length.size() > 1 && length.front() == '0')
    return false;
  // Unsigned: digits only, no sign.
  auto parsed = parse_int(length, 0u, static_cast<unsigned>(bits));
  if (!parsed)
    return false;
  const int prefix = static_cast<int>(*parsed);
  // No bits set past the prefix: "10.0.0.1/8" is a typo for an address or for 10.0.0.0/8.
  for (int bit = prefix; bit < bits; ++bit)
    if (bytes[bit / 8] & (0x80 >> (bit % 8)))
      return false;
  return true;
}

bool valid_command_path(const std::string& path) {
  return valid_absolute_path(path) && path.find_first_of("*?[],:=") == std::string::npos;
}

bool valid_single_line(const std::string& text) {
  return text.find_first_of("\n\r") == std::string::npos;
}

}  // namespace clawshield

#include "policy/policy.h"

namespace clawshield {

const std::vector<std::string>& guard_event_kinds() {
  static const std::vector<std::string> kinds = {
      "failed_password",    "failed_publickey",  "invalid_user",
      "not_allowed",        "max_auth_attempts", "pam_failure",
      "preauth_disconnect", "auth_disconnect",   "no_identification",
      "banner_error",       "kex_error",         "negotiation_failed",
      "preauth_timeout",    "penalty",           "accepted"};
  return kinds;
}

const std::vector<std::pair<AppSandbox, std::string>>& app_sandbox_names() {
  static const std::vector<std::pair<AppSandbox, std::string>> names = {
      {AppSandbox::rootless, "rootless"},
      {AppSandbox::system_docker, "system-docker"},
      {AppSandbox::none, "none"},
  };
  return names;
}

std::string app_sandbox_name(AppSandbox sandbox) {
  for (const auto& [value, name] : app_sandbox_names())
    if (value == sandbox)
      return name;
  return "unknown";
}

const std::vector<std::pair<FirewallBackend, std::string>>& firewall_backend_names() {
  static const std::vector<std::pair<FirewallBackend, std::string>> names = {
      {FirewallBackend::nftables, "nftables"},
      {FirewallBackend::ufw, "ufw"},
  };
  return names;
}

std::string firewall_backend_name(FirewallBackend backend) {
  for (const auto& [value, name] : firewall_backend_names())
    if (value == backend)
      return name;
  return "unknown";
}

const std::vector<std::pair<GuardEngine, std::string>>& guard_engine_names() {
  static const std::vector<std::pair<GuardEngine, std::string>> names = {
      {GuardEngine::clawshield, "clawshield"},
      {GuardEngine::fail2ban, "fail2ban"},
  };
  return names;
}

std::string guard_engine_name(GuardEngine engine) {
  for (const auto& [value, name] : guard_engine_names())
    if (value == engine)
      return name;
  return "unknown";
}

const std::vector<SysctlSetting>& kernel_settings() {
  using enum SysctlScope;
  using enum SysctlSeverity;
  static const std::vector<SysctlSetting> settings = {
      {"net.ipv4.conf.all.rp_filter", "1", {"1", "2"}, "rp_filter", network, fail},
      {"net.ipv4.conf.default.rp_filter", "1", {"1", "2"}, "rp_filter", network, fail},
      {"net.ipv4.conf.all.accept_redirects", "0", {"0"}, "redirects", network, fail},
      {"net.ipv4.conf.default.accept_redirects", "0", {"0"}, "redirects", network, fail},
      {"net.ipv4.conf.all.secure_redirects", "0", {"0"}, "redirects", network, fail},
      {"net.ipv4.conf.default.secure_redirects", "0", {"0"}, "redirects", network, fail},
      {"net.ipv4.conf.all.send_redirects", "0", {"0"}, "redirects", network, fail},
      {"net.ipv4.conf.default.send_redirects", "0", {"0"}, "redirects", network, fail},
      {"net.ipv6.conf.all.accept_redirects", "0", {"0"}, "redirects", network, fail},
      {"net.ipv6.conf.default.accept_redirects", "0", {"0"}, "redirects", network, fail},
      {"net.ipv4.conf.all.accept_source_route", "0", {"0"}, "source_route", network, fail},
      {"net.ipv4.conf.default.accept_source_route", "0", {"0"}, "source_route", network, fail},
      {"net.ipv6.conf.all.accept_source_route", "0", {"0"}, "source_route", network, fail},
      {"net.ipv6.conf.default.accept_source_route", "0", {"0"}, "source_route", network, fail},
      {"net.ipv4.tcp_syncookies", "1", {"1"}, "syncookies", network, fail},
      {"net.ipv4.icmp_echo_ignore_broadcasts", "1", {"1"}, "icmp", network, fail},
      {"net.ipv4.icmp_ignore_bogus_error_responses", "1", {"1"}, "icmp", network, fail},
      {"net.ipv4.conf.all.log_martians", "1", {"1"}, "log_martians", network, warn},
      {"kernel.kptr_restrict", "1", {"1", "2"}, "kptr_restrict", machine, fail},
      {"kernel.dmesg_restrict", "1", {"1"}, "dmesg_restrict", machine, fail},
      {"kernel.yama.ptrace_scope", "1", {"1", "2", "3"}, "ptrace_scope", machine, fail},
      {"kernel.unprivileged_bpf_disabled", "1", {"1", "2"}, "bpf", machine, fail},
      {"net.core.bpf_jit_harden", "2", {"1", "2"}, "bpf", machine, fail},
      {"fs.protected_hardlinks", "1", {"1"}, "links", machine, fail},
      {"fs.protected_symlinks", "1", {"1"}, "links", machine, fail},
      {"fs.protected_fifos", "1", {"1", "2"}, "links", machine, warn},
      {"fs.protected_regular", "2", {"1", "2"}, "links", machine, warn},
      {"fs.suid_dumpable", "0", {"0"}, "suid_dumpable", machine, fail},
      {"kernel.randomize_va_space", "2", {"2"}, "aslr", machine, fail},
  };
  return settings;
}

const std::vector<std::string>& known_sysctls() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> all;
    for (const auto& setting : kernel_settings()) all.push_back(setting.name);
    return all;
  }();
  return names;
}

bool valid_interface_pattern(const std::string& name) {
  static const std::regex pattern("[A-Za-z0-9_.-]{1,15}\\*?");
  return std::regex_match(name, pattern) && name != "." && name != "..";
}

}  // namespace clawshield
