// Enforces bans in the kernel: elements of clawshield's ban sets (inet clawshield ban_v4 /
// ban_v6) with kernel timeouts, so a ban expires by itself and outlives the guard. Many bans
// go in one transaction; one process never runs per ban.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "guard/address.h"
#include "host/nftables.h"

namespace clawshield::guard {

struct Ban {
  Address source;
  int64_t seconds = 0;  // remaining (listing) or requested (ban)
};

class Banner {
 public:
  explicit Banner(Nftables& nft) : m_nft(nft) {}

  // Adds (or refreshes) all `bans` in one transaction.
  Result<void> ban(const std::vector<Ban>& bans);
  // Removes the ban on exactly `source` (an address or a banned prefix); not_found when there
  // is none.
  Result<void> unban(const Address& source);
  // Every ban in the kernel with its remaining time.
  Result<std::vector<Ban>> list();
  // Whether the ban sets exist.
  Result<bool> ready();

 private:
  Nftables& m_nft;
};

}  // namespace clawshield::guard
