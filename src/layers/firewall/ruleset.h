// The nftables ruleset clawshield owns: one `inet` table (IPv4 and IPv6 alike), rendered as
// the exact text `nft -t list table` prints for it, so that comparing the kernel's listing with
// the render answers "is the loaded table ours, unchanged?".
#pragma once

#include <string>
#include <vector>

#include "host/nft_names.h"
#include "policy/policy.h"

namespace clawshield {

// The table's and the ban sets' names (k_firewall_table, k_ban_set_v4/v6): host/nft_names.h.
// Our base chains run before iptables-nft's (priority filter = 0), so Docker's accepts come
// too late to undo our drops: a drop in any base chain is final.
inline constexpr int k_chain_priority = -10;

// What the table must allow, resolved from the policy and the host (sshd's real ports).
struct FirewallSpec {
  std::vector<int> ssh_ports;
  std::vector<int> public_tcp;
  std::vector<int> public_udp;
  std::vector<int> app_ports;
  std::vector<std::string> trusted_interfaces;
  std::vector<std::string> container_interfaces;
};

FirewallSpec make_firewall_spec(const FirewallPolicy& policy, std::vector<int> ssh_ports,
                                std::vector<int> app_ports);
std::string render_ruleset(const FirewallSpec& spec);
// One transaction that replaces our table (or creates it) atomically with `ruleset`.
std::string replace_table_transaction(const std::string& ruleset);
// One transaction that removes our table if it exists.
std::string delete_table_transaction();
// TCP ports the ruleset accepts from any interface.
std::vector<int> public_tcp_ports(const FirewallSpec& spec);

}  // namespace clawshield
