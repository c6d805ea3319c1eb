// What the firewall's and the guard's verify judge in the kernel's netfilter state: which
// ports a chain opens to any interface, whether the forward chain drops DNAT'd connections,
// which other chains run first, which other firewalls are loaded. Pure functions of the typed
// state (host/nft_state.h), so they are tested on captured JSON without root.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "host/nft_state.h"

namespace clawshield {

// "22/tcp", "41641/udp", "1000-2000/tcp": the ports `input`'s accepting rules open to every
// interface and source (rules matching on iifname or any saddr are not counted; a UDP rule
// that also matches a source port is a reply rule, not an open port).
std::set<std::string> open_ports(const NftState& state, const NftChain& input);

// True when one of `forward`'s rules is exactly `ct status dnat drop`.
bool drops_dnat(const NftState& state, const NftChain& forward);

// "ip filter FORWARD (priority 0)" for every forward chain outside `ours` ("inet clawshield")
// whose priority runs it before or with `priority`.
std::vector<std::string> forward_chains_before(const NftState& headers, std::string_view ours,
                                               int priority);

// The loaded firewalls beside `ours`: firewalld's tables, other tables' input chains that
// drop by default, ufw's chains.
std::vector<std::string> competing_tables(const NftState& headers, std::string_view ours);

// True when `chain` drops the members of set `@set` matched on `protocol` saddr (ip, ip6).
bool drops_set_members(const NftState& state, const NftChain& chain, std::string_view protocol,
                       std::string_view set);

}  // namespace clawshield
