// The kernel's netfilter tables, through libnftables. One call is one transaction: if any
// command in it fails, none is applied. Tests substitute a fake or run in a namespace.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace clawshield {

enum class NftOutput {
  plain,  // as `nft list` prints
  terse,  // without set elements (`nft -t`)
  json,   // `nft -j`
};

class Nftables {
 public:
  virtual ~Nftables() = default;
  // Runs `commands` (nft syntax, several lines) as one transaction; returns what nft printed.
  // ErrorCode::not_found when a listed object does not exist.
  virtual Result<std::string> run(std::string_view commands, NftOutput output) = 0;
};

// libnftables in this process's network namespace.
class LibNftables final : public Nftables {
 public:
  Result<std::string> run(std::string_view commands, NftOutput output) override;
};

// The elements of set `inet <table> <set>` as nft input ("1.2.3.4 timeout 3599s, 10.0.0.0/8"),
// each with its remaining time; "" when the set is empty or does not exist.
Result<std::string> set_elements(Nftables& nft, std::string_view table, std::string_view set);

// `list table inet NAME`, or nullopt when there is no such table.
Result<std::optional<std::string>> list_table(Nftables& nft, std::string_view name,
                                              NftOutput output);

}  // namespace clawshield
