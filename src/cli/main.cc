// Entry point: the real process runner and clock, and the last line of defence against an
// exception escaping (exceptions are only expected from libraries at their boundaries).
#include <exception>
#include <iostream>

#include "cli/app.h"

int main(int argc, char** argv) {
  try {
    clawshield::ProcessRunner runner;
    clawshield::LibNftables nft;
    clawshield::SystemClock clock;
    return clawshield::run_cli(argc, argv, runner, nft, clock, std::cout, std::cerr);
  } catch (const std::exception& e) {
    std::cerr << "clawshield: internal error: " << e.what() << "\n";
    return clawshield::k_exit_bad_input;
  }
}
