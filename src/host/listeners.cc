// Reading /proc/net's socket tables, shared by the firewall's "every non-loopback listener is
// allowed" check and the OpenClaw gateway's "listens on loopback only" check, so both read the
// kernel the same way. The fields are hex; parsed with from_chars, so a short or odd line is
// skipped instead of throwing.
#include "host/listeners.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>
#include <tuple>

#include "core/text.h"
#include "host/host.h"

namespace clawshield {
namespace {

template <typename Number>
bool parse_hex(std::string_view text, Number& value) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

}  // namespace

std::vector<Listener> parse_proc_net(const std::string& text, const std::string& protocol,
                                     IpVersion version) {
  std::vector<Listener> listeners;
  bool first = true;
  for (const auto& line : split_lines(text)) {
    if (first) {
      first = false;
      continue;
    }
    auto fields = split_words(line);
    if (fields.size() < 4)
      continue;
    const std::string& state = fields[3];
    if ((protocol == "tcp" && state != "0A") || (protocol == "udp" && state != "07"))
      continue;
    const std::string& local = fields[1];
    size_t colon = local.find(':');
    if (colon == std::string::npos)
      continue;
    unsigned port = 0;
    if (!parse_hex(std::string_view(local).substr(colon + 1), port) || port > 65535)
      continue;
    std::string_view hex = std::string_view(local).substr(0, colon);
    char text_address[INET6_ADDRSTRLEN] = {};
    bool loopback = false;
    if (version == IpVersion::v4 && hex.size() == 8) {
      uint32_t raw = 0;
      if (!parse_hex(hex, raw))
        continue;
      in_addr address{raw};  // /proc prints the address in host byte order of the raw word
      ::inet_ntop(AF_INET, &address, text_address, sizeof text_address);
      loopback = (ntohl(raw) >> 24) == 127;
    } else if (version == IpVersion::v6 && hex.size() == 32) {
      in6_addr address{};
      bool ok = true;
      for (size_t word = 0; word < 4 && ok; ++word) {
        uint32_t raw = 0;
        ok = parse_hex(hex.substr(word * 8, 8), raw);
        std::memcpy(&address.s6_addr[word * 4], &raw, 4);
      }
      if (!ok)
        continue;
      ::inet_ntop(AF_INET6, &address, text_address, sizeof text_address);
      loopback = IN6_IS_ADDR_LOOPBACK(&address);
      if (IN6_IS_ADDR_V4MAPPED(&address))
        loopback = address.s6_addr[12] == 127;
    } else {
      continue;
    }
    listeners.push_back({protocol, text_address, static_cast<int>(port), loopback});
  }
  return listeners;
}

std::vector<Listener> read_listeners(std::vector<std::string>& unreadable) {
  std::vector<Listener> listeners;
  for (const auto& [file, protocol, version] :
       std::vector<std::tuple<std::string, std::string, IpVersion>>{
           {"/proc/self/net/tcp", "tcp", IpVersion::v4},
           {"/proc/self/net/tcp6", "tcp", IpVersion::v6},
           {"/proc/self/net/udp", "udp", IpVersion::v4},
           {"/proc/self/net/udp6", "udp", IpVersion::v6}}) {
    auto text = read_kernel_file(file);
    if (!text) {
      unreadable.push_back(file);
      continue;
    }
    auto found = parse_proc_net(*text, protocol, version);
    listeners.insert(listeners.end(), found.begin(), found.end());
  }
  return listeners;
}

}  // namespace clawshield
