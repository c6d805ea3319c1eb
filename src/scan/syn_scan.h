// A raw SYN scan (needs CAP_NET_RAW): hand-made SYNs from one raw socket, answers read from
// raw TCP and ICMP sockets. No socket per port and no handshake, and it tells what a connect
// scan cannot: an ICMP port-unreachable answer (filtered, as nmap says) from a RST (closed).
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "scan/tcp_scan.h"

namespace clawshield::scan {

// Which raw socket a packet came from: the TCP one (a SYN-ACK or RST) or the ICMP one.
enum class RawSocket { tcp, icmp };

// What identifies our probes: the source port they leave from and the secret their sequence
// numbers are derived from.
struct ProbeIdentity {
  uint16_t source_port = 0;
  uint32_t secret = 0;
};

// The sequence number of the SYN sent to `port`.
uint32_t probe_sequence(const ProbeIdentity& identity, int port);

// A verdict read from one received packet.
struct ProbeAnswer {
  int port;
  PortState state;
  const char* reason;  // "syn-ack", "reset", "port-unreachable", ...
};

// Parses one packet as a raw socket of `family` (AF_INET: with its IPv4 header; AF_INET6:
// bare) delivers it, and returns the answer it carries to one of `identity`'s probes, or
// nullopt when it answers nothing of ours. Any bytes at all are safe to pass (the packet is
// the network's, not ours).
std::optional<ProbeAnswer> parse_probe_answer(std::span<const uint8_t> packet, int family,
                                              RawSocket socket, const ProbeIdentity& identity);

// ErrorCode::permission when raw sockets are not allowed here (no CAP_NET_RAW): the caller
// falls back to the connect scan.
Result<ScanResult> tcp_syn_scan(const Target& target, const ScanOptions& options);

}  // namespace clawshield::scan
