// /proc/net's socket tables parsed once. The firewall and gateway checks (listeners) and the
// SSH session finder (an established connection by inode) each had their own parser, one with
// from_chars and one with strtoul, differing on what they accepted; this one checks every
// field's width and hex digits, and the callers pick the rows they need.
#include "host/proc_net.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

#include "core/text.h"

namespace clawshield {
namespace {

template <typename Number>
bool parse_number(std::string_view text, Number& value, int base) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

// "0100007F:0016" (IPv4) or 32 hex digits ":PORT" (IPv6).
std::optional<SocketAddress> parse_endpoint(std::string_view text, IpVersion version) {
  const size_t digits = version == IpVersion::v4 ? 8 : 32;
  size_t colon = text.find(':');
  if (colon != digits)
    return std::nullopt;
  SocketAddress address;
  address.version = version;
  for (size_t word = 0; word < digits / 8; ++word) {
    uint32_t raw = 0;
    if (!parse_number(text.substr(word * 8, 8), raw, 16))
      return std::nullopt;
    std::memcpy(address.bytes.data() + word * 4, &raw, 4);  // the raw word's byte order
  }
  unsigned port = 0;
  if (!parse_number(text.substr(colon + 1), port, 16) || port > 65535)
    return std::nullopt;
  address.port = static_cast<int>(port);
  return address;
}

bool v4_mapped(const SocketAddress& address) {
  static const uint8_t k_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return address.version == IpVersion::v6 &&
         std::memcmp(address.bytes.data(), k_prefix, sizeof k_prefix) == 0;
}

}  // namespace

std::string SocketAddress::text() const {
  char out[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(version == IpVersion::v4 ? AF_INET : AF_INET6, bytes.data(), out, sizeof out);
  return out;
}

std::string SocketAddress::unmapped_text() const {
  if (!v4_mapped(*this))
    return text();
  char out[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, bytes.data() + 12, out, sizeof out);
  return out;
}

bool SocketAddress::loopback() const {
  if (version == IpVersion::v4)
    return bytes[0] == 127;
  if (v4_mapped(*this))
    return bytes[12] == 127;
  static const uint8_t k_loopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  return std::memcmp(bytes.data(), k_loopback, sizeof k_loopback) == 0;
}

std::vector<ProcNetSocket> parse_proc_net_table(std::string_view text, IpVersion version) {
  std::vector<ProcNetSocket> sockets;
  for (const auto& line : split_lines(text)) {
    // sl local remote st tx:rx tr:when retrnsmt uid timeout inode ...
    auto fields = split_words(line);
    if (fields.size() < 4)
      continue;
    auto local = parse_endpoint(fields[1], version);
    auto remote = parse_endpoint(fields[2], version);
    unsigned state = 0;
    if (!local || !remote || fields[3].size() != 2 || !parse_number(fields[3], state, 16))
      continue;  // the header line ends here too
    ProcNetSocket socket{*local, *remote, static_cast<int>(state), std::nullopt, std::nullopt};
    uint32_t uid = 0;
    uint64_t inode = 0;
    if (fields.size() > 7 && parse_number(fields[7], uid, 10))
      socket.uid = uid;
    if (fields.size() > 9 && parse_number(fields[9], inode, 10))
      socket.inode = inode;
    sockets.push_back(socket);
  }
  return sockets;
}

}  // namespace clawshield
