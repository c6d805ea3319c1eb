// A TCP connect scan: every port of a target probed with a non-blocking connect(), thousands
// in flight on one epoll loop. It needs no privileges and tells the states nmap tells:
// open (handshake completed), closed (RST), filtered (no answer, or ICMP unreachable).
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "core/error.h"

namespace clawshield::scan {

enum class PortState { open, closed, filtered };
std::string_view port_state_name(PortState state);

// A target address, resolved once.
struct Target {
  std::string name;     // as given
  std::string address;  // numeric, e.g. "10.77.0.2" or "fd00:77::2"
  sockaddr_storage sockaddr{};
  socklen_t length = 0;
  int family = 0;  // AF_INET or AF_INET6
};

enum class FamilyPreference { any, ipv4, ipv6 };

// A numeric address (v4, v6, v6 with %scope) or a host name (first address of the preferred
// family).
Result<Target> resolve_target(const std::string& name, FamilyPreference preference);

struct ScanProgress {
  size_t done = 0;
  size_t total = 0;
  size_t open = 0;
};

struct ScanOptions {
  std::vector<int> ports;  // sorted, unique
  // Probes in flight at once; 0: as many as the descriptor limit allows, up to 16384.
  int parallel = 0;
  // How long a probe waits for an answer: starts at `max_timeout`, then follows the measured
  // round-trip time (srtt + 4 rttvar, as TCP does) within [min_timeout, max_timeout].
  std::chrono::milliseconds min_timeout{100};
  std::chrono::milliseconds max_timeout{1000};
  // Ports without an answer are probed again this many times (a lost SYN is not "filtered").
  int retries = 1;
  // Probes started per second at most; 0: no limit.
  int rate = 0;
  // Called about every 100 ms while scanning.
  std::function<void(const ScanProgress&)> progress;
};

struct PortResult {
  int port = 0;
  PortState state = PortState::filtered;
  std::string reason;  // "syn-ack", "reset", "no-response", "host-unreachable", ...
};

struct ScanResult {
  Target target;
  std::vector<PortResult> ports;  // in port order
  std::chrono::milliseconds elapsed{0};
  size_t probes = 0;                          // connect() calls, retries included
  int parallel = 0;                           // probes in flight at most
  std::chrono::microseconds smoothed_rtt{0};  // 0 when nothing answered
};

Result<ScanResult> tcp_connect_scan(const Target& target, const ScanOptions& options);

}  // namespace clawshield::scan
