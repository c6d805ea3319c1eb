// Why a ufw backend at all: some admins check their server with the seed's own commands
// (`ufw status`, `iptables -L DOCKER-USER -n`) and want those answers word for word. So the
// seed's stack is generated, applied, verified and rolled back like the native one — with
// the seed's faults fixed: rules for sshd's real ports, app ports only on trusted interfaces,
// and DOCKER-USER drops for every untrusted interface (trusted and container interfaces are
// let through by name, everything else is dropped) in after.rules *and* after6.rules, as a
// marked block so re-apply and rollback touch only our lines.
//
// ufw keeps its own rules in user.rules; they are changed with ufw's own command line (its
// file format is ufw's business), compared as the "### tuple ###" records ufw writes. ufw runs
// against another root with --rootdir=/ --datadir=ROOT, which keeps its files and lock under
// the root; the kernel it changes is that of the namespace clawshield runs in.
#include "layers/ufw/ufw_layer.h"

#include <algorithm>
#include <set>

#include "core/parse.h"
#include "core/text.h"
#include "host/packages.h"
#include "layers/firewall/firewall_layer.h"
#include "layers/firewall/ruleset.h"
#include "layers/firewall/sshd_ports.h"
#include "layers/openclaw/gateway_service.h"
#include "layers/ufw/checks.h"

namespace clawshield {
namespace {

constexpr const char* k_begin = "# BEGIN clawshield DOCKER-USER";
constexpr const char* k_end = "# END clawshield DOCKER-USER";
constexpr const char* k_ufw_conf = "/etc/ufw/ufw.conf";
constexpr const char* k_user_rules = "/etc/ufw/user.rules";
constexpr const char* k_user6_rules = "/etc/ufw/user6.rules";
constexpr const char* k_comment = "clawshield";
constexpr const char* k_after_init = "/etc/ufw/after.init";
// A drop-in for ufw.service: ufw loads its rules at boot, and must not load ones that were
// never confirmed (see render_boot_dropin).
constexpr const char* k_ufw_boot_dropin = "/etc/systemd/system/ufw.service.d/clawshield.conf";
constexpr const char* k_init_marker = "# Managed by clawshield";

// ufw runs this on start and stop. Docker before 25 does not send IPv6 through DOCKER-USER
// (and with `iptables: false` not even IPv4): hook DOCKER-USER into FORWARD, first, for both
// families while ufw runs; a second jump that Docker adds itself changes nothing.
std::string render_after_init() {
  return std::string("#!/bin/sh\n") + k_init_marker +
         ": `clawshield apply` rewrites this file.\n"
         "# Hooks DOCKER-USER (rules from after.rules/after6.rules) into FORWARD while ufw runs.\n"
         "case \"$1\" in\n"
         "start)\n"
         "    for ipt in iptables ip6tables; do\n"
         "        $ipt -w -C FORWARD -j DOCKER-USER 2>/dev/null || $ipt -w -I FORWARD 1 -j "
         "DOCKER-USER\n"
         "    done\n"
         "    ;;\n"
         "stop)\n"
         "    for ipt in iptables ip6tables; do\n"
         "        while $ipt -w -D FORWARD -j DOCKER-USER 2>/dev/null; do :; done\n"
         "    done\n"
         "    ;;\n"
         "status|flush-all)\n"
         "    ;;\n"
         "*)\n"
         "    echo \"'$1' not supported\"\n"
         "    exit 1\n"
         "    ;;\n"
         "esac\n";
}

const std::vector<std::pair<std::string, std::string>> k_defaults = {
    {"IPV6", "yes"},
    {"DEFAULT_INPUT_POLICY", "\"DROP\""},
    {"DEFAULT_OUTPUT_POLICY", "\"ACCEPT\""},
    {"DEFAULT_FORWARD_POLICY", "\"DROP\""},
    // The kernel layer owns sysctls; ufw's own file would turn martian logging off again.
    {"IPT_SYSCTL", ""},
};

std::vector<std::string> ufw_argv(const HostView& host, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"ufw"};
  if (!host.fs.is_system_root()) {
    argv.push_back("--rootdir=/");
    argv.push_back("--datadir=" + host.fs.root());
  }
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

std::string any_address(const std::string& address) {
  return address == "0.0.0.0/0" || address == "::/0" ? "any" : address;
}

// /etc/default/ufw with the policy's keys set, everything else as it was.
std::string with_defaults(const std::string& current) {
  std::vector<std::string> lines = split_lines(current);
  std::set<std::string> seen;
  for (auto& line : lines) {
    for (const auto& [key, value] : k_defaults)
      if (line.starts_with(key + "=")) {
        line = key + "=" + value;
        seen.insert(key);
      }
  }
  std::string out = join(lines, "\n");
  if (!out.empty())
    out += "\n";
  for (const auto& [key, value] : k_defaults)
    if (!seen.contains(key))
      out += key + "=" + value + "\n";
  return out;
}

std::string iptables_interface(const std::string& pattern) {
  return pattern.ends_with("*") ? pattern.substr(0, pattern.size() - 1) + "+" : pattern;
}

// The rules ufw must hold: sshd's ports and the public ones for everyone, app ports on each
// trusted interface (lo is always allowed by ufw's before.rules; wildcards are not ufw's).
Result<std::vector<UfwRule>> wanted_rules(const HostView& host, const Policy& policy) {
  CS_TRY(SshdPorts ssh, ssh_ports_to_open(host, policy.firewall.ssh_ports));
  const FirewallSpec spec =
      make_firewall_spec(policy.firewall, ssh.ports, gateway_app_ports(host, policy));
  std::vector<UfwRule> rules;
  for (int port : spec.ssh_ports) rules.push_back({"allow", "tcp", std::to_string(port), ""});
  for (int port : spec.public_tcp) rules.push_back({"allow", "tcp", std::to_string(port), ""});
  for (int port : spec.public_udp) rules.push_back({"allow", "udp", std::to_string(port), ""});
  for (const auto& interface : spec.trusted_interfaces) {
    if (interface == "lo" || interface.ends_with("*"))
      continue;
    for (int port : spec.app_ports)
      rules.push_back({"allow", "tcp", std::to_string(port), interface});
  }
  std::ranges::sort(rules);
  rules.erase(std::unique(rules.begin(), rules.end()), rules.end());
  return rules;
}

std::string describe(const UfwRule& rule) {
  return rule.action + " " + rule.port + "/" + rule.protocol +
         (rule.interface.empty() ? "" : " on " + rule.interface) +
         (rule.source == "any" ? "" : " from " + rule.source);
}

// `ufw status` in this namespace: "active", "inactive", or an error.
Result<bool> ufw_active(const HostView& host) {
  // Under another root ufw keeps its lock in ROOT/lib/ufw; without it ufw never ran there.
  if (!host.fs.is_system_root()) {
    CS_TRY(auto state, host.fs.stat("/lib/ufw"));
    if (!state)
      return false;
  }
  Command status(ufw_argv(host, {"status"}));
  CS_TRY(CommandResult result, host.runner.run(status));
  if (!result.ok())
    return fail(ErrorCode::command_failed, describe_failure(status, result));
  return result.out.find("Status: active") != std::string::npos;
}

// Lines of DOCKER-USER (iptables -S) that carry our comment; empty when the chain is absent.
std::vector<std::string> our_docker_user_rules(const HostView& host, const char* program) {
  auto listed = host.runner.run(Command({program, "-w", "-S", "DOCKER-USER"}));
  std::vector<std::string> ours;
  if (!listed || !listed->ok())
    return ours;
  for (const auto& line : split_lines(listed->out))
    if (line.find(std::string("--comment ") + k_comment) != std::string::npos)
      ours.push_back(line);
  return ours;
}

bool is_installed(const HostView& host) {
  return package_installed(host, "ufw").value_or(false);
}

}  // namespace

std::vector<UfwRule> parse_ufw_tuples(const std::string& text) {
  std::vector<UfwRule> rules;
  for (const auto& line : split_lines(text)) {
    if (!line.starts_with("### tuple ### "))
      continue;
    auto words = split_words(line.substr(14));
    // action proto dport dst sport src direction[_iface] [comment=...]
    if (words.size() < 7)
      continue;
    UfwRule rule;
    rule.action = words[0];
    rule.protocol = words[1];
    rule.port = words[2];
    rule.destination = any_address(words[3]);
    rule.source_port = words[4];
    rule.source = any_address(words[5]);
    if (size_t underscore = words[6].find('_'); underscore != std::string::npos)
      rule.interface = words[6].substr(underscore + 1);
    rules.push_back(rule);
  }
  std::ranges::sort(rules);
  return rules;
}

std::vector<std::string> ufw_rule_arguments(const UfwRule& rule) {
  std::vector<std::string> args = {rule.action};
  if (!rule.interface.empty())
    args.insert(args.end(), {"in", "on", rule.interface});
  if (rule.protocol != "any")
    args.insert(args.end(), {"proto", rule.protocol});
  args.insert(args.end(), {"from", rule.source});
  if (rule.source_port != "any")
    args.insert(args.end(), {"port", rule.source_port});
  args.insert(args.end(), {"to", rule.destination});
  if (rule.port != "any")
    args.insert(args.end(), {"port", rule.port});
  return args;
}

std::string render_docker_user_block(const Policy& policy) {
  std::string out = std::string(k_begin) +
                    " (managed by clawshield: `clawshield apply` rewrites this block)\n"
                    "*filter\n:DOCKER-USER - [0:0]\n";
  const std::string mark = std::string(" -m comment --comment ") + k_comment;
  out += "-A DOCKER-USER -m conntrack --ctstate RELATED,ESTABLISHED" + mark + " -j ACCEPT\n";
  std::vector<std::string> through = policy.firewall.trusted_interfaces;
  through.insert(through.end(), policy.firewall.container_interfaces.begin(),
                 policy.firewall.container_interfaces.end());
  for (const auto& interface : through)
    out += "-A DOCKER-USER -i " + iptables_interface(interface) + mark + " -j RETURN\n";
  out += "-A DOCKER-USER -m conntrack --ctstate NEW,INVALID" + mark + " -j DROP\n";
  out += "-A DOCKER-USER -j RETURN\nCOMMIT\n" + std::string(k_end) + "\n";
  return out;
}

std::string with_docker_user_block(const std::string& after_rules, const std::string& block) {
  std::string text = after_rules;
  size_t begin = text.find(k_begin);
  if (begin != std::string::npos) {
    size_t end = text.find(k_end, begin);
    end = end == std::string::npos ? text.size() : text.find('\n', end);
    text.erase(begin, end == std::string::npos ? std::string::npos : end + 1 - begin);
  }
  if (block.empty())
    return text;
  if (!text.empty() && !text.ends_with("\n"))
    text += "\n";
  return text + block;
}

// While an apply's firewall change awaits confirmation, ufw.service does not start at boot.
// clawshield-firewall-revert.service (ordered before ufw.service) rolls the change back and
// removes the marker first, so ufw then loads the restored, confirmed rules; only if that
// revert failed does the host boot without ufw's rules — reachable, not locked out.
std::string render_boot_dropin() {
  return std::string(
             "# Managed by clawshield: ufw never loads a firewall change that was not "
             "confirmed.\n"
             "# clawshield-firewall-revert.service runs first and, once it has rolled the "
             "change back,\n"
             "# removes the marker; if it could not, ufw stays off at this boot rather than "
             "load rules\n"
             "# that may lock the admin out.\n"
             "[Unit]\n"
             "After=clawshield-firewall-revert.service\n"
             "ConditionPathExists=!") +
         k_unconfirmed_marker + "\n";
}

Result<std::vector<Action>> UfwLayer::desired(const Context& context) const {
  const HostView& host = context.host;
  const Policy& policy = context.policy;
  std::vector<Action> actions;
  const bool wanted = m_role == Role::active;
  if (!is_installed(host)) {
    if (!wanted)
      return actions;  // no ufw: nothing to switch off
    if (!host.fs.is_system_root())
      return fail(ErrorCode::bad_input,
                  "firewall.backend is ufw, but ufw is not installed under " + host.fs.root());
    actions.push_back(
        RunCommand{"apt-get install ufw",
                   Command({"apt-get", "install", "-y", "--no-install-recommends", "ufw"}),
                   Requirement::live_system,
                   {},
                   {}});
    return actions;
  }

  // The after.rules files: our block in, or out.
  bool files_change = false;
  const std::string block = wanted ? render_docker_user_block(policy) : "";
  for (const char* path : {k_ufw_after_rules, k_ufw_after6_rules}) {
    auto current = host.fs.read(path);
    if (!current && current.error().code != ErrorCode::not_found)
      return std::unexpected(current.error());
    const std::string text = current.value_or("");
    const std::string next = with_docker_user_block(text, block);
    if (next != text || (!current && wanted)) {
      files_change = true;
      actions.push_back(WriteFile{path, next, FileSpec{0640, "root", "root"}, std::nullopt});
    }
  }

  auto init = host.fs.read(k_after_init);
  if (!init && init.error().code != ErrorCode::not_found)
    return std::unexpected(init.error());
  if (!wanted) {
    if (init && init->find(k_init_marker) != std::string::npos)
      actions.push_back(RemoveFile{k_after_init});
    CS_TRY(auto dropin, host.fs.stat(k_ufw_boot_dropin));
    if (dropin)
      actions.push_back(RemoveFile{k_ufw_boot_dropin});
    // The native backend guards the host: ufw off, our DOCKER-USER rules out of the kernel.
    if (host.own_network) {
      auto active = ufw_active(host);
      if (active && *active)
        actions.push_back(RunCommand{"ufw disable (the native backend replaces it)",
                                     Command(ufw_argv(host, {"--force", "disable"})),
                                     Requirement::network,
                                     {k_ufw_conf},
                                     {},
                                     {Command(ufw_argv(host, {"--force", "enable"}))},
                                     FirewallChange::yes});
      for (const char* program : {"iptables", "ip6tables"})
        for (const auto& line : our_docker_user_rules(host, program)) {
          auto words = split_words(line);  // "-A DOCKER-USER ..."
          words[0] = "-D";
          words.insert(words.begin(), {program, "-w"});
          actions.push_back(
              RunCommand{std::string(program) + " " + join({words.begin() + 2, words.end()}, " "),
                         Command(words),
                         Requirement::network,
                         {},
                         {}});
        }
    }
    return actions;
  }

  // ufw's defaults: deny incoming, allow outgoing, deny routed, IPv6 on.
  auto defaults = host.fs.read(k_ufw_defaults);
  if (!defaults && defaults.error().code != ErrorCode::not_found)
    return std::unexpected(defaults.error());
  const std::string next_defaults = with_defaults(defaults.value_or(""));
  if (next_defaults != defaults.value_or("")) {
    files_change = true;
    actions.push_back(
        WriteFile{k_ufw_defaults, next_defaults, FileSpec{0644, "root", "root"}, std::nullopt});
  }
  if (!init || *init != render_after_init()) {
    files_change = true;
    actions.push_back(
        WriteFile{k_after_init, render_after_init(), FileSpec{0750, "root", "root"}, std::nullopt});
  }
  if (!host.fs.is_system_root())
    actions.push_back(EnsureDirectory{"/lib/ufw", FileSpec{0755, "root", "root"}});  // its lock
  // Before any rule changes: a reboot before `confirm` must not load them.
  actions.push_back(WriteFile{k_ufw_boot_dropin, render_boot_dropin(),
                              FileSpec{0644, "root", "root"}, std::nullopt});

  // The rules: ufw's command line adds what is missing and deletes what is not ours. The SSH
  // rule exists before ufw is enabled (the order below).
  CS_TRY(std::vector<UfwRule> wanted_list, wanted_rules(host, policy));
  auto user = host.fs.read(k_user_rules);
  auto user6 = host.fs.read(k_user6_rules);
  std::vector<UfwRule> have = user ? parse_ufw_tuples(*user) : std::vector<UfwRule>{};
  std::vector<UfwRule> have6 = user6 ? parse_ufw_tuples(*user6) : std::vector<UfwRule>{};
  const std::vector<std::string> touched = {k_user_rules, k_user6_rules};
  for (const auto& rule : wanted_list) {
    const bool v4 = std::ranges::binary_search(have, rule);
    const bool v6 = std::ranges::binary_search(have6, rule);
    if (v4 && v6)
      continue;
    actions.push_back(RunCommand{"ufw " + join(ufw_rule_arguments(rule), " "),
                                 Command(ufw_argv(host, ufw_rule_arguments(rule))),
                                 Requirement::network,
                                 touched,
                                 {},
                                 {},
                                 FirewallChange::yes});
  }
  std::set<UfwRule> extra(have.begin(), have.end());
  extra.insert(have6.begin(), have6.end());
  for (const auto& rule : extra) {
    if (std::ranges::binary_search(wanted_list, rule))
      continue;
    std::vector<std::string> args = {"--force", "delete"};
    auto rule_args = ufw_rule_arguments(rule);
    args.insert(args.end(), rule_args.begin(), rule_args.end());
    actions.push_back(RunCommand{"ufw delete " + join(rule_args, " ") + " (not in the policy)",
                                 Command(ufw_argv(host, args)),
                                 Requirement::network,
                                 touched,
                                 {},
                                 {},
                                 FirewallChange::yes});
  }

  // On, or reloaded when its files changed.
  bool active = false;
  if (host.own_network) {
    auto status = ufw_active(host);
    if (!status)
      return std::unexpected(status.error());
    active = *status;
  }
  // Undoing an enable: ufw off, and our DOCKER-USER rules (which ufw's stop leaves) flushed.
  if (!active)
    actions.push_back(RunCommand{"ufw enable",
                                 Command(ufw_argv(host, {"--force", "enable"})),
                                 Requirement::network,
                                 {k_ufw_conf},
                                 {},
                                 {Command(ufw_argv(host, {"--force", "disable"})),
                                  Command({"iptables", "-w", "-F", "DOCKER-USER"}),
                                  Command({"ip6tables", "-w", "-F", "DOCKER-USER"})},
                                 FirewallChange::yes});
  else if (files_change)
    actions.push_back(RunCommand{"ufw reload (its files changed)",
                                 Command(ufw_argv(host, {"reload"})),
                                 Requirement::network,
                                 {},
                                 {},
                                 {Command(ufw_argv(host, {"reload"}))},
                                 FirewallChange::yes});
  // Never a ruleset that would cut the admin's own session (as with the native backend).
  {
    std::vector<int> public_tcp, trusted_tcp;
    for (const auto& rule : wanted_list)
      if (auto port = parse_int(rule.port, 1, 65535); port && rule.protocol == "tcp")
        (rule.interface.empty() ? public_tcp : trusted_tcp).push_back(*port);  // ours: to_string
    const bool changes = std::ranges::any_of(actions, [](const Action& action) {
      const auto* command = std::get_if<RunCommand>(&action);
      return command && command->firewall == FirewallChange::yes;
    });
    if (auto problem = session_problem(host, public_tcp, trusted_tcp,
                                       changes ? FirewallChange::yes : FirewallChange::no))
      return fail(ErrorCode::refused, *problem);
  }
  return actions;
}

std::vector<Finding> UfwLayer::verify(const Context& context) const {
  const HostView& host = context.host;
  const Policy& policy = context.policy;
  std::vector<Finding> findings;
  const bool wanted = m_role == Role::active;
  const bool installed = is_installed(host);

  if (!wanted) {
    // The native backend: ufw must not be active next to it, nor our rules in DOCKER-USER.
    if (!installed) {
      findings.push_back(make_finding(checks::k_ufw_retired, Status::pass, "ufw is not installed"));
      return findings;
    }
    if (!host.own_network) {
      findings.push_back(
          make_finding(checks::k_ufw_retired, Status::unknown,
                       "kernel not inspected: --root is not the running system (use --netns)"));
      return findings;
    }
    auto active = ufw_active(host);
    std::vector<std::string> left;
    if (active && *active)
      left.push_back("ufw is active (both firewalls run)");
    for (const char* program : {"iptables", "ip6tables"})
      if (!our_docker_user_rules(host, program).empty())
        left.push_back(std::string(program) +
                       " DOCKER-USER still has clawshield's ufw-backend rules");
    findings.push_back(make_finding(checks::k_ufw_retired,
                                    !active        ? Status::unknown
                                    : left.empty() ? Status::pass
                                                   : Status::fail,
                                    !active ? active.error().message
                                    : left.empty()
                                        ? "ufw inactive; DOCKER-USER has none of our rules"
                                        : join(left, "; ")));
    return findings;
  }

  auto unknown_all = [&](const std::string& why) {
    for (const Check* check : {&checks::k_ufw_active, &checks::k_ufw_defaults, &checks::k_ufw_rules,
                               &checks::k_ufw_docker_user})
      findings.push_back(
          make_finding(*check, Status::unknown, why, SummaryOverride{"ufw backend"}));
    return findings;
  };
  if (!installed)
    return unknown_all("firewall.backend is ufw, but ufw is not installed");

  // Defaults and rules, from ufw's files.
  auto defaults = host.fs.read(k_ufw_defaults);
  if (!defaults) {
    findings.push_back(
        make_finding(checks::k_ufw_defaults, Status::unknown, defaults.error().message));
  } else {
    std::vector<std::string> wrong;
    const auto lines = split_lines(*defaults);
    for (const auto& [key, value] : k_defaults)
      if (std::ranges::find(lines, key + "=" + value) == lines.end())
        wrong.push_back(key + " is not " + value);
    findings.push_back(
        make_finding(checks::k_ufw_defaults, wrong.empty() ? Status::pass : Status::fail,
                     wrong.empty() ? "incoming DROP, outgoing ACCEPT, routed DROP, IPv6 on"
                                   : join(wrong, "; ")));
  }
  auto wanted_list = wanted_rules(host, policy);
  auto user = host.fs.read(k_user_rules);
  auto user6 = host.fs.read(k_user6_rules);
  if (!wanted_list || !user || !user6) {
    findings.push_back(make_finding(checks::k_ufw_rules, Status::unknown,
                                    !wanted_list ? wanted_list.error().message
                                    : !user      ? user.error().message
                                                 : user6.error().message));
  } else {
    std::vector<std::string> problems;
    for (const auto& [family, have] :
         {std::pair{"", parse_ufw_tuples(*user)}, std::pair{" (v6)", parse_ufw_tuples(*user6)}}) {
      for (const auto& rule : *wanted_list)
        if (!std::ranges::binary_search(have, rule))
          problems.push_back("missing " + describe(rule) + family);
      for (const auto& rule : have)
        if (!std::ranges::binary_search(*wanted_list, rule))
          problems.push_back("also " + describe(rule) + family);
    }
    std::vector<std::string> listed;
    for (const auto& rule : *wanted_list) listed.push_back(describe(rule));
    findings.push_back(make_finding(
        checks::k_ufw_rules, problems.empty() ? Status::pass : Status::fail,
        problems.empty() ? join(listed, ", ") + " (v4 and v6)" : join(problems, "; ")));
  }

  // The kernel: ufw running, DOCKER-USER dropping for both families.
  if (!host.own_network) {
    for (const Check* check : {&checks::k_ufw_active, &checks::k_ufw_docker_user})
      findings.push_back(
          make_finding(*check, Status::unknown,
                       "kernel not inspected: --root is not the running system (use --netns)",
                       SummaryOverride{"ufw backend"}));
    return findings;
  }
  auto active = ufw_active(host);
  findings.push_back(make_finding(checks::k_ufw_active,
                                  !active   ? Status::unknown
                                  : *active ? Status::pass
                                            : Status::fail,
                                  !active   ? active.error().message
                                  : *active ? "ufw status: active"
                                            : "ufw status: inactive"));
  std::vector<std::string> missing;
  for (const char* program : {"iptables", "ip6tables"}) {
    bool drop = false;
    for (const auto& line : our_docker_user_rules(host, program))
      drop = drop || (line.find("--ctstate") != std::string::npos &&
                      line.find("NEW") != std::string::npos && line.ends_with("-j DROP"));
    if (!drop)
      missing.push_back(std::string(program) + " DOCKER-USER has no DROP for new connections");
  }
  for (const char* path : {k_ufw_after_rules, k_ufw_after6_rules}) {
    auto text = host.fs.read(path);
    if (!text || text->find(k_begin) == std::string::npos)
      missing.push_back(std::string(path) + " lacks clawshield's DOCKER-USER block");
  }
  findings.push_back(make_finding(
      checks::k_ufw_docker_user, missing.empty() ? Status::pass : Status::fail,
      missing.empty()
          ? "DOCKER-USER drops new connections except from " +
                join(policy.firewall.trusted_interfaces, ", ") + " and container interfaces"
          : join(missing, "; ")));
  return findings;
}

}  // namespace clawshield
