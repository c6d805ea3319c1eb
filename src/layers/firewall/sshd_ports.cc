// Finds sshd's ports. `sshd -T` is authoritative but needs the live system (and host keys);
// the config parser follows sshd_config(5) far enough for ports: keywords are
// case-insensitive, `Port` may repeat, `ListenAddress host:port` adds a port, `Include` takes
// globs relative to /etc/ssh, and a `Match` block cannot set either.
#include "layers/firewall/sshd_ports.h"

#include <fnmatch.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "core/text.h"

namespace clawshield {
namespace {

std::string lower(std::string text) {
  std::ranges::transform(text, text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

std::optional<int> parse_port(std::string_view text) {
  int port = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (ec != std::errc() || ptr != text.data() + text.size() || port < 1 || port > 65535)
    return std::nullopt;
  return port;
}

Result<void> read_config(const Filesystem& fs, const std::string& path, std::vector<int>& ports,
                         int depth) {
  if (depth > 8)
    return fail(ErrorCode::bad_input, fs.host_path(path) + ": Include nested too deep");
  CS_TRY(std::string text, fs.read(path));
  int line_number = 0;
  for (const auto& raw : split_lines(text)) {
    ++line_number;
    auto words = split_words(std::string(trim(raw)));
    if (words.empty() || words.front().starts_with("#"))
      continue;
    // "Port=22" is accepted by sshd too.
    if (size_t eq = words.front().find('='); eq != std::string::npos) {
      std::string value = words.front().substr(eq + 1);
      words.front().resize(eq);
      if (!value.empty())
        words.insert(words.begin() + 1, value);
    }
    const std::string keyword = lower(words.front());
    const std::string where = fs.host_path(path) + ":" + std::to_string(line_number);
    if (keyword == "match")
      break;
    if (keyword == "port" && words.size() >= 2) {
      auto port = parse_port(words[1]);
      if (!port)
        return fail(ErrorCode::bad_input, where + ": bad Port \"" + words[1] + "\"");
      ports.push_back(*port);
    } else if (keyword == "listenaddress" && words.size() >= 2) {
      // host:port, [v6]:port; a bare address uses the Port lines.
      const std::string& value = words[1];
      size_t colon = value.rfind(':');
      bool bracketed = value.starts_with("[");
      if (colon != std::string::npos && (bracketed ? value[colon - 1] == ']' : value.find(':') == colon)) {
        auto port = parse_port(std::string_view(value).substr(colon + 1));
        if (!port)
          return fail(ErrorCode::bad_input, where + ": bad ListenAddress \"" + value + "\"");
        ports.push_back(*port);
      }
    } else if (keyword == "include") {
      for (size_t i = 1; i < words.size(); ++i) {
        std::string pattern = words[i].starts_with("/") ? words[i] : "/etc/ssh/" + words[i];
        std::string dir = parent_path(pattern);
        auto names = fs.list(dir);
        if (!names) {
          if (names.error().code == ErrorCode::not_found)
            continue;  // sshd ignores an Include that matches nothing
          return std::unexpected(names.error());
        }
        for (const auto& name : *names) {
          std::string candidate = dir + "/" + name;
          if (::fnmatch(pattern.c_str(), candidate.c_str(), FNM_PATHNAME) == 0)
            CS_TRY_VOID(read_config(fs, candidate, ports, depth + 1));
        }
      }
    }
  }
  return {};
}

}  // namespace

Result<SshdPorts> sshd_ports(Host& host) {
  if (host.fs.is_system_root()) {
    auto result = host.runner.run(Command({"sshd", "-T"}));
    if (result && result->ok()) {
      SshdPorts found{{}, "sshd -T"};
      for (const auto& line : split_lines(result->out)) {
        auto words = split_words(line);
        if (words.size() == 2 && words[0] == "port")
          if (auto port = parse_port(words[1]))
            found.ports.push_back(*port);
      }
      if (!found.ports.empty())
        return found;
    }
  }
  std::vector<int> ports;
  auto read = read_config(host.fs, "/etc/ssh/sshd_config", ports, 0);
  if (!read) {
    if (read.error().code == ErrorCode::not_found)
      return SshdPorts{{22}, "default (no /etc/ssh/sshd_config)"};
    return std::unexpected(read.error());
  }
  if (ports.empty())
    return SshdPorts{{22}, "default (sshd_config sets no Port)"};
  std::ranges::sort(ports);
  ports.erase(std::unique(ports.begin(), ports.end()), ports.end());
  return SshdPorts{ports, "/etc/ssh/sshd_config"};
}

}  // namespace clawshield
