// Finds sshd's ports from its effective settings (layers/ssh/sshd_config): every Port, and
// the port of each `ListenAddress host:port`. `sshd -T` prints both forms; a config file may
// use either.
#include "layers/firewall/sshd_ports.h"

#include <algorithm>

#include "core/parse.h"
#include "layers/ssh/sshd_config.h"

namespace clawshield {
namespace {

std::optional<int> parse_port(std::string_view text) {
  auto port = parse_int(text, 1, 65535);
  return port ? std::optional(*port) : std::nullopt;
}

// "host:port" or "[v6]:port" -> port; a bare address has none.
std::optional<std::string_view> listen_port(std::string_view value) {
  size_t colon = value.rfind(':');
  if (colon == std::string_view::npos || colon == 0)
    return std::nullopt;
  const bool bracketed = value.starts_with("[");
  if (bracketed ? value[colon - 1] != ']' : value.find(':') != colon)
    return std::nullopt;
  return value.substr(colon + 1);
}

}  // namespace

Result<SshdPorts> sshd_ports(const HostView& host) {
  CS_TRY(SshdSettings settings, sshd_settings(host));
  std::vector<int> ports;
  auto take = [&](const std::string& keyword, const std::string& value,
                  std::optional<std::string_view> port_text) -> Result<void> {
    if (!port_text)
      return {};
    auto port = parse_port(*port_text);
    if (!port)
      return fail(ErrorCode::bad_input,
                  settings.source + ": bad " + keyword + " \"" + value + "\"");
    ports.push_back(*port);
    return {};
  };
  if (auto found = settings.values.find("port"); found != settings.values.end())
    for (const auto& value : found->second)
      CS_TRY_VOID(take("Port", value, std::string_view(value)));
  if (auto found = settings.values.find("listenaddress"); found != settings.values.end())
    for (const auto& value : found->second)
      CS_TRY_VOID(take("ListenAddress", value, listen_port(value)));
  if (ports.empty())
    return SshdPorts{{22}, settings.source + " sets no Port: default"};
  std::ranges::sort(ports);
  ports.erase(std::unique(ports.begin(), ports.end()), ports.end());
  return SshdPorts{ports, settings.source};
}

Result<SshdPorts> ssh_ports_to_open(const HostView& host, const std::vector<int>& policy_ports) {
  if (!policy_ports.empty())
    return SshdPorts{policy_ports, "policy firewall.ssh_ports"};
  return sshd_ports(host);
}

}  // namespace clawshield
