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

bool valid_interface_pattern(const std::string& name) {
  static const std::regex pattern("[A-Za-z0-9_.:-]{1,15}\\*?");
  return std::regex_match(name, pattern);
}

}  // namespace clawshield
