// Judging the kernel's firewall from typed nftables state. The questions are the ones verify
// used to ask of nft's text listing (does a rule mention "iifname", does it start with "ct
// status dnat drop"); asked of statements and matches they cannot be fooled by a comment or
// by how nft chose to print a priority.
#include "layers/firewall/kernel_rules.h"

#include <algorithm>

namespace clawshield {
namespace {

// The values a `PROTOCOL dport == ...` match accepts, as "22/tcp" or "1000-2000/tcp".
void add_ports(const NftMatch& match, std::string_view protocol, std::set<std::string>& out) {
  if (match.left.kind != NftSelectorKind::payload || match.left.protocol != protocol ||
      match.left.key != "dport" || match.op != "==")
    return;
  for (const auto& value : match.right)
    if (value.kind == NftValueKind::number || value.kind == NftValueKind::range)
      out.insert(value.display() + "/" + std::string(protocol));
}

bool matches_any_saddr(const NftRule& rule) {
  return std::ranges::any_of(rule.statements, [](const NftStatement& statement) {
    const auto* match = std::get_if<NftMatch>(&statement);
    return match && match->left.kind == NftSelectorKind::payload && match->left.key == "saddr";
  });
}

bool is_match(const NftStatement& statement, NftSelectorKind kind, std::string_view protocol,
              std::string_view key, std::string_view value) {
  const auto* match = std::get_if<NftMatch>(&statement);
  return match && match->left.kind == kind && match->left.protocol == protocol &&
         match->left.key == key && (match->op == "==" || match->op == "in") &&
         match->right.size() == 1 && match->right[0].kind == NftValueKind::text &&
         match->right[0].text == value;
}

bool is_verdict(const NftStatement& statement, NftVerdictKind kind) {
  const auto* verdict = std::get_if<NftVerdict>(&statement);
  return verdict && verdict->kind == kind;
}

}  // namespace

std::set<std::string> open_ports(const NftState& state, const NftChain& input) {
  std::set<std::string> open;
  for (const NftRule* rule : state.rules_of(input)) {
    auto verdict = rule->verdict();
    if (!verdict || verdict->kind != NftVerdictKind::accept)
      continue;
    if (rule->matches_on(NftSelectorKind::meta, "", "iifname") || matches_any_saddr(*rule))
      continue;
    const bool reply = rule->matches_on(NftSelectorKind::payload, "udp", "sport");
    for (const auto& statement : rule->statements) {
      const auto* match = std::get_if<NftMatch>(&statement);
      if (!match)
        continue;
      add_ports(*match, "tcp", open);
      if (!reply)
        add_ports(*match, "udp", open);
    }
  }
  return open;
}

bool drops_dnat(const NftState& state, const NftChain& forward) {
  return std::ranges::any_of(state.rules_of(forward), [](const NftRule* rule) {
    return rule->statements.size() == 2 &&
           is_match(rule->statements[0], NftSelectorKind::ct, "", "status", "dnat") &&
           is_verdict(rule->statements[1], NftVerdictKind::drop);
  });
}

std::vector<std::string> forward_chains_before(const NftState& headers, std::string_view ours,
                                               int priority) {
  std::vector<std::string> behind;
  for (const auto& chain : headers.chains)
    if (chain.qualified_table() != ours && chain.hook == "forward" && chain.priority <= priority)
      behind.push_back(chain.qualified_table() + " " + chain.name + " (priority " +
                       std::to_string(chain.priority) + ")");
  return behind;
}

std::vector<std::string> competing_tables(const NftState& headers, std::string_view ours) {
  std::vector<std::string> others;
  for (const auto& table : headers.tables)
    if (table.name.find("firewalld") != std::string::npos)
      others.push_back("firewalld's table is loaded");
  bool ufw_chains = false;
  for (const auto& chain : headers.chains) {
    ufw_chains |= chain.name.starts_with("ufw-");
    if (chain.qualified_table() != ours && chain.hook == "input" && chain.policy == "drop")
      others.push_back(chain.qualified_table() + " chain " + chain.name +
                       " drops by default (may block SSH or Tailscale)");
  }
  if (ufw_chains)
    others.push_back("ufw's chains are loaded");
  return others;
}

bool drops_set_members(const NftState& state, const NftChain& chain, std::string_view protocol,
                       std::string_view set) {
  const std::string reference = "@" + std::string(set);
  return std::ranges::any_of(state.rules_of(chain), [&](const NftRule* rule) {
    auto verdict = rule->verdict();
    return verdict && verdict->kind == NftVerdictKind::drop &&
           std::ranges::any_of(rule->statements, [&](const NftStatement& statement) {
             return is_match(statement, NftSelectorKind::payload, protocol, "saddr", reference);
           });
  });
}

}  // namespace clawshield
