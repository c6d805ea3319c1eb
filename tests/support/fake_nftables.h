// An Nftables that holds no tables and records what it was asked, for tests that must not
// touch any kernel.
#pragma once

#include <string>
#include <vector>

#include "host/nftables.h"

namespace clawshield::testing {

class EmptyNftables final : public Nftables {
 public:
  Result<std::string> run(std::string_view commands, NftOutput) override {
    calls.emplace_back(commands);
    if (commands.starts_with("list "))
      return fail(ErrorCode::not_found, "nftables: No such file or directory");
    return std::string();
  }
  std::vector<std::string> calls;
};

}  // namespace clawshield::testing
