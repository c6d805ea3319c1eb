// Why the checklist is a table over check ids rather than checks of its own: the seed's items
// are questions an admin asks with other tools (ufw, fail2ban-client, iptables, nmap, curl);
// each is answered by the same findings verify already has, so the two can never disagree.
// An item is ticked only when every check behind it passes; one failure crosses it; anything
// not judged leaves it unknown, with the reason.
#include "engine/checklist.h"

#include <algorithm>

#include "layers/checks.h"

namespace clawshield {

namespace {

using Checks = std::vector<const Check*>;

std::vector<std::string> ids_of(const Checks& checks) {
  std::vector<std::string> ids;
  for (const Check* check : checks) ids.emplace_back(check->id);
  return ids;
}

}  // namespace

std::vector<ChecklistItem> seed_checklist(const Policy& policy) {
  using namespace checks;
  const bool ufw = policy.firewall.backend == FirewallBackend::ufw;
  const bool fail2ban = policy.guard.engine == GuardEngine::fail2ban;
  // Each backend answers with its own checks, and the other one must be out of service.
  const Checks firewall =
      ufw ? Checks{&k_ufw_active, &k_ufw_defaults, &k_ufw_rules, &k_firewall_retired}
          : Checks{&k_firewall_table_loaded, &k_firewall_default_deny, &k_firewall_open_ports,
                   &k_ufw_retired};
  const Checks guard = fail2ban ? Checks{&k_fail2ban_jail, &k_fail2ban_active, &k_guard_retired}
                                : Checks{&k_guard_unit_installed, &k_guard_enabled, &k_guard_active,
                                         &k_guard_ban_sets, &k_fail2ban_retired};
  const Checks docker_user =
      ufw ? Checks{&k_ufw_docker_user} : Checks{&k_firewall_docker_isolation};
  Checks scan = firewall;
  if (!ufw)
    scan.push_back(&k_firewall_listening);
  scan.push_back(&k_containers_published_ports);
  // The gateway itself: what its config says and what the kernel shows bound on its port.
  scan.insert(scan.end(), {&k_openclaw_gateway_bind, &k_openclaw_listening});
  Checks curl = docker_user;
  curl.insert(curl.end(), {&k_docker_daemon_config, &k_containers_published_ports});
  return {{"`sudo ufw status` shows only SSH and Tailscale allowed", ids_of(firewall)},
          {"`sudo fail2ban-client status sshd` shows jail active", ids_of(guard)},
          {"`sudo iptables -L DOCKER-USER -n` shows DROP rule", ids_of(docker_user)},
          {"`nmap -p- YOUR_IP` from external shows only port 22", ids_of(scan)},
          {"`docker run -p 80:80 nginx` + `curl YOUR_IP:80` times out", ids_of(curl)},
          {"Tailscale access works for web UI",
           ids_of({&k_tailscale_running, &k_tailscale_funnel_off, &k_openclaw_gateway_bind})}};
}

std::vector<ChecklistAnswer> answer_checklist(const VerifyReport& report, const Policy& policy) {
  std::vector<ChecklistAnswer> answers;
  for (const auto& item : seed_checklist(policy)) {
    std::vector<Finding> failed, unknown, all;
    for (const auto& id : item.checks) {
      auto found = std::ranges::find(report.findings, id, &Finding::id);
      Finding finding = found != report.findings.end()
                            ? *found
                            : Finding{id, "", Status::unknown, "", "not checked in this run"};
      all.push_back(finding);
      if (finding.status == Status::fail)
        failed.push_back(finding);
      else if (finding.status == Status::unknown)
        unknown.push_back(finding);
    }
    ChecklistAnswer answer{item, Status::pass, all};
    if (!failed.empty())
      answer = {item, Status::fail, failed};
    else if (!unknown.empty())
      answer = {item, Status::unknown, unknown};
    answers.push_back(std::move(answer));
  }
  return answers;
}

}  // namespace clawshield
