// Why fail2ban's jail is written rather than edited: jail.local is read after jail.conf and
// jail.d/*.conf (Debian's defaults-debian.conf turns sshd on), so one file of ours states the
// whole jail. Debian 12 logs sshd to the journal only; fail2ban's systemd backend needs
// python3-systemd, which apply installs. The seed's ban (INPUT only) would leave published
// container ports reachable to a banned address: a second action bans on FORWARD, ahead of
// Docker's chains, for both families (fail2ban's iptables actions cover ip6tables).
#include "layers/fail2ban/fail2ban_layer.h"

#include <sstream>

#include "core/text.h"
#include "host/packages.h"
#include "layers/fail2ban/checks.h"
#include "layers/firewall/sshd_ports.h"

namespace clawshield {
namespace {

constexpr const char* k_marker = "# Managed by clawshield";
// Whether the admin had fail2ban enabled before: rollback leaves it as it found it.
constexpr const char* k_fail2ban_wants =
    "/etc/systemd/system/multi-user.target.wants/fail2ban.service";

bool installed(const HostView& host, const std::string& package) {
  return package_installed(host, package).value_or(false);
}

Result<Fail2banBackend> choose_backend(const HostView& host) {
  CS_TRY(auto auth_log, host.fs.stat("/var/log/auth.log"));
  return auth_log ? Fail2banBackend::log_file : Fail2banBackend::systemd;
}

std::string socket_path(const HostView& host) {
  return host.fs.host_path(k_fail2ban_socket);
}

// `fail2ban-client status sshd` against the running server.
Result<CommandResult> jail_status(const HostView& host) {
  return host.runner.run(Command({"fail2ban-client", "-s", socket_path(host), "status", "sshd"}));
}

}  // namespace

std::string render_jail_local(const Policy& policy, const std::vector<int>& ssh_ports,
                              Fail2banBackend backend) {
  const GuardPolicy& guard = policy.guard;
  std::ostringstream out;
  std::vector<std::string> ports;
  for (int port : ssh_ports) ports.push_back(std::to_string(port));
  out << k_marker << ": `clawshield apply` rewrites this file.\n"
      << "# The seed's values. Bans cover the input and the forward path (published container\n"
      << "# ports), IPv4 and IPv6.\n"
      << "[DEFAULT]\n"
      << "ignoreip = " << join(guard.allowlist, " ") << "\n"
      << "bantime = " << guard.bantime << "\n"
      << "findtime = " << guard.findtime << "\n"
      << "maxretry = " << static_cast<int>(guard.maxretry) << "\n"
      << "banaction = iptables-allports\n"
      << "banaction_allports = iptables-allports\n\n"
      << "[sshd]\n"
      << "enabled = true\n"
      << "port = " << join(ports, ",") << "\n";
  if (backend == Fail2banBackend::systemd)
    // '+' separates alternatives; fields inside one alternative must all match. _UID comes
    // from the kernel, not the sender: without it any local user running a program named
    // sshd (or in ssh.service's cgroup) could write lines that ban an address.
    out << "backend = systemd\n"
        << "journalmatch = _SYSTEMD_UNIT=ssh.service _UID=0 + _COMM=sshd _UID=0\n";
  else
    out << "backend = auto\n"
        << "logpath = /var/log/auth.log\n";
  out << "action = iptables-allports[name=sshd, chain=INPUT, protocol=all]\n"
      << "         iptables-allports[name=sshd-forward, chain=FORWARD, protocol=all]\n";
  return out.str();
}

Result<std::vector<Action>> Fail2banLayer::desired(const Context& context) const {
  const HostView& host = context.host;
  std::vector<Action> actions;
  const bool wanted = m_role == Role::active;
  auto current = host.fs.read(k_jail_local);
  if (!current && current.error().code != ErrorCode::not_found)
    return std::unexpected(current.error());
  const bool ours = current && current->starts_with(k_marker);

  if (!wanted) {
    // clawshield's guard bans: our jail goes, and fail2ban with it where we had set it up.
    if (ours) {
      actions.push_back(RemoveFile{k_jail_local});
      actions.push_back(
          RunCommand{"systemctl disable --now fail2ban (the guard replaces it)",
                     Command({"systemctl", "disable", "--now", "fail2ban.service"}),
                     Requirement::systemd,
                     {},
                     {},
                     {Command({"systemctl", "enable", "--now", "fail2ban.service"})}});
    }
    return actions;
  }

  CS_TRY(Fail2banBackend backend, choose_backend(host));
  std::vector<std::string> packages;
  if (!installed(host, "fail2ban"))
    packages.push_back("fail2ban");
  if (backend == Fail2banBackend::systemd && !installed(host, "python3-systemd"))
    packages.push_back("python3-systemd");
  if (!packages.empty()) {
    std::vector<std::string> argv = {"apt-get", "install", "-y", "--no-install-recommends"};
    argv.insert(argv.end(), packages.begin(), packages.end());
    actions.push_back(RunCommand{
        "apt-get install " + join(packages, " "), Command(argv), Requirement::live_system, {}, {}});
  }
  if (current && !ours)
    return fail(ErrorCode::refused, host.fs.host_path(k_jail_local) +
                                        " exists and is not clawshield's: merge it by hand or "
                                        "move it aside (clawshield will not overwrite it)");
  CS_TRY(SshdPorts ssh, ssh_ports_to_open(host, context.policy.firewall.ssh_ports));
  const std::string jail = render_jail_local(context.policy, ssh.ports, backend);
  actions.push_back(WriteFile{k_jail_local, jail, FileSpec{0644, "root", "root"}, std::nullopt});
  if (!current || *current != jail) {
    // Enabled, then restarted: `enable --now` alone leaves a fail2ban that was already running
    // on its old jails. Rollback undoes what the admin did not have: fail2ban stopped and
    // disabled again if it was not enabled before, else restarted on the restored files.
    CS_TRY(auto enabled_before, host.fs.stat(k_fail2ban_wants));
    std::vector<Command> undo_enable;
    std::vector<Command> undo_restart;
    if (enabled_before)
      undo_restart.push_back(Command({"systemctl", "restart", "fail2ban.service"}));
    else
      undo_enable.push_back(Command({"systemctl", "disable", "--now", "fail2ban.service"}));
    actions.push_back(RunCommand{"systemctl enable fail2ban",
                                 Command({"systemctl", "enable", "fail2ban.service"}),
                                 Requirement::systemd,
                                 {},
                                 {},
                                 undo_enable});
    actions.push_back(RunCommand{"systemctl restart fail2ban (reads the jail)",
                                 Command({"systemctl", "restart", "fail2ban.service"}),
                                 Requirement::systemd,
                                 {},
                                 {},
                                 undo_restart});
  }
  return actions;
}

std::vector<Finding> Fail2banLayer::verify(const Context& context) const {
  const HostView& host = context.host;
  std::vector<Finding> findings;
  const bool wanted = m_role == Role::active;
  if (!wanted) {
    // Only one may ban: fail2ban answering with an sshd jail means both do.
    if (!installed(host, "fail2ban")) {
      findings.push_back(
          make_finding(checks::k_fail2ban_retired, Status::pass, "fail2ban is not installed"));
      return findings;
    }
    auto status = jail_status(host);
    const bool banning = status && status->ok();
    findings.push_back(make_finding(
        checks::k_fail2ban_retired, banning ? Status::fail : Status::pass,
        banning ? "fail2ban's sshd jail is active: both fail2ban and the guard ban sshd failures"
                : "no fail2ban sshd jail answers on " + socket_path(host)));
    return findings;
  }

  auto backend = choose_backend(host);
  auto ssh = ssh_ports_to_open(host, context.policy.firewall.ssh_ports);
  auto current = host.fs.read(k_jail_local);
  if (!backend || !ssh || !current) {
    findings.push_back(make_finding(
        checks::k_fail2ban_jail,
        current || current.error().code != ErrorCode::not_found ? Status::unknown : Status::fail,
        !backend ? backend.error().message
        : !ssh   ? ssh.error().message
                 : current.error().message));
  } else {
    const bool same = *current == render_jail_local(context.policy, ssh->ports, *backend);
    findings.push_back(make_finding(
        checks::k_fail2ban_jail, same ? Status::pass : Status::fail,
        same ? "maxretry " + std::to_string(static_cast<int>(context.policy.guard.maxretry)) +
                   ", findtime " + std::to_string(context.policy.guard.findtime) + ", bantime " +
                   std::to_string(context.policy.guard.bantime) + ", backend " +
                   (*backend == Fail2banBackend::systemd ? "systemd" : "/var/log/auth.log") +
                   ", bans on INPUT and FORWARD"
             : std::string(k_jail_local) + " differs from the policy's render"));
    if (*backend == Fail2banBackend::systemd)
      findings.push_back(make_finding(
          checks::k_fail2ban_journal_backend,
          installed(host, "python3-systemd") ? Status::pass : Status::fail,
          installed(host, "python3-systemd") ? "python3-systemd installed"
                                             : "no /var/log/auth.log and python3-systemd missing"));
  }
  auto status = jail_status(host);
  if (!status) {
    findings.push_back(
        make_finding(checks::k_fail2ban_active, Status::unknown, status.error().message));
  } else {
    // "|- Currently failed:\t2" and "|- Currently banned:\t1" tell the jail's state.
    std::vector<std::string> counts;
    for (const auto& line : split_lines(status->out))
      for (const char* field : {"Currently failed:", "Currently banned:"})
        if (size_t at = line.find(field); at != std::string::npos)
          counts.push_back(std::string(field).substr(10) + " " +
                           std::string(trim(line.substr(at + std::string(field).size()))));
    findings.push_back(make_finding(
        checks::k_fail2ban_active, status->ok() ? Status::pass : Status::fail,
        status->ok() ? "fail2ban-client status sshd answers (" + join(counts, ", ") + ")"
                     : "fail2ban-client status sshd: " + std::string(trim(status->err))));
  }
  return findings;
}

}  // namespace clawshield
