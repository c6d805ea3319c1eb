// A raw SYN scan (needs CAP_NET_RAW): hand-made SYNs from one raw socket, answers read from
// raw TCP and ICMP sockets. No socket per port and no handshake, and it tells what a connect
// scan cannot: an ICMP port-unreachable answer (filtered, as nmap says) from a RST (closed).
#pragma once

#include "scan/tcp_scan.h"

namespace clawshield::scan {

// ErrorCode::permission when raw sockets are not allowed here (no CAP_NET_RAW): the caller
// falls back to the connect scan.
Result<ScanResult> tcp_syn_scan(const Target& target, const ScanOptions& options);

}  // namespace clawshield::scan
