// Reading /proc/net's socket tables, shared by the firewall's "every non-loopback listener is
// allowed" check and the OpenClaw gateway's "listens on loopback only" check, so both read the
// kernel the same way. The rows come from host/proc_net (one parser for /proc/net); here they
// are narrowed to what listens.
#include "host/listeners.h"

#include <tuple>

#include "core/text.h"
#include "host/host.h"

namespace clawshield {

std::vector<Listener> parse_proc_net(const std::string& text, const std::string& protocol,
                                     IpVersion version) {
  const int listening = protocol == "tcp" ? k_tcp_listen : k_udp_unconnected;
  std::vector<Listener> listeners;
  for (const auto& socket : parse_proc_net_table(text, version))
    if (socket.state == listening)
      listeners.push_back(
          {protocol, socket.local.text(), socket.local.port, socket.local.loopback()});
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
