// Layer 2 — the guard's service. The daemon needs CAP_NET_ADMIN (to add ban elements over
// netlink), read access to the logs and the journal, and write access to its state and its
// control socket; everything else is taken away, and it has no business with IP traffic at
// all (IPAddressDeny=any). verify checks the unit, that it is enabled and running (unknown
// where systemd does not run), and that the ban sets exist and are used on input and forward.
#include "layers/guard/guard_layer.h"

#include <sstream>

#include "core/text.h"
#include "guard/control_client.h"
#include "guard/daemon.h"
#include "guard/log_source.h"
#include "host/nft_state.h"
#include "layers/firewall/kernel_rules.h"
#include "layers/firewall/ruleset.h"
#include "layers/guard/checks.h"
#include "layers/systemd_unit/systemd_unit_layer.h"

namespace clawshield {
namespace {

const char* k_wants_link = "/etc/systemd/system/multi-user.target.wants/clawshield-guard.service";

// Where the guard reads sshd's messages, and whether that can show who wrote them. A journal
// entry carries its sender's uid and process (the guard counts root's sshd only); a line in
// auth.log carries nothing but text any local user can have rsyslog write (`logger -t sshd`).
// On a running system the guard reads files only where syslog does not go through journald;
// another root is judged by its policy alone (its /dev/log says nothing).
Finding log_source_finding(const Context& context) {
  const GuardPolicy& guard = context.policy.guard;
  const std::string files = join(guard.log_files, ", ");
  const std::string risk =
      ": a log file cannot show who wrote a line — any local user can write one tagged sshd and "
      "get an address banned (prefer the journal: guard.journal: true)";
  if (guard.log_files.empty())
    return make_finding(
        checks::k_guard_log_source, guard.journal ? Status::pass : Status::warn,
        guard.journal ? "the journal only" : "no source: guard.journal is false and no log_files");
  if (!guard.journal)
    return make_finding(checks::k_guard_log_source, Status::warn, "reads " + files + risk);
  if (!context.host.fs.is_system_root() || guard::syslog_goes_through_journald(context.host.fs))
    return make_finding(checks::k_guard_log_source, Status::pass,
                        "the journal (trusted _UID/_COMM/_EXE); " + files +
                            " skipped where syslog goes through journald");
  return make_finding(checks::k_guard_log_source, Status::warn,
                      "/dev/log is not journald's, so the guard also reads " + files + risk);
}

}  // namespace

std::string render_guard_unit(const Policy& policy) {
  std::ostringstream out;
  out << "# Managed by clawshield: `clawshield apply` rewrites this file.\n"
         "[Unit]\n"
         "Description=clawshield guard: bans SSH brute-force sources in the kernel\n"
         "Wants=clawshield-firewall.service\n"
         "After=clawshield-firewall.service network-pre.target\n"
         "\n"
         "[Service]\n"
         "Type=notify\n"
         "NotifyAccess=main\n"
         "ExecStart="
      << policy.guard.executable
      << " guard\n"
         "ExecReload=/bin/kill -HUP $MAINPID\n"
         "Restart=on-failure\n"
         "RestartSec=2\n"
         "WatchdogSec=30\n"
         "StateDirectory=clawshield/guard\n"
         "StateDirectoryMode=0700\n"
         "RuntimeDirectory=clawshield\n"
         "RuntimeDirectoryMode=0700\n"
         "UMask=0077\n"
         "\n"
         "# Root, but only CAP_NET_ADMIN: enough to change the ban sets, nothing more.\n"
         "CapabilityBoundingSet=CAP_NET_ADMIN\n"
         "AmbientCapabilities=CAP_NET_ADMIN\n"
         "NoNewPrivileges=true\n"
         "ProtectSystem=strict\n"
         "ReadWritePaths=/var/lib/clawshield\n"
         "ProtectHome=true\n"
         "PrivateTmp=true\n"
         "PrivateDevices=true\n"
         "DevicePolicy=closed\n";
  out << sandbox_protections();
  out << "MemoryDenyWriteExecute=true\n"
         "PrivateMounts=true\n"
         "RemoveIPC=true\n"
         "RestrictAddressFamilies=AF_UNIX AF_NETLINK\n"
         "IPAddressDeny=any\n";
  out << sandbox_tail();
  return out.str();
}

Result<std::vector<Action>> GuardLayer::desired(const Context& context) const {
  const HostView& host = context.host;
  // With fail2ban as the engine, the guard is taken out of service (the fail2ban layer
  // installs the jail).
  if (m_role == Role::retiring)
    return retire_service(host, "clawshield-guard.service", k_guard_unit, k_wants_link);
  const std::string unit = render_guard_unit(context.policy);
  std::vector<Action> actions;
  actions.push_back(WriteFile{k_guard_unit, unit, FileSpec{0644, "root", "root"}, std::nullopt});
  CS_TRY(auto link, host.fs.stat(k_wants_link));
  if (!link) {
    actions.push_back(RunCommand{
        "enable clawshield-guard.service",
        Command({"systemctl",
                 "--root=" + (host.fs.root().empty() ? std::string("/") : host.fs.root()),
                 "--quiet", "enable", "clawshield-guard.service"}),
        Requirement::none,
        {},
        {parent_path(k_wants_link), k_wants_link}});
  }
  auto current = host.fs.read(k_guard_unit);
  if (!current && current.error().code != ErrorCode::not_found)
    return std::unexpected(current.error());
  if (!current || *current != unit) {
    actions.push_back(RunCommand{"systemctl daemon-reload",
                                 Command({"systemctl", "daemon-reload"}),
                                 Requirement::systemd,
                                 {},
                                 {},
                                 {Command({"systemctl", "daemon-reload"})}});
    // Rolled back, a guard this apply started is stopped (its unit file is gone; a loaded
    // unit keeps running without it), and one it changed runs its old unit again.
    std::vector<Command> undo =
        current
            ? std::vector<Command>{Command({"systemctl", "daemon-reload"}),
                                   Command({"systemctl", "restart", "clawshield-guard.service"})}
            : std::vector<Command>{Command({"systemctl", "stop", "clawshield-guard.service"})};
    actions.push_back(RunCommand{"systemctl restart clawshield-guard",
                                 Command({"systemctl", "restart", "clawshield-guard.service"}),
                                 Requirement::systemd,
                                 {},
                                 {},
                                 std::move(undo)});
  }
  return actions;
}

std::vector<Finding> GuardLayer::verify(const Context& context) const {
  const HostView& host = context.host;
  std::vector<Finding> findings;
  if (m_role == Role::retiring) {
    // fail2ban bans: the guard must be out of service, not banning beside it.
    auto unit = host.fs.stat(k_guard_unit);
    auto reply = guard::ControlClient(host.fs).list();
    std::vector<std::string> left;
    if (unit && *unit)
      left.push_back(std::string(k_guard_unit) + " installed");
    if (reply)
      left.push_back("the guard answers on its control socket (both ban)");
    findings.push_back(make_finding(checks::k_guard_retired,
                                    !unit          ? Status::unknown
                                    : left.empty() ? Status::pass
                                                   : Status::fail,
                                    !unit          ? unit.error().message
                                    : left.empty() ? "no guard unit, no guard running"
                                                   : join(left, "; ")));
    return findings;
  }

  auto current = host.fs.read(k_guard_unit);
  if (!current) {
    findings.push_back(
        make_finding(checks::k_guard_unit_installed,
                     current.error().code == ErrorCode::not_found ? Status::fail : Status::unknown,
                     current.error().message));
  } else {
    bool same = *current == render_guard_unit(context.policy);
    findings.push_back(make_finding(
        checks::k_guard_unit_installed, same ? Status::pass : Status::warn,
        same ? std::string(k_guard_unit) : std::string(k_guard_unit) + " differs from the policy"));
    auto score = exposure_score(host, "clawshield-guard.service");
    if (!score) {
      findings.push_back(
          make_finding(checks::k_guard_exposure, Status::unknown, score.error().message));
    } else {
      std::ostringstream evidence;
      evidence << "systemd-analyze security: " << *score;
      findings.push_back(make_finding(checks::k_guard_exposure,
                                      *score <= 2.0 ? Status::pass : Status::warn, evidence.str()));
    }
  }

  findings.push_back(log_source_finding(context));

  auto link = host.fs.stat(k_wants_link);
  findings.push_back(make_finding(checks::k_guard_enabled,
                                  !link   ? Status::unknown
                                  : *link ? Status::pass
                                          : Status::fail,
                                  !link   ? link.error().message
                                  : *link ? std::string(k_wants_link)
                                          : "not enabled (no " + std::string(k_wants_link) + ")"));

  if (auto why = host.skip_reason(Requirement::systemd)) {
    // Without systemd, the guard's own control socket tells whether it runs.
    auto reply = guard::ControlClient(host.fs).list();
    if (reply)
      findings.push_back(make_finding(checks::k_guard_active, Status::pass,
                                      "answers on its control socket (systemd not running)"));
    else if (host.fs.is_system_root())
      findings.push_back(make_finding(checks::k_guard_active, Status::fail,
                                      "no guard answers: " + reply.error().message));
    else
      findings.push_back(make_finding(
          checks::k_guard_active, Status::unknown,
          "cannot ask systemd: " + *why + "; no guard answers: " + reply.error().message));
  } else {
    auto active = host.runner.run(Command({"systemctl", "is-active", "clawshield-guard.service"}));
    if (!active)
      findings.push_back(
          make_finding(checks::k_guard_active, Status::unknown, active.error().message));
    else
      findings.push_back(make_finding(checks::k_guard_active,
                                      active->ok() ? Status::pass : Status::fail,
                                      "systemctl is-active: " + std::string(trim(active->out))));
  }

  // The ban sets exist and both input and forward drop their members.
  if (!host.own_network) {
    findings.push_back(
        make_finding(checks::k_guard_ban_sets, Status::unknown,
                     "kernel not inspected: --root is not the running system (use --netns)"));
    return findings;
  }
  auto table = read_nft_table(host.nft, k_firewall_table);
  if (!table) {
    findings.push_back(
        make_finding(checks::k_guard_ban_sets, Status::unknown, table.error().message));
    return findings;
  }
  std::vector<std::string> missing;
  if (!*table) {
    missing.push_back("no table inet clawshield");
  } else {
    const NftState& state = **table;
    for (const char* set : {k_ban_set_v4, k_ban_set_v6})
      if (!state.find_set("inet", k_firewall_table, set))
        missing.push_back(std::string("set ") + set);
    // Each chain's rules must drop both sets.
    for (const char* name : {"input", "forward"}) {
      const NftChain* chain = state.find_chain("inet", k_firewall_table, name);
      for (const auto& [protocol, set] :
           {std::pair{"ip", k_ban_set_v4}, std::pair{"ip6", k_ban_set_v6}})
        if (!chain || !drops_set_members(state, *chain, protocol, set))
          missing.push_back(std::string(name) + ": " + protocol + " saddr @" + set + " drop");
    }
  }
  findings.push_back(make_finding(checks::k_guard_ban_sets,
                                  missing.empty() ? Status::pass : Status::fail,
                                  missing.empty() ? "ban_v4 and ban_v6 dropped on input and forward"
                                                  : "missing: " + join(missing, "; ")));
  return findings;
}

}  // namespace clawshield
