// The policy decoder: defaults are the seed's values; every mistake names file:line:col.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <map>
#include <set>
#include <sstream>

#include "policy/policy.h"
#include "support/temp_root.h"

namespace clawshield {
namespace {

TEST(Policy, EmptyDocumentGivesSeedDefaults) {
  auto policy = parse_policy("", "p.yaml");
  ASSERT_TRUE(policy) << policy.error().message;
  EXPECT_EQ(policy->app.user, "openclaw");
  EXPECT_EQ(policy->app.home, "/home/openclaw");
  EXPECT_EQ(policy->app.state_dir, "/home/openclaw/.openclaw");
  EXPECT_EQ(policy->app.service, "openclaw");
  EXPECT_FALSE(policy->updates.automatic_reboot);
  EXPECT_DOUBLE_EQ(policy->systemd.max_exposure, 2.0);
}

TEST(Policy, StateDirFollowsHomeWhereverItIsSet) {
  auto policy = parse_policy("app:\n  state_dir: ~/.state\n  home: /srv/claw\n", "p.yaml");
  ASSERT_TRUE(policy) << policy.error().message;
  EXPECT_EQ(policy->app.state_dir, "/srv/claw/.state");
}

TEST(Policy, UnknownKeyNamesFileLineColumnAndKey) {
  auto policy = parse_policy("app:\n  user: openclaw\n  usr: x\n", "/etc/p.yaml");
  ASSERT_FALSE(policy);
  EXPECT_EQ(policy.error().code, ErrorCode::bad_input);
  EXPECT_NE(policy.error().message.find("/etc/p.yaml:3:3: unknown key \"app.usr\""),
            std::string::npos)
      << policy.error().message;
}

TEST(Policy, WrongTypeIsAnError) {
  auto policy = parse_policy("updates:\n  automatic_reboot: sometimes\n", "p.yaml");
  ASSERT_FALSE(policy);
  EXPECT_NE(policy.error().message.find(
                "p.yaml:2:21: \"updates.automatic_reboot\" must be true or false"),
            std::string::npos)
      << policy.error().message;
}

TEST(Policy, ImpossibleValuesAreErrors) {
  for (const char* text :
       {"systemd:\n  max_exposure: 11\n", "app:\n  user: Root User\n",
        "app:\n  exec_start: node server.js\n", "sudo:\n  systemctl: /usr/bin/*\n",
        "updates:\n  origins_pattern: []\n", "app:\n  user: root\n", "app:\n  group: docker\n",
        "systemd:\n  read_write_paths: [/etc]\n"}) {
    auto policy = parse_policy(text, "p.yaml");
    EXPECT_FALSE(policy) << text;
    if (!policy) {
      EXPECT_NE(policy.error().message.find("p.yaml:"), std::string::npos)
          << policy.error().message;
    }
  }
}

TEST(Policy, CrossFieldErrorsPointAtTheKey) {
  auto policy = parse_policy("app:\n  user: openclaw\nupdates:\n  origins_pattern: []\n", "p.yaml");
  ASSERT_FALSE(policy);
  EXPECT_NE(policy.error().message.find("p.yaml:4:20: \"updates.origins_pattern\" is empty"),
            std::string::npos)
      << policy.error().message;
}

TEST(Policy, SyntaxErrorHasPosition) {
  auto policy = parse_policy("app:\n  user: [unclosed\n", "p.yaml");
  ASSERT_FALSE(policy);
  EXPECT_NE(policy.error().message.find("p.yaml:"), std::string::npos);
  EXPECT_NE(policy.error().message.find("YAML syntax"), std::string::npos)
      << policy.error().message;
}

TEST(Policy, ReportsEveryErrorNotJustTheFirst) {
  auto policy = parse_policy("app:\n  usr: x\nsudoo: {}\n", "p.yaml");
  ASSERT_FALSE(policy);
  EXPECT_NE(policy.error().message.find("app.usr"), std::string::npos);
  EXPECT_NE(policy.error().message.find("sudoo"), std::string::npos);
}

TEST(Policy, DuplicateKeyIsAnError) {
  auto policy = parse_policy("app:\n  user: a\n  user: b\n", "p.yaml");
  ASSERT_FALSE(policy);
  EXPECT_NE(policy.error().message.find("p.yaml:3:3: duplicate key"), std::string::npos)
      << policy.error().message;
}

// The policy with every key written: the keys the writer leaves out while they hold their
// default (app.shell, app.service, app.exec_start, firewall.app_ports) set.
Policy every_key_written() {
  auto policy = parse_policy(
      "app:\n  shell: /bin/bash\n  service: openclaw\n"
      "  exec_start: /usr/bin/openclaw gateway --port 18789\n"
      "firewall:\n  app_ports: [18789]\n",
      "p.yaml");
  EXPECT_TRUE(policy) << policy.error().message;
  return policy.value_or(Policy{});
}

// Every value of the document, by its dotted path ("guard.weights.accepted"); a list is one
// value.
void collect_values(const YAML::Node& node, const std::string& path,
                    std::map<std::string, YAML::Node>& out) {
  if (node.IsMap()) {
    for (const auto& entry : node)
      collect_values(entry.second, (path.empty() ? "" : path + ".") + entry.first.as<std::string>(),
                     out);
    return;
  }
  out[path] = node;
}

// The key paths of the policy, from its structs (policy.h): what the writer must write.
std::set<std::string> policy_keys() {
  std::set<std::string> keys = {"docker.socket",
                                "docker.default_bind_ip",
                                "docker.userland_proxy",
                                "docker.no_new_privileges",
                                "docker.live_restore",
                                "docker.iptables",
                                "docker.ip6tables",
                                "docker.experimental_for_ip6tables",
                                "docker.log_max_size",
                                "docker.log_max_file",
                                "docker.public_ports",
                                "docker.root_image_exemptions",
                                "docker.compose_files",
                                "docker.group_members",
                                "guard.maxretry",
                                "guard.findtime",
                                "guard.bantime",
                                "guard.bantime_factor",
                                "guard.bantime_max",
                                "guard.ipv6_prefix",
                                "guard.allowlist",
                                "guard.max_tracked",
                                "guard.log_files",
                                "guard.journal",
                                "guard.executable",
                                "guard.engine",
                                "firewall.ssh_ports",
                                "firewall.public_tcp",
                                "firewall.public_udp",
                                "firewall.app_ports",
                                "firewall.trusted_interfaces",
                                "firewall.container_interfaces",
                                "firewall.confirm_timeout",
                                "firewall.backend",
                                "app.user",
                                "app.group",
                                "app.home",
                                "app.state_dir",
                                "app.shell",
                                "app.sandbox",
                                "app.service",
                                "app.description",
                                "app.exec_start",
                                "app.config_file",
                                "app.forbidden_groups",
                                "app.allow_funnel",
                                "systemd.max_exposure",
                                "systemd.read_write_paths",
                                "systemd.environment",
                                "sudo.systemctl",
                                "sudo.journalctl",
                                "sudo.tailscale",
                                "sudo.allow_tailscale",
                                "updates.update_package_lists",
                                "updates.unattended_upgrade",
                                "updates.automatic_reboot",
                                "updates.origins_pattern",
                                "ssh.password_authentication",
                                "ssh.permit_root_login",
                                "ssh.max_auth_tries",
                                "kernel.manage",
                                "kernel.exempt"};
  for (const auto& kind : guard_event_kinds()) keys.insert("guard.weights." + kind);
  return keys;
}

using Edit = std::vector<std::pair<std::string, YAML::Node>>;  // path -> new value

YAML::Node sequence(std::initializer_list<std::string> items) {
  YAML::Node node(YAML::NodeType::Sequence);
  for (const auto& item : items) node.push_back(item);
  return node;
}

// Values the loader accepts only in a given form, or that move together: tried first.
std::map<std::string, std::vector<Edit>> special_values() {
  auto one = [](const std::string& path, YAML::Node value) { return Edit{{path, value}}; };
  return {
      {"app.sandbox", {one("app.sandbox", YAML::Node("none"))}},
      // ufw needs fail2ban (the guard bans through clawshield's own table).
      {"firewall.backend",
       {Edit{{"firewall.backend", YAML::Node("ufw")}, {"guard.engine", YAML::Node("fail2ban")}}}},
      {"guard.engine", {one("guard.engine", YAML::Node("fail2ban"))}},
      {"ssh.permit_root_login", {one("ssh.permit_root_login", YAML::Node("prohibit-password"))}},
      {"docker.default_bind_ip", {one("docker.default_bind_ip", YAML::Node("127.0.0.2"))}},
      {"app.home",
       {Edit{{"app.home", YAML::Node("/srv/claw")},
             {"app.state_dir", YAML::Node("/srv/claw/.openclaw")},
             {"app.config_file", YAML::Node("/srv/claw/.openclaw/openclaw.json")}}}},
      {"app.state_dir", {one("app.state_dir", YAML::Node("/home/openclaw/.state"))}},
      {"app.config_file", {one("app.config_file", YAML::Node("/home/openclaw/.openclaw/c.json"))}},
      {"app.shell", {one("app.shell", YAML::Node("/usr/sbin/nologin"))}},
      {"app.exec_start", {one("app.exec_start", YAML::Node("/usr/bin/openclaw gateway --port 1"))}},
      {"guard.executable", {one("guard.executable", YAML::Node("/usr/bin/clawshield"))}},
      {"sudo.systemctl", {one("sudo.systemctl", YAML::Node("/bin/systemctl"))}},
      {"sudo.journalctl", {one("sudo.journalctl", YAML::Node("/bin/journalctl"))}},
      {"sudo.tailscale", {one("sudo.tailscale", YAML::Node("/usr/sbin/tailscale"))}},
      {"docker.socket", {one("docker.socket", YAML::Node("/run/docker.sock"))}},
      {"docker.log_max_size", {one("docker.log_max_size", YAML::Node("20m"))}},
      {"docker.public_ports", {one("docker.public_ports", sequence({"8080"}))}},
      {"docker.root_image_exemptions",
       {one("docker.root_image_exemptions", sequence({"local/busybox:1"}))}},
      {"docker.compose_files", {one("docker.compose_files", sequence({"/srv/compose.yaml"}))}},
      {"docker.group_members", {one("docker.group_members", sequence({"alice"}))}},
      {"firewall.ssh_ports", {one("firewall.ssh_ports", sequence({"2222"}))}},
      {"firewall.public_tcp", {one("firewall.public_tcp", sequence({"443"}))}},
      {"firewall.app_ports", {one("firewall.app_ports", sequence({"18790"}))}},
      {"systemd.read_write_paths",
       {one("systemd.read_write_paths", sequence({"/var/cache/openclaw"}))}},
      {"kernel.exempt", {one("kernel.exempt", sequence({known_sysctls().front()}))}},
  };
}

// Generic changes of a value: a boolean flipped, a number plus one, a list without its last
// item, a string with a letter more.
std::vector<Edit> generic_values(const std::string& path, const YAML::Node& value) {
  std::vector<Edit> edits;
  if (value.IsSequence()) {
    if (value.size() > 0) {
      YAML::Node shorter(YAML::NodeType::Sequence);
      for (size_t i = 0; i + 1 < value.size(); ++i) shorter.push_back(value[i]);
      edits.push_back({{path, shorter}});
    }
    return edits;
  }
  const std::string text = value.as<std::string>();
  if (text == "true" || text == "false")
    return {{{path, YAML::Node(text == "true" ? "false" : "true")}}};
  char* end = nullptr;
  const double number = std::strtod(text.c_str(), &end);
  if (!text.empty() && *end == '\0') {
    std::ostringstream more;
    more << number + 1;
    edits.push_back({{path, YAML::Node(more.str())}});
    return edits;
  }
  edits.push_back({{path, YAML::Node(text + "x")}});
  return edits;
}

YAML::Node with_edit(const YAML::Node& document, const Edit& edit) {
  YAML::Node copy = YAML::Clone(document);
  for (const auto& [path, value] : edit) {
    const size_t dot = path.find('.');
    const std::string section = path.substr(0, dot);
    const std::string rest = path.substr(dot + 1);
    if (const size_t inner = rest.find('.'); inner != std::string::npos)
      copy[section][rest.substr(0, inner)][rest.substr(inner + 1)] = value;
    else
      copy[section][rest] = value;
  }
  return copy;
}

std::string emit(const YAML::Node& document) {
  YAML::Emitter out;
  out << document;
  return out.c_str();
}

// The sections of two policies that differ ("" when none), for the failure message.
std::string differing_sections(const Policy& a, const Policy& b) {
  std::string out;
  auto note = [&out](bool same, const char* name) {
    if (!same)
      out += std::string(out.empty() ? "" : ", ") + name;
  };
  note(a.docker == b.docker, "docker");
  note(a.guard == b.guard, "guard");
  note(a.firewall == b.firewall, "firewall");
  note(a.firewall.app_ports_origin == b.firewall.app_ports_origin, "firewall.app_ports (origin)");
  note(a.app == b.app, "app");
  note(a.app.service_origin == b.app.service_origin, "app.service (origin)");
  note(a.app.exec_start_origin == b.app.exec_start_origin, "app.exec_start (origin)");
  note(a.systemd == b.systemd, "systemd");
  note(a.sudo == b.sudo, "sudo");
  note(a.updates == b.updates, "updates");
  note(a.ssh == b.ssh, "ssh");
  note(a.kernel == b.kernel, "kernel");
  return out;
}

::testing::AssertionResult same_values(Policy a, Policy b) {
  a.source = b.source = "";
  if (a == b)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "the policies differ in " << differing_sections(a, b);
}

// Not a round trip of text (render(parse(render(p))) == render(p) holds even when the writer
// drops a key): each value of the policy is changed on its own, and the policy read back from
// what the writer wrote must hold the changed value, compared field by field.
TEST(Policy, TheWriterKeepsEveryValue) {
  const Policy base = every_key_written();
  const YAML::Node document = YAML::Load(render_policy(base));
  std::map<std::string, YAML::Node> values;
  collect_values(document, "", values);

  // The writer writes every key of the policy, and only those.
  std::set<std::string> written;
  for (const auto& [path, _] : values) written.insert(path);
  EXPECT_EQ(written, policy_keys());

  // The written defaults read back as the same policy.
  auto reread = parse_policy(render_policy(base), "rendered");
  ASSERT_TRUE(reread) << reread.error().message;
  EXPECT_TRUE(same_values(*reread, base));

  // guard.weights.accepted has one allowed value (0: a login is not an attack).
  const std::set<std::string> fixed = {"guard.weights.accepted"};
  const auto special = special_values();
  for (const auto& [path, value] : values) {
    if (fixed.contains(path))
      continue;
    std::vector<Edit> candidates;
    if (auto found = special.find(path); found != special.end())
      candidates = found->second;
    for (auto& edit : generic_values(path, value)) candidates.push_back(std::move(edit));
    std::optional<Policy> changed;
    for (const auto& edit : candidates) {
      auto parsed = parse_policy(emit(with_edit(document, edit)), "changed");
      if (parsed && !static_cast<bool>(same_values(*parsed, base))) {
        changed = *parsed;
        break;
      }
    }
    if (!changed) {
      ADD_FAILURE() << path << ": no change of this value was accepted and read";
      continue;
    }
    auto again = parse_policy(render_policy(*changed), "rendered");
    ASSERT_TRUE(again) << path << ": " << again.error().message;
    EXPECT_TRUE(same_values(*again, *changed))
        << path << ": the writer lost or altered the changed value\n"
        << render_policy(*changed);
  }
}

// The writer is not trusted by itself: a hand-written policy reads back with its values.
TEST(Policy, RenderedPolicyParsesBackToTheSameValues) {
  auto original = parse_policy(
      "app:\n  user: claw\n  group: clawgrp\n  exec_start: /usr/bin/node /opt/x.js --a 1\n"
      "systemd:\n  max_exposure: 1.5\n  read_write_paths: [/var/cache/claw]\n"
      "sudo:\n  allow_tailscale: false\nupdates:\n  automatic_reboot: true\n",
      "p.yaml");
  ASSERT_TRUE(original) << original.error().message;
  auto again = parse_policy(render_policy(*original), "rendered");
  ASSERT_TRUE(again) << again.error().message << "\n" << render_policy(*original);
  EXPECT_TRUE(same_values(*again, *original));
  EXPECT_EQ(again->app.user, "claw");
  EXPECT_EQ(again->app.group, "clawgrp");
  EXPECT_EQ(again->app.exec_start, "/usr/bin/node /opt/x.js --a 1");
  EXPECT_DOUBLE_EQ(again->systemd.max_exposure, 1.5);
  EXPECT_EQ(again->systemd.read_write_paths, std::vector<std::string>{"/var/cache/claw"});
  EXPECT_FALSE(again->sudo.allow_tailscale);
  EXPECT_TRUE(again->updates.automatic_reboot);
}

// Issue 12 item 4: the shell is tracked as "set explicitly" (unset: left as it is) and
// app.sandbox is an enum with its YAML spellings.
TEST(Policy, ShellIsUnsetUnlessTheFileSetsIt) {
  auto defaults = parse_policy("", "p.yaml");
  ASSERT_TRUE(defaults) << defaults.error().message;
  EXPECT_FALSE(defaults->app.shell);
  EXPECT_EQ(defaults->app.sandbox, AppSandbox::rootless);
  EXPECT_EQ(render_policy(*defaults).find("shell:"), std::string::npos);
  EXPECT_NE(render_policy(*defaults).find("sandbox: rootless"), std::string::npos);
  for (const auto& [value, name] :
       {std::pair{AppSandbox::system_docker, "system-docker"}, std::pair{AppSandbox::none, "none"},
        std::pair{AppSandbox::rootless, "rootless"}}) {
    auto parsed = parse_policy(std::string("app:\n  sandbox: ") + name + "\n", "p.yaml");
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(parsed->app.sandbox, value) << name;
    EXPECT_NE(render_policy(*parsed).find(std::string("sandbox: ") + name), std::string::npos);
  }

  auto set = parse_policy("app:\n  shell: /usr/sbin/nologin\n  sandbox: none\n", "p.yaml");
  ASSERT_TRUE(set) << set.error().message;
  EXPECT_EQ(set->app.shell, "/usr/sbin/nologin");
  EXPECT_EQ(set->app.sandbox, AppSandbox::none);
  auto again = parse_policy(render_policy(*set), "rendered");
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->app.shell, "/usr/sbin/nologin");
  EXPECT_EQ(again->app.sandbox, AppSandbox::none);
  EXPECT_TRUE(same_values(*again, *set));
}

TEST(Policy, BadSandboxOrShellNamesFileLineColumn) {
  auto typo = parse_policy("app:\n  user: openclaw\n  sandbox: rootles\n", "/etc/p.yaml");
  ASSERT_FALSE(typo);
  EXPECT_EQ(typo.error().code, ErrorCode::bad_input);
  EXPECT_NE(typo.error().message.find("/etc/p.yaml:3:12: \"app.sandbox\" must be one of "
                                      "\"rootless\", \"system-docker\", \"none\", got \"rootles\""),
            std::string::npos)
      << typo.error().message;
  auto list = parse_policy("app:\n  sandbox: [none]\n", "p.yaml");
  ASSERT_FALSE(list);
  EXPECT_NE(list.error().message.find("p.yaml:2:12: \"app.sandbox\" must be one of"),
            std::string::npos)
      << list.error().message;
  auto shell = parse_policy("app:\n  shell: bash\n", "p.yaml");
  ASSERT_FALSE(shell);
  EXPECT_NE(shell.error().message.find("p.yaml:2:10: \"app.shell\": an absolute path"),
            std::string::npos)
      << shell.error().message;
  auto empty = parse_policy("app:\n  shell:\n", "p.yaml");
  EXPECT_FALSE(empty);
}

// Issue 16: firewall.backend and guard.engine are enums. Each spelling decodes to its value and
// is written back as the same word; an unknown or non-text value keeps the message it had as a
// string, with file:line:col.
TEST(Policy, BackendAndEngineAreEnumsWithTheirYamlSpellings) {
  auto defaults = parse_policy("", "p.yaml");
  ASSERT_TRUE(defaults) << defaults.error().message;
  EXPECT_EQ(defaults->firewall.backend, FirewallBackend::nftables);
  EXPECT_EQ(defaults->guard.engine, GuardEngine::clawshield);
  const std::string rendered = render_policy(*defaults);
  EXPECT_NE(rendered.find("  backend: nftables\n"), std::string::npos) << rendered;
  EXPECT_NE(rendered.find("  engine: clawshield\n"), std::string::npos) << rendered;

  auto compat = parse_policy("firewall:\n  backend: ufw\nguard:\n  engine: fail2ban\n", "p.yaml");
  ASSERT_TRUE(compat) << compat.error().message;
  EXPECT_EQ(compat->firewall.backend, FirewallBackend::ufw);
  EXPECT_EQ(compat->guard.engine, GuardEngine::fail2ban);
  const std::string shown = render_policy(*compat);
  EXPECT_NE(shown.find("  backend: ufw\n"), std::string::npos) << shown;
  EXPECT_NE(shown.find("  engine: fail2ban\n"), std::string::npos) << shown;
  auto mixed = parse_policy("guard:\n  engine: fail2ban\n", "p.yaml");
  ASSERT_TRUE(mixed) << mixed.error().message;
  EXPECT_EQ(mixed->firewall.backend, FirewallBackend::nftables);
  EXPECT_EQ(mixed->guard.engine, GuardEngine::fail2ban);
}

TEST(Policy, UnknownBackendOrEngineNamesFileLineColumn) {
  auto backend =
      parse_policy("firewall:\n  confirm_timeout: 60\n  backend: iptables\n", "/etc/p.yaml");
  ASSERT_FALSE(backend);
  EXPECT_EQ(backend.error().code, ErrorCode::bad_input);
  EXPECT_EQ(backend.error().message,
            "/etc/p.yaml:3:12: \"firewall.backend\": \"nftables\" or \"ufw\", got \"iptables\"");
  auto engine = parse_policy("guard:\n  engine: Fail2ban\n", "p.yaml");
  ASSERT_FALSE(engine);
  EXPECT_EQ(engine.error().message,
            "p.yaml:2:11: \"guard.engine\": \"clawshield\" or \"fail2ban\", got \"Fail2ban\"");
  auto list = parse_policy("guard:\n  engine: [fail2ban]\n", "p.yaml");
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error().message, "p.yaml:2:11: \"guard.engine\" must be a string");
  // ufw alone is refused: the guard bans through the nftables table ufw does not load.
  auto alone = parse_policy("firewall:\n  backend: ufw\n", "p.yaml");
  ASSERT_FALSE(alone);
  EXPECT_EQ(alone.error().message.rfind("p.yaml:2:12: \"firewall.backend\": ufw needs "
                                        "\"guard.engine: fail2ban\"",
                                        0),
            0u)
      << alone.error().message;
}

// Issue 11, item 11: values that are well-formed but harmful. Each must be refused with the
// position of the offending node.
struct HarmfulCase {
  const char* text;
  const char* where;    // "line:col" of the node the error names
  const char* message;  // part of the message
};

void expect_refused(const HarmfulCase& c) {
  auto policy = parse_policy(c.text, "bad.yaml");
  ASSERT_FALSE(policy) << c.text;
  EXPECT_EQ(policy.error().code, ErrorCode::bad_input);
  const std::string& message = policy.error().message;
  EXPECT_NE(message.find(std::string("bad.yaml:") + c.where + ": "), std::string::npos)
      << c.text << "\n"
      << message;
  EXPECT_NE(message.find(c.message), std::string::npos) << c.text << "\n" << message;
}

TEST(PolicySemantics, HomeOfSlashIsRefused) {
  expect_refused({"app:\n  home: /\n", "2:9", "\"app.home\" must lie below"});
  expect_refused({"app:\n  home: /home\n", "2:9", "\"app.home\" must lie below"});
  expect_refused({"app:\n  home: /etc/openclaw\n", "2:9", "\"app.home\" must lie below"});
  expect_refused({"app:\n  home: /var/lib/dpkg\n", "2:9", "system directory /var/lib/dpkg"});
  expect_refused({"app:\n  home: /var/lib/other\n", "2:9", "outside /var/lib/openclaw"});
}

// Found by the policy fuzz target: an overlong "\xC0\x8A" (a disguised newline) loaded, and
// `policy show` wrote it out as a real newline.
TEST(PolicySemantics, TextThatIsNotUtf8IsRefused) {
  expect_refused({"app:\n  exec_start: /\xC0\x8A\n", "2:15", "not valid UTF-8 text"});
  expect_refused({"app:\n  description: caf\xe9\n", "2:16", "not valid UTF-8 text"});
}

TEST(PolicySemantics, StateDirInEtcIsRefused) {
  expect_refused({"app:\n  state_dir: /etc\n", "2:14", "\"app.state_dir\" /etc must lie inside"});
}

TEST(PolicySemantics, ConfigFileOutsideHomeIsRefused) {
  expect_refused(
      {"app:\n  config_file: /etc/shadow\n", "2:16", "\"app.config_file\" /etc/shadow must lie"});
  // Derived from home: the error points at home when config_file was not set.
  expect_refused({"app:\n  state_dir: /home/openclaw/.s\n  home: /srv/claw\n", "2:14",
                  "\"app.state_dir\" /home/openclaw/.s must lie inside app.home (/srv/claw)"});
}

TEST(PolicySemantics, TrailingSlashAndDotsCannotHideASystemDirectory) {
  expect_refused({"systemd:\n  read_write_paths: [/etc/]\n", "2:22", "an absolute path"});
  expect_refused({"systemd:\n  read_write_paths: [/etc/.]\n", "2:22", "an absolute path"});
  expect_refused({"systemd:\n  read_write_paths: [//etc]\n", "2:22", "an absolute path"});
  expect_refused({"app:\n  home: /home/openclaw/\n", "2:9", "an absolute path"});
  expect_refused({"app:\n  config_file: ~/\n", "2:16", "an absolute path or ~/path"});
}

TEST(PolicySemantics, WritableSystemPathsAreRefused) {
  expect_refused(
      {"systemd:\n  read_write_paths: [/var/cache/x, /etc/sudoers.d]\n", "2:36",
       "must not make /etc/sudoers.d writable: it lies inside the system directory /etc"});
  expect_refused({"systemd:\n  read_write_paths:\n    - /var\n", "3:7",
                  "must not make /var writable: it contains the system directory"});
  expect_refused({"systemd:\n  read_write_paths: [/var/lib/clawshield/x]\n", "2:22",
                  "inside the system directory /var/lib/clawshield"});
  expect_refused({"systemd:\n  read_write_paths: [/home/admin]\n", "2:22", "another user's"});
  expect_refused({"systemd:\n  read_write_paths: [/var/log]\n", "2:22", "/var/log"});
  auto ok = parse_policy("systemd:\n  read_write_paths: [/var/lib/openclaw, /srv/data]\n", "p");
  EXPECT_TRUE(ok) << ok.error().message;
}

TEST(PolicySemantics, NanWeightIsRefused) {
  expect_refused({"guard:\n  weights: {accepted: .nan}\n", "2:23", "must be a finite number"});
  expect_refused({"guard:\n  weights: {failed_password: .inf}\n", "2:30", "finite number"});
  expect_refused(
      {"guard:\n  weights: {accepted: 1}\n", "2:23", "\"guard.weights.accepted\" must be 0"});
  expect_refused(
      {"guard:\n  maxretry: .nan\n", "2:13", "\"guard.maxretry\" must be a finite number"});
  expect_refused({"systemd:\n  max_exposure: -.inf\n", "2:17", "finite number"});
}

TEST(PolicySemantics, BindIpMustBeAnAddressNotAPrefix) {
  expect_refused({"docker:\n  default_bind_ip: 127.0.0.1/8\n", "2:20", "no /prefix"});
  expect_refused({"docker:\n  default_bind_ip: 0.0.0.0\n", "2:20", "\"docker.default_bind_ip\""});
  expect_refused({"docker:\n  default_bind_ip: \"::\"\n", "2:20", "\"docker.default_bind_ip\""});
  auto ok = parse_policy("docker:\n  default_bind_ip: \"::1\"\n", "p");
  EXPECT_TRUE(ok) << ok.error().message;
}

TEST(PolicySemantics, PrivilegedGroupsAndAccountsAreRefused) {
  for (const char* group : {"shadow", "disk", "sudo", "adm", "kmem", "systemd-journal", "root"})
    expect_refused({(std::string("app:\n  group: ") + group + "\n").c_str(), "2:10",
                    "must not be the privileged group"});
  expect_refused({"app:\n  user: root\n", "2:9", "must not be the system account"});
  expect_refused({"app:\n  user: nobody\n", "2:9", "must not be the system account"});
  expect_refused({"docker:\n  group_members: [openclaw]\n", "2:18", "contains the app user"});
}

TEST(PolicySemantics, DuplicateKeysAnywhereAreRefused) {
  expect_refused(
      {"guard:\n  weights: {accepted: 0, accepted: .nan}\n", "2:26", "duplicate key \"accepted\""});
  expect_refused({"app:\n  user: a\napp:\n  user: b\n", "3:1", "duplicate key \"app\""});
  expect_refused({"firewall:\n  ssh_ports: [22]\n  ssh_ports: [2222]\n", "3:3",
                  "duplicate key \"ssh_ports\""});
}

TEST(PolicySemantics, RangesAddressesNamesAndRootPrograms) {
  expect_refused({"guard:\n  ipv6_prefix: 32\n", "2:16", "between 48 and 128"});
  expect_refused({"guard:\n  bantime: 600\n  bantime_max: 60\n", "3:16", "shorter than"});
  expect_refused({"guard:\n  allowlist: [10.0.0.1/8]\n", "2:15", "no bits set past the prefix"});
  expect_refused({"guard:\n  allowlist: [0.0.0.0/0]\n", "2:15", "no wider than /8"});
  // Two halves are the whole internet too (found by the attacker's review).
  expect_refused({"guard:\n  allowlist: [0.0.0.0/1, 128.0.0.0/1]\n", "2:15", "no wider than /8"});
  expect_refused({"guard:\n  allowlist: [\"8000::/1\"]\n", "2:15", "/16 (IPv6)"});
  // A shell named as systemctl would run the app's own script as root (NOEXEC does not stop
  // a shell's built-ins).
  expect_refused({"sudo:\n  systemctl: /usr/bin/bash\n", "2:14", "must be the systemctl program"});
  expect_refused(
      {"sudo:\n  journalctl: /usr/bin/python3\n", "2:15", "must be the journalctl program"});
  expect_refused({"firewall:\n  trusted_interfaces: [eth0:1]\n", "2:24", "interface name"});
  expect_refused({"firewall:\n  trusted_interfaces: [a/b]\n", "2:24", "interface name"});
  expect_refused({"firewall:\n  app_ports: [0]\n", "2:15", "ports 1-65535"});
  expect_refused({"firewall:\n  confirm_timeout: 99999\n", "2:20", "between 0 and 3600"});
  expect_refused({"sudo:\n  systemctl: /home/openclaw/systemctl\n", "2:14", "runs as root"});
  expect_refused({"guard:\n  executable: /tmp/clawshield\n", "2:15", "runs as root"});
  expect_refused({"systemd:\n  environment: [\"1X=y\"]\n", "2:17", "NAME=value"});
  expect_refused({"guard:\n  log_files: [/var/log/auth.log, /home/openclaw/fake.log]\n", "2:34",
                  "where an unprivileged user or the app can write"});
}

TEST(PolicySemantics, DefaultsAndTheSeedStillPass) {
  auto policy = parse_policy(render_policy(Policy{}), "rendered");
  EXPECT_TRUE(policy) << policy.error().message;
}

TEST(PolicyCli, HarmfulPolicyIsExit2ForCheckAndApplyChangesNothing) {
  testing::TempDir dir;
  testing::seed_minimal_root(dir.path());
  testing::write_file(dir.path(), "/bad.yaml",
                      "app:\n  home: /\nguard:\n  weights: {accepted: .nan}\n");
  auto check = testing::run_clawshield({"policy", "check", dir.path() + "/bad.yaml"});
  EXPECT_EQ(check.exit_code, 2) << check.out << check.err;
  EXPECT_NE(check.err.find("bad.yaml:2:9: \"app.home\""), std::string::npos) << check.err;
  EXPECT_NE(check.err.find("bad.yaml:4:23: \"guard.weights.accepted\""), std::string::npos)
      << check.err;
  auto before = testing::snapshot(dir.path(), "");
  for (const char* command : {"apply", "plan", "verify"}) {
    auto run = testing::run_clawshield(
        {command, "--root", dir.path(), "--policy", dir.path() + "/bad.yaml"});
    EXPECT_EQ(run.exit_code, 2) << command << ": " << run.out << run.err;
    EXPECT_NE(run.err.find("bad.yaml:2:9"), std::string::npos) << command << ": " << run.err;
  }
  EXPECT_EQ(testing::tree_difference(before, testing::snapshot(dir.path(), "")), "");
}

TEST(PolicyCli, CheckAcceptsGoodAndRejectsBadFilesWithExit2) {
  testing::TempDir dir;
  testing::write_file(dir.path(), "/good.yaml", "app:\n  user: openclaw\n");
  testing::write_file(dir.path(), "/bad.yaml", "app:\n  user: openclaw\n  colour: blue\n");
  auto good = testing::run_clawshield({"policy", "check", dir.path() + "/good.yaml"});
  EXPECT_EQ(good.exit_code, 0) << good.err;
  auto bad = testing::run_clawshield({"policy", "check", dir.path() + "/bad.yaml"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("bad.yaml:3:3: unknown key \"app.colour\""), std::string::npos) << bad.err;
}

TEST(PolicyCli, ShowPrintsTheEffectivePolicyAsValidYaml) {
  testing::TempDir dir;
  testing::write_file(dir.path(), "/etc/clawshield/policy.yaml", "app:\n  service: claw-gw\n");
  // Global options work after the command name too.
  auto shown = testing::run_clawshield({"policy", "show", "--root", dir.path()});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find("service: claw-gw"), std::string::npos) << shown.out;
  auto reparsed = parse_policy(shown.out, "shown");
  EXPECT_TRUE(reparsed) << reparsed.error().message;
}

TEST(PolicyCli, UnknownOptionIsExit2) {
  auto result = testing::run_clawshield({"plan", "--frobnicate"});
  EXPECT_EQ(result.exit_code, 2);
}

}  // namespace
}  // namespace clawshield
