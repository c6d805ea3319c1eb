// Renders the firewall. Input: default drop; established/related in, invalid out; loopback;
// the ICMP and ICMPv6 types IP needs (neighbour discovery only with hop limit 255, i.e. from
// the link itself; packet-too-big so path MTU discovery works); DHCP replies; SSH on sshd's
// real ports and the public ports; app ports only from trusted interfaces. Forward ("routed:
// deny"): established flows, trusted interfaces, containers reaching out; a new connection
// that Docker DNAT'd for a published port and that came in on any other interface is dropped
// — matched on conntrack's DNAT status, so it holds whatever the bridge is called and whatever
// Docker does to its own iptables chains. Ban sets (filled by the guard) are checked on both.
#include "layers/firewall/ruleset.h"

#include <algorithm>
#include <set>

#include "core/text.h"

namespace clawshield {
namespace {

std::vector<int> sorted_unique(std::vector<int> values) {
  std::ranges::sort(values);
  values.erase(std::unique(values.begin(), values.end()), values.end());
  return values;
}

// `22` or `{ 22, 2222 }`, as nft prints a value or an anonymous set.
std::string port_match(const std::vector<int>& ports) {
  auto sorted = sorted_unique(ports);
  if (sorted.size() == 1)
    return std::to_string(sorted.front());
  std::vector<std::string> items;
  for (int port : sorted) items.push_back(std::to_string(port));
  return "{ " + join(items, ", ") + " }";
}

std::string interface_match(std::vector<std::string> names) {
  std::ranges::sort(names);
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::vector<std::string> quoted;
  for (const auto& name : names) quoted.push_back("\"" + name + "\"");
  if (quoted.size() == 1)
    return quoted.front();
  return "{ " + join(quoted, ", ") + " }";
}

// Interval (for prefix bans) with per-element timeouts, and no auto-merge: merged neighbours
// would become one range that can no longer be unbanned address by address, with one
// timeout for all. The guard never adds an address a prefix ban already covers.
std::string ban_set(const char* name, const char* type) {
  return std::string("\tset ") + name + " {\n\t\ttype " + type +
         "\n\t\tflags interval,timeout\n\t}\n";
}

std::string chain_header(const char* name, const char* hook, const char* policy) {
  return std::string("\tchain ") + name + " {\n\t\ttype filter hook " + hook +
         " priority filter - " + std::to_string(-k_chain_priority) + "; policy " + policy + ";\n";
}

}  // namespace

FirewallSpec make_firewall_spec(const FirewallPolicy& policy, std::vector<int> ssh_ports,
                                std::vector<int> app_ports) {
  FirewallSpec spec;
  spec.ssh_ports = sorted_unique(std::move(ssh_ports));
  spec.public_tcp = sorted_unique(policy.public_tcp);
  spec.public_udp = sorted_unique(policy.public_udp);
  spec.app_ports = sorted_unique(std::move(app_ports));
  spec.trusted_interfaces = policy.trusted_interfaces;
  spec.container_interfaces = policy.container_interfaces;
  return spec;
}

std::vector<int> public_tcp_ports(const FirewallSpec& spec) {
  std::vector<int> ports = spec.ssh_ports;
  ports.insert(ports.end(), spec.public_tcp.begin(), spec.public_tcp.end());
  return sorted_unique(ports);
}

std::string render_ruleset(const FirewallSpec& spec) {
  std::string out = std::string("table inet ") + k_firewall_table + " {\n";
  out += ban_set(k_ban_set_v4, "ipv4_addr") + "\n";
  out += ban_set(k_ban_set_v6, "ipv6_addr") + "\n";

  out += chain_header("input", "input", "drop");
  out +=
      "\t\tct state established,related accept\n"
      "\t\tct state invalid drop\n"
      "\t\tiifname \"lo\" accept\n";
  out += std::string("\t\tip saddr @") + k_ban_set_v4 + " drop\n";
  out += std::string("\t\tip6 saddr @") + k_ban_set_v6 + " drop\n";
  out +=
      "\t\ticmp type { destination-unreachable, time-exceeded, parameter-problem } accept\n"
      "\t\ticmp type echo-request limit rate 10/second accept\n"
      "\t\ticmpv6 type { destination-unreachable, packet-too-big, time-exceeded, "
      "parameter-problem } accept\n"
      "\t\ticmpv6 type { nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } "
      "ip6 hoplimit 255 accept\n"
      "\t\ticmpv6 type echo-request limit rate 10/second accept\n"
      "\t\tudp sport 67 udp dport 68 accept\n"
      "\t\tip6 saddr fe80::/10 udp sport 547 udp dport 546 accept\n";
  if (!spec.ssh_ports.empty())
    out += "\t\ttcp dport " + port_match(spec.ssh_ports) + " accept comment \"ssh\"\n";
  if (!spec.public_tcp.empty())
    out += "\t\ttcp dport " + port_match(spec.public_tcp) + " accept comment \"public\"\n";
  if (!spec.public_udp.empty())
    out += "\t\tudp dport " + port_match(spec.public_udp) + " accept comment \"public udp\"\n";
  if (!spec.app_ports.empty() && !spec.trusted_interfaces.empty())
    out += "\t\tiifname " + interface_match(spec.trusted_interfaces) + " tcp dport " +
           port_match(spec.app_ports) + " accept comment \"app, trusted interfaces only\"\n";
  out += "\t}\n\n";

  out += chain_header("forward", "forward", "drop");
  out +=
      "\t\tct state established,related accept\n"
      "\t\tct state invalid drop\n";
  out += std::string("\t\tip saddr @") + k_ban_set_v4 + " drop\n";
  out += std::string("\t\tip6 saddr @") + k_ban_set_v6 + " drop\n";
  if (!spec.trusted_interfaces.empty())
    out += "\t\tiifname " + interface_match(spec.trusted_interfaces) +
           " accept comment \"trusted interfaces\"\n";
  if (!spec.container_interfaces.empty())
    out += "\t\tiifname " + interface_match(spec.container_interfaces) +
           " accept comment \"containers reach out\"\n";
  out += "\t\tct status dnat drop comment \"published container ports, untrusted interfaces\"\n";
  out += "\t}\n\n";

  out += chain_header("output", "output", "accept");
  out += "\t}\n}\n";
  return out;
}

std::string replace_table_transaction(const std::string& ruleset) {
  // nftables 1.0.6 has no `destroy`: create (a no-op if it exists), delete, define anew — all
  // in one transaction, so the kernel never runs without the table.
  return std::string("table inet ") + k_firewall_table + " {}\ndelete table inet " +
         k_firewall_table + "\n" + ruleset;
}

std::string delete_table_transaction() {
  return std::string("table inet ") + k_firewall_table + " {}\ndelete table inet " +
         k_firewall_table + "\n";
}

}  // namespace clawshield
