// Why the checklist is a table over check ids rather than checks of its own: the seed's items
// are questions an admin asks with other tools (ufw, fail2ban-client, iptables, nmap, curl);
// each is answered by the same findings verify already has, so the two can never disagree.
// An item is ticked only when every check behind it passes; one failure crosses it; anything
// not judged leaves it unknown, with the reason.
#include "engine/checklist.h"

#include <algorithm>

namespace clawshield {

const std::vector<ChecklistItem>& seed_checklist() {
  static const std::vector<ChecklistItem> items = {
      {"`sudo ufw status` shows only SSH and Tailscale allowed",
       {"firewall.table_loaded", "firewall.default_deny", "firewall.open_ports"}},
      {"`sudo fail2ban-client status sshd` shows jail active",
       {"guard.unit_installed", "guard.enabled", "guard.active", "guard.ban_sets"}},
      {"`sudo iptables -L DOCKER-USER -n` shows DROP rule", {"firewall.docker_isolation"}},
      {"`nmap -p- YOUR_IP` from external shows only port 22",
       {"firewall.default_deny", "firewall.open_ports", "firewall.listening",
        "containers.published_ports"}},
      {"`docker run -p 80:80 nginx` + `curl YOUR_IP:80` times out",
       {"firewall.docker_isolation", "docker.daemon_config", "containers.published_ports"}},
      {"Tailscale access works for web UI",
       {"tailscale.running", "tailscale.funnel_off", "openclaw.gateway_bind"}},
  };
  return items;
}

std::vector<ChecklistAnswer> answer_checklist(const VerifyReport& report) {
  std::vector<ChecklistAnswer> answers;
  for (const auto& item : seed_checklist()) {
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
    ChecklistAnswer answer{&item, Status::pass, all};
    if (!failed.empty())
      answer = {&item, Status::fail, failed};
    else if (!unknown.empty())
      answer = {&item, Status::unknown, unknown};
    answers.push_back(std::move(answer));
  }
  return answers;
}

}  // namespace clawshield
