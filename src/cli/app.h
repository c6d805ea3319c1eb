// The command line: parses arguments and runs one command against a host.
#pragma once

#include <ostream>

#include "host/clock.h"
#include "host/nftables.h"
#include "host/runner.h"

namespace clawshield {

// Exit codes, the same for every command.
enum ExitCode : int {
  k_exit_ok = 0,
  k_exit_pending = 1,      // plan: changes pending; verify: a check failed
  k_exit_bad_input = 2,    // bad policy, arguments or refusal: nothing was changed
  k_exit_rolled_back = 3,  // apply failed and was rolled back
};

// Runs `clawshield ARGS...`. Programs run through `runner`, the kernel's firewall through
// `nft`, time comes from `clock`; output goes to `out` and diagnostics to `err`. Returns the
// exit code.
int run_cli(int argc, const char* const* argv, CommandRunner& runner, Nftables& nft,
            const Clock& clock, std::ostream& out, std::ostream& err);

}  // namespace clawshield
