// Layer 7 — scoped sudo. The file is checked by visudo before it is installed (the engine runs
// the validator on the rendered text and writes nothing if it fails): a broken file in
// sudoers.d disables sudo for everyone. verify looks at it three ways: visudo's verdict on the
// installed file, every rule that reaches the user in any sudoers file (no ALL, wildcard or
// argument-free command), and — on the live system — what sudo itself says the user may run.
// Which rules reach the user, and with which tags, is read by sudo's own parser (see
// sudoers.cc); without it the checks are unknown, never pass.
#include "layers/sudo/sudo_layer.h"

#include <algorithm>
#include <set>

#include "core/text.h"
#include "host/accounts.h"
#include "layers/openclaw/gateway_service.h"
#include "layers/sudo/checks.h"
#include "layers/sudo/sudoers.h"

namespace clawshield {

Command visudo_check_command(const std::string& content) {
  Command command{{"visudo", "--check", "--quiet", "--file", "-"}};
  command.stdin_data = content;
  return command;
}

namespace {

// The gateway's unit as discovered (the real one on an openclaw-ansible host), so the rules
// name a unit that exists.
Result<std::string> gateway_unit(const Context& context) {
  CS_TRY(GatewayService gateway, discover_gateway(context.host, context.policy));
  return gateway.name;
}

}  // namespace

Result<std::vector<Action>> SudoLayer::desired(const Context& context) const {
  const Policy& policy = context.policy;
  CS_TRY(std::string service, gateway_unit(context));
  std::string content = render_sudoers(policy, service);
  std::vector<Action> actions;
  actions.push_back(EnsureDirectory{"/etc/sudoers.d", FileSpec{0755, "root", "root"}});
  actions.push_back(WriteFile{sudoers_path(policy), content, FileSpec{0440, "root", "root"},
                              visudo_check_command(content)});
  return actions;
}

std::vector<Finding> SudoLayer::verify(const Context& context) const {
  const Policy& policy = context.policy;
  const HostView& host = context.host;
  std::vector<Finding> findings;
  const std::string path = sudoers_path(policy);

  // The file: present, root-owned 0440, and accepted by visudo.
  auto st = host.fs.stat(path);
  if (!st) {
    findings.push_back(make_finding(checks::k_sudo_file_mode, Status::unknown, st.error().message));
  } else if (!*st) {
    findings.push_back(
        make_finding(checks::k_sudo_file_mode, Status::fail, path + " does not exist"));
  } else {
    bool ok = (*st)->mode == 0440 && (*st)->uid == 0 && (*st)->gid == 0;
    findings.push_back(make_finding(checks::k_sudo_file_mode, ok ? Status::pass : Status::fail,
                                    path + " " + format_mode((*st)->mode) + " uid " +
                                        std::to_string((*st)->uid) + " gid " +
                                        std::to_string((*st)->gid)));
  }
  auto content = host.fs.read(path);
  if (!content) {
    findings.push_back(
        make_finding(checks::k_sudo_valid,
                     content.error().code == ErrorCode::not_found ? Status::fail : Status::unknown,
                     content.error().message));
  } else {
    auto result = host.runner.run(visudo_check_command(*content));
    if (!result) {
      findings.push_back(
          make_finding(checks::k_sudo_valid, Status::unknown, result.error().message));
    } else {
      findings.push_back(make_finding(
          checks::k_sudo_valid, result->ok() ? Status::pass : Status::fail,
          result->ok() ? "visudo -c: parsed OK" : std::string(trim(result->err + result->out))));
    }
  }

  // Every rule that reaches the user, in any file sudo reads, as sudo's parser reads it.
  auto accounts = Accounts::load(host.fs);
  if (!accounts) {
    for (const Check* check : {&checks::k_sudo_no_broad_rules, &checks::k_sudo_noexec,
                               &checks::k_sudo_environment, &checks::k_sudo_exact_commands})
      findings.push_back(make_finding(*check, Status::unknown, accounts.error().message));
    return findings;
  }
  auto rules = sudo_rules_for_user(host.fs, host.runner, *accounts, policy.app.user);
  if (!rules) {
    for (const Check* check :
         {&checks::k_sudo_no_broad_rules, &checks::k_sudo_noexec, &checks::k_sudo_environment})
      findings.push_back(make_finding(*check, Status::unknown, rules.error().message));
  } else {
    auto where = [](const SudoGrant& grant) {
      return grant.file + (grant.line ? ":" + std::to_string(grant.line) : "") + ": ";
    };
    std::vector<std::string> broad, broad_uncertain, exec, exec_uncertain;
    for (const auto& grant : rules->grants) {
      std::string problem = breadth_problem(grant);
      if (!problem.empty())
        (grant.certain ? broad : broad_uncertain)
            .push_back(where(grant) + grant.command + " (" + problem + ")");
      if (std::ranges::find(grant.tags, "NOEXEC") == grant.tags.end())
        (grant.certain ? exec : exec_uncertain).push_back(where(grant) + grant.command);
    }
    const std::string uncertain_reason =
        " (the rule names the user through a netgroup or non-Unix group, which cannot be "
        "resolved under this root)";
    std::string note = rules->note.empty() ? "" : "; " + rules->note;
    auto judged = [&](const std::vector<std::string>& certain,
                      const std::vector<std::string>& uncertain) {
      return !certain.empty() ? Status::fail : !uncertain.empty() ? Status::unknown : Status::pass;
    };
    Status broad_status = judged(broad, broad_uncertain);
    findings.push_back(make_finding(checks::k_sudo_no_broad_rules, broad_status,
                                    broad_status == Status::pass
                                        ? std::to_string(rules->grants.size()) +
                                              " fixed-argv rules in " +
                                              std::to_string(rules->files.size()) + " files" + note
                                        : join(broad.empty() ? broad_uncertain : broad, "; ") +
                                              (broad.empty() ? uncertain_reason : "")));
    Status exec_status = judged(exec, exec_uncertain);
    findings.push_back(make_finding(checks::k_sudo_noexec, exec_status,
                                    exec_status == Status::pass
                                        ? "NOEXEC on all " + std::to_string(rules->grants.size())
                                        : "without NOEXEC (can start a shell): " +
                                              join(exec.empty() ? exec_uncertain : exec, "; ") +
                                              (exec.empty() ? uncertain_reason : "")));
    findings.push_back(make_finding(
        checks::k_sudo_environment, rules->environment.empty() ? Status::pass : Status::fail,
        rules->environment.empty() ? "env_reset, no SETENV, no dangerous env_keep"
                                   : join(rules->environment, "; ")));
  }

  // The commands themselves: sudo's own answer on the live system, our reading of the files
  // under any other root (sudo only reads the running system's configuration).
  auto service = gateway_unit(context);
  if (!service) {
    findings.push_back(
        make_finding(checks::k_sudo_exact_commands, Status::unknown, service.error().message));
    return findings;
  }
  const auto expected = allowed_commands(policy, *service);
  std::set<std::string> want(expected.begin(), expected.end());
  std::set<std::string> have;
  std::string source;
  if (host.fs.is_system_root() && accounts->user(policy.app.user)) {
    Command command{{"sudo", "--non-interactive", "--list", "--other-user", policy.app.user}};
    auto listed = host.runner.run(command);
    if (!listed || !listed->ok()) {
      findings.push_back(
          make_finding(checks::k_sudo_exact_commands, Status::unknown,
                       listed ? describe_failure(command, *listed) : listed.error().message));
      return findings;
    }
    for (const auto& c : parse_sudo_list(listed->out)) have.insert(c);
    source = "sudo -l -U " + policy.app.user;
  } else if (rules) {
    for (const auto& grant : rules->grants) {
      if (!grant.certain) {
        findings.push_back(
            make_finding(checks::k_sudo_exact_commands, Status::unknown,
                         grant.file + ": " + grant.command +
                             " may reach the user through a netgroup or non-Unix group"));
        return findings;
      }
      have.insert(grant.command);
    }
    source = "sudoers files under " + (host.fs.root().empty() ? std::string("/") : host.fs.root());
  } else {
    findings.push_back(
        make_finding(checks::k_sudo_exact_commands, Status::unknown, rules.error().message));
    return findings;
  }
  std::vector<std::string> extra, missing;
  for (const auto& c : have)
    if (!want.contains(c))
      extra.push_back(c);
  for (const auto& c : want)
    if (!have.contains(c))
      missing.push_back(c);
  std::string evidence = source + ": " + std::to_string(have.size()) + " commands";
  if (!extra.empty())
    evidence += "; extra: " + join(extra, ", ");
  if (!missing.empty())
    evidence += "; missing: " + join(missing, ", ");
  findings.push_back(make_finding(checks::k_sudo_exact_commands,
                                  extra.empty() && missing.empty() ? Status::pass : Status::fail,
                                  evidence));
  return findings;
}

}  // namespace clawshield
