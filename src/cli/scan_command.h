// `clawshield scan TARGET`: the server seen from outside, as the seed's `nmap -p-` sees it.
#pragma once

#include <ostream>
#include <string>

#include "cli/output.h"

namespace clawshield {

struct ScanCommand {
  std::string target;
  std::string ports = "1-65535";
  std::string expect;  // "22/tcp,41641/udp"; empty: no expectation
  int timeout_ms = 1000;
  int min_timeout_ms = 100;
  int retries = 1;
  int rate = 0;
  int parallel = 0;
  bool ipv4 = false;
  bool ipv6 = false;
  std::string method = "auto";  // auto (syn with CAP_NET_RAW, else connect), syn, connect
  bool progress = false;  // draw progress on stderr (a terminal)
};

// Exit codes: 0 scanned (and, with --expect, exactly the expected TCP ports open); 1 the open
// ports differ from --expect; 2 bad arguments or the scan could not run.
int run_scan(const ScanCommand& command, std::ostream& out, std::ostream& err, const Style& style);

}  // namespace clawshield
