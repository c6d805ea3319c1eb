// Layer 6 — the OpenClaw unit. The seed lists five directives; they score 8.6 ("EXPOSED") in
// `systemd-analyze security`. This renders those five plus every sandboxing setting the real
// gateway tolerates (found by running OpenClaw 2026.9.6 under it in a booted Debian 12): no
// MemoryDenyWriteExecute (V8's JIT), AF_NETLINK allowed, ~/.cache and ~/.local writable, no
// RestrictSUIDSGID (openat2). On a real host the gateway is a user unit the app user can edit:
// its command moves into this system unit with User= (the one sandbox the sandboxed process
// cannot rewrite) and the user unit is retired through its own manager; rollback brings it
// back. The score is measured by systemd-analyze itself, offline against the root, and the
// running unit is judged by what systemd reports.
#include "layers/systemd_unit/systemd_unit_layer.h"

#include <algorithm>
#include <charconv>
#include <sstream>

#include "core/text.h"
#include "host/accounts.h"
#include "host/systemctl_show.h"
#include "layers/rootless_docker/rootless_docker_layer.h"
#include "layers/systemd_unit/checks.h"

namespace clawshield {
namespace {

// Directives from the seed whose values verify insists on, whatever else the unit says.
const std::vector<std::pair<std::string, std::string>>& seed_directives() {
  static const std::vector<std::pair<std::string, std::string>> directives = {
      {"NoNewPrivileges", "true"},
      {"PrivateTmp", "true"},
      {"ProtectSystem", "strict"},
      {"ProtectHome", "read-only"},
  };
  return directives;
}

// Last value of `key` in the [Service] section of unit `text` (later lines win in systemd).
std::optional<std::string> service_setting(const std::string& text, const std::string& key) {
  std::optional<std::string> value;
  bool in_service = false;
  for (const auto& raw : split_lines(text)) {
    std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';')
      continue;
    if (line.front() == '[') {
      in_service = line == "[Service]";
      continue;
    }
    if (!in_service)
      continue;
    size_t eq = line.find('=');
    if (eq == std::string_view::npos)
      continue;
    if (trim(line.substr(0, eq)) == key)
      value = std::string(trim(line.substr(eq + 1)));
  }
  return value;
}

}  // namespace

std::string_view sandbox_protections() {
  return "ProtectClock=true\n"
         "ProtectControlGroups=true\n"
         "ProtectHostname=true\n"
         "ProtectKernelLogs=true\n"
         "ProtectKernelModules=true\n"
         "ProtectKernelTunables=true\n"
         "ProtectProc=invisible\n"
         "ProcSubset=pid\n"
         "KeyringMode=private\n"
         "LockPersonality=true\n";
}

std::string_view sandbox_tail() {
  // No RestrictSUIDSGID: systemd cannot see the mode inside openat2's struct, so that setting
  // makes every openat2 fail with ENOSYS (systemd 252, measured in the booted-host harness),
  // and both clawshield (RESOLVE_IN_ROOT) and OpenClaw (its gateway lock, RESOLVE_BENEATH) need
  // openat2 with no fallback. NoNewPrivileges and an empty or CAP_NET_ADMIN-only bounding set
  // already make a set-uid file worthless to these processes.
  return "RestrictNamespaces=true\n"
         "RestrictRealtime=true\n"
         "SystemCallArchitectures=native\n"
         "SystemCallFilter=@system-service\n"
         "SystemCallFilter=~@privileged @resources @mount @swap @reboot @raw-io @module @obsolete "
         "@clock @debug @cpu-emulation\n"
         "SystemCallErrorNumber=EPERM\n"
         "\n"
         "[Install]\n"
         "WantedBy=multi-user.target\n";
}

std::string render_unit(const Policy& policy, const GatewayService& gateway,
                        const RootlessDocker* docker) {
  const AppPolicy& app = policy.app;
  std::ostringstream out;
  out << k_managed_header
      << ": `clawshield apply` rewrites this file.\n"
         "# Put local changes in the policy (systemd.*) rather than here.\n";
  if (gateway.source != GatewaySource::policy)
    out << "# The gateway's command and supervision come from " << gateway.found_at
        << ";\n# it runs here, under PID 1, so that its sandbox is not the app user's to edit.\n";
  out << "[Unit]\n"
         "Description="
      << app.description
      << "\n"
         "After=network-online.target\n"
         "Wants=network-online.target\n";
  if (docker)
    out << "# OpenClaw's sandboxes run on the app user's rootless Docker (app.sandbox: rootless).\n"
           "Wants="
        << docker->unit << "\nAfter=" << docker->unit << "\n";
  for (const auto& [key, value] : gateway.unit_settings) out << key << "=" << value << "\n";
  out << "\n"
         "[Service]\n"
         "Type=simple\n"
         "User="
      << app.user << "\nGroup=" << app.group << "\nWorkingDirectory=" << app.home << "\n";
  out << "Environment=HOME=" << app.home << "\n";
  for (const auto& variable : gateway.environment) out << "Environment=" << variable << "\n";
  for (const auto& variable : policy.systemd.environment) out << "Environment=" << variable << "\n";
  if (docker)
    out << "Environment=DOCKER_HOST=" << docker->docker_host() << "\n";
  out << "ExecStart=" << gateway.exec_start << "\n";
  // OpenClaw's own supervision settings where it wrote them, else ours.
  std::vector<std::pair<std::string, std::string>> supervision = {{"Restart", "on-failure"},
                                                                  {"RestartSec", "5"}};
  for (const auto& [key, value] : gateway.service_settings) {
    auto same = std::ranges::find(supervision, key, &std::pair<std::string, std::string>::first);
    if (same != supervision.end())
      same->second = value;
    else
      supervision.emplace_back(key, value);
  }
  for (const auto& [key, value] : supervision) out << key << "=" << value << "\n";
  out << "UMask=0077\n"
         "\n"
         "# The seed's directives.\n"
         "NoNewPrivileges=true\n"
         "PrivateTmp=true\n"
         "ProtectSystem=strict\n"
         "ProtectHome=read-only\n"
         "# OpenClaw writes its temp dir and compile cache under ~/.cache and updates itself\n"
         "# under ~/.local (\"-\": a missing folder is not an error).\n"
         "ReadWritePaths="
      << app.state_dir << " -" << app.home << "/.cache -" << app.home << "/.local";
  for (const auto& path : policy.systemd.read_write_paths) out << " " << path;
  out << "\n"
         "\n"
         "# Further sandboxing the gateway tolerates (tried with the real OpenClaw under\n"
         "# systemd 252). No MemoryDenyWriteExecute: V8's JIT needs writable and executable\n"
         "# memory. AF_NETLINK: Node lists the interfaces through it.\n"
         "CapabilityBoundingSet=\n"
         "AmbientCapabilities=\n"
         "PrivateDevices=true\n"
         "PrivateMounts=true\n"
         "DevicePolicy=closed\n"
         "PrivateUsers=true\n";
  out << sandbox_protections();
  out << "RemoveIPC=true\n"
         "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK\n";
  out << sandbox_tail();
  return out.str();
}

Result<double> exposure_score(const HostView& host, const std::string& unit_name) {
  std::string root = host.fs.root().empty() ? "/" : host.fs.root();
  Command command{
      {"systemd-analyze", "security", "--offline=true", "--no-pager", "--root=" + root, unit_name}};
  command.env.push_back({"SYSTEMD_COLORS", "0"});
  CS_TRY(CommandResult result, host.runner.run(command));
  // "→ Overall exposure level for openclaw.service: 1.6 OK 🙂"; the exit code is non-zero
  // above --threshold, so read the number rather than trusting the status.
  for (const auto& line : split_lines(result.out)) {
    size_t at = line.find("Overall exposure level for ");
    if (at == std::string::npos)
      continue;
    size_t colon = line.find(": ", at);
    if (colon == std::string::npos)
      break;
    std::string_view rest = std::string_view(line).substr(colon + 2);
    double score = 0;
    auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), score);
    if (ec == std::errc())
      return score;
    break;
  }
  return fail(ErrorCode::command_failed, describe_failure(command, result));
}

Result<std::vector<Action>> SystemdUnitLayer::desired(const Context& context) const {
  const Policy& policy = context.policy;
  const AppPolicy& app = policy.app;
  const HostView& host = context.host;
  CS_TRY(GatewayService gateway, discover_gateway(host, policy));
  std::vector<Action> actions;
  const std::string path = gateway.unit_file();
  const std::string unit = gateway.name + ".service";
  const std::optional<RootlessDocker> docker =
      rootless_docker_wanted(host, policy) ? std::optional(rootless_docker(app)) : std::nullopt;
  const std::string content = render_unit(policy, gateway, docker ? &*docker : nullptr);
  actions.push_back(WriteFile{path, content, FileSpec{0644, "root", "root"}, std::nullopt});
  // ProtectHome=read-only: a ~/.cache the gateway needs and cannot make itself.
  actions.push_back(EnsureDirectory{app.home + "/.cache", FileSpec{0700, app.user, app.group},
                                    trusted_parent_of(app.home + "/.cache", app.home)});
  // PID 1 resolves ReadWritePaths= following links: a ~/.local (or ~/.cache) that is a link to
  // ~ or elsewhere would make that writable inside the sandbox. Refused, loudly.
  for (const char* folder : {"/.local", "/.cache"}) {
    auto opened = host.fs.open_untrusted(app.home + folder, app.home, UntrustedKind::directory);
    if (!opened && opened.error().code == ErrorCode::refused)
      return fail(ErrorCode::refused, app.home + folder + " is not a plain folder (" +
                                          opened.error().message +
                                          "): the unit's ReadWritePaths would follow it");
  }

  auto current = host.fs.read(path);
  if (!current && current.error().code != ErrorCode::not_found)
    return std::unexpected(current.error());
  const bool unit_changes = !current || *current != content;
  const std::string wants_link = "/etc/systemd/system/multi-user.target.wants/" + unit;
  CS_TRY(std::optional<FileStat> link, host.fs.stat(wants_link));

  // The user unit is retired through its own manager (`systemctl --user`), which must be
  // running to do it; rollback enables and starts it again.
  std::optional<std::vector<std::string>> as_user;  // set: the user unit is retired
  if (gateway.user_unit && !gateway.user_unit->enabled_by.empty()) {
    CS_TRY(as_user, user_systemctl(host, app));
  }

  if (unit_changes)
    actions.push_back(RunCommand{"systemctl daemon-reload",
                                 Command{{policy.sudo.systemctl, "daemon-reload"}},
                                 Requirement::systemd,
                                 {},
                                 {},
                                 {Command{{policy.sudo.systemctl, "daemon-reload"}}}});
  if (as_user)
    actions.push_back(retire_user_unit(*as_user, unit,
                                       "retire the user unit " + gateway.user_unit->path +
                                           " (systemctl --user disable --now, as " + app.user +
                                           ")"));
  if (!link)
    actions.push_back(RunCommand{"systemctl enable " + unit,
                                 Command{{policy.sudo.systemctl, "enable", unit}},
                                 Requirement::systemd,
                                 {},
                                 {wants_link}});
  if (unit_changes || as_user) {
    // A gateway whose program is not installed would only crash-loop.
    const std::string program = split_words(gateway.exec_start).front();
    CS_TRY(std::optional<FileStat> installed, host.fs.stat(program));
    if (installed)
      actions.push_back(RunCommand{
          "systemctl restart " + unit,
          Command{{policy.sudo.systemctl, "restart", unit}},
          Requirement::systemd,
          {},
          {},
          // Started here: stopped (its file is gone, a loaded unit
          // would run on); changed here: its old unit runs again.
          current ? std::vector<Command>{Command{{policy.sudo.systemctl, "daemon-reload"}},
                                         Command{{policy.sudo.systemctl, "restart", unit}}}
                  : std::vector<Command>{Command{{policy.sudo.systemctl, "stop", unit}}}});
  }
  return actions;
}

std::vector<std::string> SystemdUnitLayer::notes(const Context& context) const {
  auto gateway = discover_gateway(context.host, context.policy);
  if (!gateway)
    return {"the gateway's unit cannot be read: " + gateway.error().message};
  std::vector<std::string> notes = {gateway->describe()};
  if (gateway->user_unit && !gateway->user_unit->enabled_by.empty())
    notes.push_back("its user unit is retired so that only the hardened " + gateway->unit_file() +
                    " runs the gateway (rollback enables it again)");
  for (const auto& item : gateway->left_out) notes.push_back("left out: " + item);
  for (const auto& other : gateway->other_user_units)
    notes.push_back("another gateway user unit, not moved: " + other);
  return notes;
}

std::vector<Finding> SystemdUnitLayer::verify(const Context& context) const {
  const Policy& policy = context.policy;
  const HostView& host = context.host;
  std::vector<Finding> findings;
  auto discovered = discover_gateway(host, policy);
  if (!discovered) {
    for (const Check* check : {&checks::k_systemd_unit_present, &checks::k_systemd_seed_directives,
                               &checks::k_systemd_runs_as_app_user, &checks::k_systemd_no_dropins,
                               &checks::k_systemd_exposure, &checks::k_systemd_user_unit_retired,
                               &checks::k_systemd_gateway_active})
      findings.push_back(make_finding(*check, Status::unknown, discovered.error().message,
                                      SummaryOverride{"the gateway's unit"}));
    return findings;
  }
  const GatewayService& gateway = *discovered;
  const std::string path = gateway.unit_file();
  const std::string unit = gateway.name + ".service";
  auto current = host.fs.read(path);
  if (!current) {
    Status status = current.error().code == ErrorCode::not_found ? Status::fail : Status::unknown;
    for (const Check* check : {&checks::k_systemd_unit_present, &checks::k_systemd_seed_directives,
                               &checks::k_systemd_runs_as_app_user})
      findings.push_back(
          make_finding(*check, status, current.error().message, SummaryOverride{"unit " + path}));
  } else {
    const std::optional<RootlessDocker> docker = rootless_docker_wanted(host, policy)
                                                     ? std::optional(rootless_docker(policy.app))
                                                     : std::nullopt;
    bool same = *current == render_unit(policy, gateway, docker ? &*docker : nullptr);
    findings.push_back(make_finding(
        checks::k_systemd_unit_present, same ? Status::pass : Status::warn,
        same ? path + ": " + gateway.describe() : path + " differs from the policy (plan --diff)"));
    std::vector<std::string> missing;
    for (const auto& [key, value] : seed_directives()) {
      auto actual = service_setting(*current, key);
      if (actual != value)
        missing.push_back(key + "=" + actual.value_or("(unset)") + ", want " + value);
    }
    auto rw = service_setting(*current, "ReadWritePaths");
    if (!rw || split_words(*rw).empty() || split_words(*rw).front() != policy.app.state_dir)
      missing.push_back("ReadWritePaths=" + rw.value_or("(unset)") + ", want " +
                        policy.app.state_dir);
    findings.push_back(make_finding(
        checks::k_systemd_seed_directives, missing.empty() ? Status::pass : Status::fail,
        missing.empty() ? "NoNewPrivileges PrivateTmp ProtectSystem=strict "
                          "ProtectHome=read-only ReadWritePaths"
                        : join(missing, "; ")));
    auto user = service_setting(*current, "User");
    bool ok = user && *user == policy.app.user && *user != "root" && *user != "0";
    findings.push_back(make_finding(checks::k_systemd_runs_as_app_user,
                                    ok ? Status::pass : Status::fail,
                                    "User=" + user.value_or("(unset: root)")));
  }

  // Drop-ins can weaken a unit without touching its file.
  auto dropins = host.fs.list(path + ".d");
  if (dropins && !dropins->empty()) {
    findings.push_back(make_finding(checks::k_systemd_no_dropins, Status::warn,
                                    path + ".d has " + join(*dropins, ", ")));
  } else if (!dropins && dropins.error().code != ErrorCode::not_found) {
    findings.push_back(
        make_finding(checks::k_systemd_no_dropins, Status::unknown, dropins.error().message));
  } else {
    findings.push_back(
        make_finding(checks::k_systemd_no_dropins, Status::pass, "none in " + path + ".d"));
  }

  std::ostringstream limit;
  limit << policy.systemd.max_exposure;
  if (!current) {
    findings.push_back(make_finding(checks::k_systemd_exposure, Status::fail, "no unit to measure",
                                    SummaryOverride{"exposure <= " + limit.str()}));
  } else if (auto score = exposure_score(host, unit); !score) {
    findings.push_back(make_finding(checks::k_systemd_exposure, Status::unknown,
                                    score.error().message,
                                    SummaryOverride{"exposure <= " + limit.str()}));
  } else {
    std::ostringstream evidence;
    evidence << "systemd-analyze security " << unit << ": " << *score << " (limit " << limit.str()
             << ")";
    findings.push_back(
        make_finding(checks::k_systemd_exposure,
                     *score <= policy.systemd.max_exposure + 1e-9 ? Status::pass : Status::fail,
                     evidence.str(), SummaryOverride{"exposure <= " + limit.str()}));
  }

  // A user unit left enabled starts a second, unsandboxed gateway with the user's manager.
  if (!gateway.user_unit) {
    findings.push_back(make_finding(checks::k_systemd_user_unit_retired, Status::pass,
                                    "no openclaw-gateway*.service in ~/.config/systemd/user"));
  } else if (!gateway.user_unit->enabled_by.empty()) {
    findings.push_back(make_finding(
        checks::k_systemd_user_unit_retired, Status::fail,
        gateway.user_unit->path + " is enabled (" + join(gateway.user_unit->enabled_by, ", ") +
            "): an unsandboxed gateway starts with the user's manager"));
  } else {
    findings.push_back(make_finding(checks::k_systemd_user_unit_retired, Status::pass,
                                    gateway.user_unit->path + " is disabled"));
  }
  if (!gateway.other_user_units.empty())
    findings.back().evidence += "; also found: " + join(gateway.other_user_units, ", ");

  // The unit that runs, as systemd reports it.
  if (auto why = host.skip_reason(Requirement::systemd)) {
    findings.push_back(make_finding(checks::k_systemd_gateway_active, Status::unknown, *why));
  } else {
    auto shown = host.runner.run(
        Command{{"systemctl", "show", unit, "--property", "ActiveState,SubState,NRestarts,User"}});
    if (!shown || shown->exit_code != 0) {
      findings.push_back(
          make_finding(checks::k_systemd_gateway_active, Status::unknown,
                       shown ? describe_failure(Command{{"systemctl", "show", unit}}, *shown)
                             : shown.error().message));
    } else {
      const UnitProperties parsed = parse_unit_properties(shown->out);
      const std::vector<std::string> properties = parsed.lines();
      bool running = parsed.value("ActiveState") == "active";
      findings.push_back(make_finding(checks::k_systemd_gateway_active,
                                      running ? Status::pass : Status::fail,
                                      unit + ": " + join(properties, " ")));
    }
  }
  return findings;
}

}  // namespace clawshield
