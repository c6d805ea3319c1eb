// The kernel's netfilter state as typed values, decoded from libnftables' JSON
// (`nft -j list ...`, libnftables-json(5)): tables, chains with their hook, priority and
// policy, rules as a list of statements, sets with their elements. Layers judge these values
// instead of searching nft's text listing for substrings.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/error.h"
#include "host/nftables.h"

namespace clawshield {

struct NftTable {
  std::string family;  // ip, ip6, inet, arp, bridge, netdev
  std::string name;
};

// A chain; `hook` is "" for a regular chain (one only reached by jump/goto).
struct NftChain {
  std::string family;
  std::string table;
  std::string name;
  std::string type;  // filter, nat, route; "" for a regular chain
  std::string hook;  // input, forward, ...; "" for a regular chain
  int priority = 0;
  std::string policy;  // accept, drop; "" for a regular chain
  // "inet clawshield": the table as `nft list` names it.
  std::string qualified_table() const { return family + " " + table; }
};

// One value of a match's right-hand side or of a set element.
enum class NftValueKind {
  text,    // "lo", "@ban_v4", "established", "1.2.3.4"
  number,  // 22
  prefix,  // 10.0.0.0/8: `text` the address, `low` the length
  range,   // 1000-2000 or 1.2.3.4-1.2.3.9: `text` "low-high", `low`/`high` when numeric
  other,   // any other expression (a concatenation, a map lookup...)
};

struct NftValue {
  NftValueKind kind = NftValueKind::other;
  std::string text;
  int64_t low = 0;
  int64_t high = 0;
  // As nft prints it: "lo", "22", "10.0.0.0/8", "1000-2000"; "" for `other`.
  std::string display() const;
};

// What a match compares: a packet header field, packet metadata or conntrack state.
enum class NftSelectorKind { payload, meta, ct, other };

struct NftSelector {
  NftSelectorKind kind = NftSelectorKind::other;
  std::string protocol;  // payload: tcp, udp, ip, ip6...; other: the expression's name
  std::string key;       // payload: the field (dport, saddr); meta/ct: the key (iifname, state)
};

// `tcp dport { 22, 2222 }`: selector payload tcp dport, op "==", values 22 and 2222.
struct NftMatch {
  std::string op;  // ==, !=, in, <, >, ...
  NftSelector left;
  std::vector<NftValue> right;  // one value, or the members of an anonymous set
};

enum class NftVerdictKind { accept, drop, reject, jump, go_to, continue_on, return_to_caller };

struct NftVerdict {
  NftVerdictKind kind = NftVerdictKind::accept;
  std::string target;  // jump/goto: the chain
};

// Any statement this adapter does not model (counter, limit, log, nat, xt...), by its name.
struct NftOtherStatement {
  std::string name;
};

using NftStatement = std::variant<NftMatch, NftVerdict, NftOtherStatement>;

struct NftRule {
  std::string family;
  std::string table;
  std::string chain;
  std::string comment;  // "" when none
  std::vector<NftStatement> statements;
  // The rule's verdict: its last statement when that is one.
  std::optional<NftVerdict> verdict() const;
  // True when some match compares `kind` `protocol` `key` (payload tcp dport; meta "" iifname).
  bool matches_on(NftSelectorKind kind, std::string_view protocol, std::string_view key) const;
};

struct NftSetElement {
  NftValue value;
  std::optional<int64_t> timeout;  // seconds
  std::optional<int64_t> expires;  // seconds left
};

struct NftSet {
  std::string family;
  std::string table;
  std::string name;
  std::string type;  // ipv4_addr; a concatenation as "ipv4_addr . inet_service"
  std::vector<std::string> flags;
  std::vector<NftSetElement> elements;  // empty in a terse listing
};

// What one or more listings held, in the order nft printed it.
struct NftState {
  std::vector<NftTable> tables;
  std::vector<NftChain> chains;
  std::vector<NftRule> rules;
  std::vector<NftSet> sets;

  const NftChain* find_chain(std::string_view family, std::string_view table,
                             std::string_view name) const;
  const NftSet* find_set(std::string_view family, std::string_view table,
                         std::string_view name) const;
  // The rules of one chain, in order.
  std::vector<const NftRule*> rules_of(const NftChain& chain) const;
};

// Decodes one `nft -j` document (`source` names it in messages). ErrorCode::bad_input, naming
// the JSON path ("source: nftables[3].chain.prio: not an integer"), for text that is not
// JSON, objects without their required keys and values of the wrong type. Objects this adapter
// does not model (metainfo, maps, flowtables...) and statements it does not know are kept out
// or kept by name, never an error: they are nft's, not user input.
Result<NftState> parse_nft_json(std::string_view text, std::string_view source);

// `list table inet NAME` as JSON without set elements; nullopt when there is no such table.
Result<std::optional<NftState>> read_nft_table(Nftables& nft, std::string_view name);

// Every table and every chain's header, with hooks, priorities and policies but no rules: all
// that verify needs of the tables that are not ours. Not `list ruleset`: printing the rules of
// iptables-nft tables goes through libxtables for the xtables targets they keep (Docker's
// ip6tables DNAT), and in one process that lookup fails after another family's ("XT target
// DNAT not found"), which libnftables writes straight to stderr, past its error buffer.
// `list tables` and `list chains` print no rule, so nothing reaches stderr.
Result<NftState> read_nft_chain_headers(Nftables& nft);

}  // namespace clawshield
