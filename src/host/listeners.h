// The sockets the kernel says are listening, from /proc/self/net/{tcp,tcp6,udp,udp6} of the
// network namespace clawshield runs in (the host's, also under --netns). What is bound where is
// the kernel's answer to "is the gateway exposed", whatever a config file claims.
#pragma once

#include <string>
#include <vector>

#include "core/error.h"
#include "host/proc_net.h"

namespace clawshield {

struct Listener {
  std::string protocol;  // tcp, udp
  std::string address;   // as inet_ntop prints it
  int port = 0;
  bool loopback = false;  // 127.0.0.0/8, ::1, or ::ffff:127.x
};

// One /proc/net table: TCP sockets in LISTEN, UDP sockets bound unconnected. Lines that do not
// parse are skipped (the kernel's format, not user input); never throws.
std::vector<Listener> parse_proc_net(const std::string& text, const std::string& protocol,
                                     IpVersion version);

// Every listener of this network namespace; `unreadable` collects the tables that could not be
// read (then the answer is incomplete, and a caller must say unknown).
std::vector<Listener> read_listeners(std::vector<std::string>& unreadable);

}  // namespace clawshield
