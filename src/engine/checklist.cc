// Why the checklist is a table over check ids rather than checks of its own: the seed's items
// are questions an admin asks with other tools (ufw, fail2ban-client, iptables, nmap, curl);
// each is answered by the same findings verify already has, so the two can never disagree.
// An item is ticked only when every check behind it passes; one failure crosses it; anything
// not judged leaves it unknown, with the reason.
#include "engine/checklist.h"

#include <algorithm>

namespace clawshield {

std::vector<ChecklistItem> seed_checklist(const Policy& policy) {
  using Ids = std::vector<std::string>;
  const bool ufw = policy.firewall.backend == FirewallBackend::ufw;
  const bool fail2ban = policy.guard.engine == GuardEngine::fail2ban;
  // Each backend answers with its own checks, and the other one must be out of service.
  const Ids firewall = ufw ? Ids{"ufw.active", "ufw.defaults", "ufw.rules", "firewall.retired"}
                           : Ids{"firewall.table_loaded", "firewall.default_deny",
                                 "firewall.open_ports", "ufw.retired"};
  const Ids guard = fail2ban ? Ids{"fail2ban.jail", "fail2ban.active", "guard.retired"}
                             : Ids{"guard.unit_installed", "guard.enabled", "guard.active",
                                   "guard.ban_sets", "fail2ban.retired"};
  const Ids docker_user = ufw ? Ids{"ufw.docker_user"} : Ids{"firewall.docker_isolation"};
  Ids scan = firewall;
  if (!ufw)
    scan.push_back("firewall.listening");
  scan.push_back("containers.published_ports");
  // The gateway itself: what its config says and what the kernel shows bound on its port.
  scan.insert(scan.end(), {"openclaw.gateway_bind", "openclaw.listening"});
  Ids curl = docker_user;
  curl.insert(curl.end(), {"docker.daemon_config", "containers.published_ports"});
  return {{"`sudo ufw status` shows only SSH and Tailscale allowed", firewall},
          {"`sudo fail2ban-client status sshd` shows jail active", guard},
          {"`sudo iptables -L DOCKER-USER -n` shows DROP rule", docker_user},
          {"`nmap -p- YOUR_IP` from external shows only port 22", scan},
          {"`docker run -p 80:80 nginx` + `curl YOUR_IP:80` times out", curl},
          {"Tailscale access works for web UI",
           {"tailscale.running", "tailscale.funnel_off", "openclaw.gateway_bind"}}};
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
