// Entry point: the real process runner and clock, and the last line of defence against an
// exception escaping (exceptions are only expected from libraries at their boundaries).
#include <sys/resource.h>

#include <exception>
#include <iostream>

#include "cli/app.h"

int main(int argc, char** argv) {
  // Walking or removing a directory tree keeps one descriptor open per level; a tree the app
  // user nested a thousand levels deep must not run us out of the default 1024.
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &files);
  }
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
