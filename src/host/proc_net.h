// The kernel's socket tables, /proc/net/{tcp,tcp6,udp,udp6}, as typed rows: both endpoints
// (address bytes and port), the state, the owner's uid and the socket's inode. One parser for
// every reader: the listeners the firewall and the gateway checks judge, and the admin's SSH
// connection found by its socket inode.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace clawshield {

enum class IpVersion { v4, v6 };

// The kernel's socket states as /proc/net prints them (hex): TCP's, and UDP's two.
inline constexpr int k_tcp_established = 0x01;
inline constexpr int k_tcp_listen = 0x0A;
inline constexpr int k_udp_unconnected = 0x07;  // TCP_CLOSE: a bound, unconnected UDP socket

struct SocketAddress {
  IpVersion version = IpVersion::v4;
  std::array<uint8_t, 16> bytes{};  // network byte order; the first 4 for IPv4
  int port = 0;

  // As inet_ntop prints it: "127.0.0.1", "::1", "::ffff:10.0.0.1".
  std::string text() const;
  // The same, but an IPv4-mapped IPv6 address as IPv4 ("10.0.0.1"), as sshd names it.
  std::string unmapped_text() const;
  // 127.0.0.0/8, ::1, or ::ffff:127.x.
  bool loopback() const;
};

struct ProcNetSocket {
  SocketAddress local;
  SocketAddress remote;
  int state = 0;                  // k_tcp_listen, ...
  std::optional<uint32_t> uid;    // absent on a short line
  std::optional<uint64_t> inode;  // absent on a short line
};

// Parses one table (`version` says which: tcp/udp are v4, tcp6/udp6 v6). Each address word is
// 32 bits in this machine's byte order, as the kernel prints them. The header and lines that
// do not parse (a short line, a field that is not hex of the right width) are skipped: the
// text is the kernel's, and a caller that cannot read a table says so itself. Never throws.
std::vector<ProcNetSocket> parse_proc_net_table(std::string_view text, IpVersion version);

}  // namespace clawshield
