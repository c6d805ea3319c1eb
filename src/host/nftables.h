// The kernel's netfilter tables, through libnftables. One call is one transaction: if any
// command in it fails, none is applied. Tests substitute a fake or run in a namespace.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

struct nft_ctx;  // libnftables

namespace clawshield {

enum class NftOutput {
  plain,       // as `nft list` prints
  terse,       // without set elements (`nft -t`)
  json,        // `nft -j`
  json_terse,  // `nft -j -t`: JSON without set elements
};

class Nftables {
 public:
  virtual ~Nftables() = default;
  // Runs `commands` (nft syntax, several lines) as one transaction; returns what nft printed.
  // ErrorCode::not_found when a listed object does not exist.
  virtual Result<std::string> run(std::string_view commands, NftOutput output) = 0;
};

// libnftables in this process's network namespace. One context is kept for the object's
// life, created at the first call (so after any --netns switch): a fresh context per call
// costs 8-30 ms, a kept one ~0.1 ms per ban — the guard's reaction time.
class LibNftables final : public Nftables {
 public:
  LibNftables() = default;
  LibNftables(const LibNftables&) = delete;
  LibNftables& operator=(const LibNftables&) = delete;
  ~LibNftables() override;
  Result<std::string> run(std::string_view commands, NftOutput output) override;

 private:
  ::nft_ctx* m_ctx = nullptr;
};

// The elements of set `inet <table> <set>` as nft input ("1.2.3.4 timeout 3599s, 10.0.0.0/8"),
// each with its remaining time; "" when the set is empty or does not exist.
Result<std::string> set_elements(Nftables& nft, std::string_view table, std::string_view set);

// `list table inet NAME`, or nullopt when there is no such table.
Result<std::optional<std::string>> list_table(Nftables& nft, std::string_view name,
                                              NftOutput output);

}  // namespace clawshield
