// Layer 6 — the OpenClaw unit. The seed lists five directives; they score 8.6 ("EXPOSED") in
// `systemd-analyze security`. This renders those five plus every sandboxing setting a Node.js
// gateway tolerates: no MemoryDenyWriteExecute (V8's JIT needs W+X pages), and the socket
// families it needs (UNIX, INET, INET6). The score is measured by systemd-analyze itself,
// offline against the root, so verify reports what systemd would report.
#include "layers/systemd_unit/systemd_unit_layer.h"

#include <charconv>
#include <sstream>

#include "core/text.h"

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

std::string unit_path(const Policy& policy) {
  return "/etc/systemd/system/" + policy.app.service + ".service";
}

std::string render_unit(const Policy& policy) {
  const AppPolicy& app = policy.app;
  std::ostringstream out;
  out << "# Managed by clawshield: `clawshield apply` rewrites this file.\n"
         "# Put local changes in the policy (systemd.*) rather than here.\n"
         "[Unit]\n"
         "Description="
      << app.description
      << "\n"
         "After=network-online.target\n"
         "Wants=network-online.target\n"
         "\n"
         "[Service]\n"
         "Type=simple\n"
         "User="
      << app.user << "\nGroup=" << app.group << "\nWorkingDirectory=" << app.state_dir << "\n";
  out << "Environment=HOME=" << app.home << "\n";
  for (const auto& variable : policy.systemd.environment) out << "Environment=" << variable << "\n";
  out << "ExecStart=" << app.exec_start
      << "\n"
         "Restart=on-failure\n"
         "RestartSec=5\n"
         "UMask=0077\n"
         "\n"
         "# The seed's directives.\n"
         "NoNewPrivileges=true\n"
         "PrivateTmp=true\n"
         "ProtectSystem=strict\n"
         "ProtectHome=read-only\n"
         "ReadWritePaths="
      << app.state_dir;
  for (const auto& path : policy.systemd.read_write_paths) out << " " << path;
  out << "\n"
         "\n"
         "# Further sandboxing a Node.js network service tolerates. No MemoryDenyWriteExecute:\n"
         "# V8's JIT needs writable and executable memory.\n"
         "CapabilityBoundingSet=\n"
         "AmbientCapabilities=\n"
         "PrivateDevices=true\n"
         "PrivateMounts=true\n"
         "DevicePolicy=closed\n"
         "PrivateUsers=true\n";
  out << sandbox_protections();
  out << "RemoveIPC=true\n"
         "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6\n";
  out << sandbox_tail();
  return out.str();
}

Result<double> exposure_score(Host& host, const std::string& unit_name) {
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
  std::vector<Action> actions;
  const std::string path = unit_path(policy);
  const std::string content = render_unit(policy);
  actions.push_back(WriteFile{path, content, FileSpec{0644, "root", "root"}, std::nullopt});

  // Reload and restart only when the unit changes; the engine drops the file action when it
  // already holds, and these two go with it.
  auto current = context.host.fs.read(path);
  if (!current && current.error().code != ErrorCode::not_found)
    return std::unexpected(current.error());
  if (!current || *current != content) {
    actions.push_back(RunCommand{"systemctl daemon-reload",
                                 Command{{policy.sudo.systemctl, "daemon-reload"}},
                                 Requirement::systemd,
                                 {},
                                 {}});
    actions.push_back(RunCommand{"systemctl restart " + policy.app.service,
                                 Command{{policy.sudo.systemctl, "restart", policy.app.service}},
                                 Requirement::systemd,
                                 {},
                                 {}});
  }
  return actions;
}

std::vector<Finding> SystemdUnitLayer::verify(const Context& context) const {
  const Policy& policy = context.policy;
  std::vector<Finding> findings;
  const std::string path = unit_path(policy);
  auto current = context.host.fs.read(path);
  if (!current) {
    Status status = current.error().code == ErrorCode::not_found ? Status::fail : Status::unknown;
    for (const char* id : {"unit_present", "seed_directives", "runs_as_app_user"})
      findings.push_back(make_finding(*this, id, status, "unit " + path, current.error().message));
  } else {
    bool same = *current == render_unit(policy);
    findings.push_back(make_finding(*this, "unit_present", same ? Status::pass : Status::warn,
                                    "unit matches the policy",
                                    same ? path : path + " differs from the policy (plan --diff)"));
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
    findings.push_back(
        make_finding(*this, "seed_directives", missing.empty() ? Status::pass : Status::fail,
                     "seed's sandbox directives set",
                     missing.empty() ? "NoNewPrivileges PrivateTmp ProtectSystem=strict "
                                       "ProtectHome=read-only ReadWritePaths"
                                     : join(missing, "; ")));
    auto user = service_setting(*current, "User");
    bool ok = user && *user == policy.app.user && *user != "root" && *user != "0";
    findings.push_back(make_finding(*this, "runs_as_app_user", ok ? Status::pass : Status::fail,
                                    "service runs as the app user",
                                    "User=" + user.value_or("(unset: root)")));
  }

  // Drop-ins can weaken a unit without touching its file.
  auto dropins = context.host.fs.list(path + ".d");
  if (dropins && !dropins->empty()) {
    findings.push_back(make_finding(*this, "no_dropins", Status::warn,
                                    "no drop-ins override the unit",
                                    path + ".d has " + join(*dropins, ", ")));
  } else if (!dropins && dropins.error().code != ErrorCode::not_found) {
    findings.push_back(make_finding(*this, "no_dropins", Status::unknown,
                                    "no drop-ins override the unit", dropins.error().message));
  } else {
    findings.push_back(make_finding(*this, "no_dropins", Status::pass,
                                    "no drop-ins override the unit", "none in " + path + ".d"));
  }

  std::ostringstream limit;
  limit << policy.systemd.max_exposure;
  if (!current) {
    findings.push_back(make_finding(*this, "exposure", Status::fail, "exposure <= " + limit.str(),
                                    "no unit to measure"));
    return findings;
  }
  auto score = exposure_score(context.host, policy.app.service + ".service");
  if (!score) {
    findings.push_back(make_finding(*this, "exposure", Status::unknown,
                                    "exposure <= " + limit.str(), score.error().message));
  } else {
    std::ostringstream evidence;
    evidence << "systemd-analyze security: " << *score << " (limit " << limit.str() << ")";
    findings.push_back(
        make_finding(*this, "exposure",
                     *score <= policy.systemd.max_exposure + 1e-9 ? Status::pass : Status::fail,
                     "exposure <= " + limit.str(), evidence.str()));
  }
  return findings;
}

}  // namespace clawshield
