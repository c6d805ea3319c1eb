// Checks on policy values that hold whatever file they came from: names the system accepts,
// absolute paths, no characters that would change meaning in generated files. Also the list
// of the guard's message kinds, which the policy validates `guard.weights` against.
#include "policy/policy_rules.h"

#include <regex>

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
  for (char c : path)
    if (c == '\n' || c == '\0' || c == ' ' || c == '\t' || c == '"' || c == '\\')
      return false;
  return path.find("/../") == std::string::npos && !path.ends_with("/..");
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
      "failed_password",   "failed_publickey",  "invalid_user",       "not_allowed",
      "max_auth_attempts", "pam_failure",       "preauth_disconnect", "auth_disconnect",
      "no_identification",
      "banner_error",      "kex_error",         "negotiation_failed", "preauth_timeout",
      "penalty",           "accepted"};
  return kinds;
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
    for (const auto& setting : kernel_settings())
      all.push_back(setting.name);
    return all;
  }();
  return names;
}

bool valid_interface_pattern(const std::string& name) {
  static const std::regex pattern("[A-Za-z0-9_.:-]{1,15}\\*?");
  return std::regex_match(name, pattern);
}

}  // namespace clawshield
