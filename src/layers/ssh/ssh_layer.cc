// Why sshd's settings are judged next to the guard: a ban after five failures means little if
// passwords are accepted at all, root may log in, or each connection may try many times. The
// values are sshd's effective ones (`sshd -T` on the live host), with sshd's own defaults for
// anything unset, so "not mentioned in sshd_config" is judged as what sshd really does.
// Debian's sshd is built with PAM: keyboard-interactive with UsePAM asks for the password too.
#include "layers/ssh/ssh_layer.h"

#include <limits>

#include "core/parse.h"
#include "core/text.h"
#include "layers/ssh/checks.h"
#include "layers/ssh/sshd_config.h"

namespace clawshield {
std::vector<Finding> SshLayer::verify(const Context& context) const {
  std::vector<Finding> findings;
  const SshPolicy& policy = context.policy.ssh;
  auto settings = sshd_settings(context.host);
  if (!settings) {
    for (const Check* check : {&checks::k_ssh_password_authentication, &checks::k_ssh_root_login,
                               &checks::k_ssh_max_auth_tries, &checks::k_ssh_empty_passwords})
      findings.push_back(make_finding(*check, Status::unknown, settings.error().message,
                                      SummaryOverride{"sshd setting"}));
    return findings;
  }
  const std::string from = " (" + settings->source +
                           (settings->match_blocks ? "; Match blocks not evaluated" : "") + ")";
  auto setting = [&](const char* keyword, const char* fallback) {
    return to_lower(settings->get(keyword, fallback));
  };

  // Passwords: PasswordAuthentication, or keyboard-interactive through PAM.
  const std::string password = setting("passwordauthentication", "yes");
  const std::string keyboard = setting("kbdinteractiveauthentication", "yes");
  const std::string pam = setting("usepam", "no");
  const bool passwords = password == "yes" || (keyboard == "yes" && pam == "yes");
  findings.push_back(make_finding(
      checks::k_ssh_password_authentication,
      passwords && !policy.password_authentication ? Status::fail : Status::pass,
      "passwordauthentication " + password + ", kbdinteractiveauthentication " + keyboard +
          ", usepam " + pam + from +
          (passwords && !policy.password_authentication
               ? "; set PasswordAuthentication no and KbdInteractiveAuthentication no in "
                 "/etc/ssh/sshd_config.d/ once a key login works"
               : "")));

  // Root login: "no" passes; key-only root login is what the policy may allow.
  std::string root = setting("permitrootlogin", "prohibit-password");
  if (root == "without-password")
    root = "prohibit-password";  // sshd -T's older spelling
  Status root_status = root == "no"                       ? Status::pass
                       : root == "yes"                    ? Status::fail
                       : policy.permit_root_login == "no" ? Status::warn
                                                          : Status::pass;
  findings.push_back(
      make_finding(checks::k_ssh_root_login, root_status, "permitrootlogin " + root + from));

  // Attempts per connection.
  const std::string tries_text = setting("maxauthtries", "6");
  auto tries =
      parse_int(tries_text, std::numeric_limits<int>::min(), std::numeric_limits<int>::max());
  if (!tries)
    findings.push_back(make_finding(checks::k_ssh_max_auth_tries, Status::unknown,
                                    "maxauthtries \"" + tries_text + "\" is not a number" + from));
  else
    findings.push_back(make_finding(checks::k_ssh_max_auth_tries,
                                    *tries <= policy.max_auth_tries ? Status::pass : Status::fail,
                                    "maxauthtries " + tries_text + " (policy: at most " +
                                        std::to_string(policy.max_auth_tries) + ")" + from));

  const std::string empty = setting("permitemptypasswords", "no");
  findings.push_back(make_finding(checks::k_ssh_empty_passwords,
                                  empty == "no" ? Status::pass : Status::fail,
                                  "permitemptypasswords " + empty + from));
  return findings;
}

}  // namespace clawshield
