// Port lists are user input: every item is checked and an error points at the column where it
// starts, so `--ports 22,8o` says which item is wrong instead of scanning something else.
#include "scan/port_set.h"

#include <algorithm>
#include <optional>

#include "core/parse.h"
#include "core/text.h"

namespace clawshield::scan {
namespace {

struct Item {
  std::string text;
  size_t column;  // 1-based
};

std::vector<Item> items_of(std::string_view text) {
  std::vector<Item> items;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos)
      comma = text.size();
    items.push_back({std::string(text.substr(start, comma - start)), start + 1});
    start = comma + 1;
  }
  return items;
}

std::optional<int> port_number(std::string_view text) {
  auto value = parse_int(text, 1, 65535);
  return value ? std::optional(*value) : std::nullopt;
}

std::unexpected<Error> bad_item(const Item& item, const std::string& why) {
  return fail(ErrorCode::bad_input,
              "column " + std::to_string(item.column) + ": \"" + item.text + "\": " + why);
}

}  // namespace

Result<std::vector<int>> parse_port_ranges(std::string_view text) {
  std::vector<int> ports;
  for (const auto& item : items_of(text)) {
    std::string_view body = trim(item.text);
    size_t dash = body.find('-');
    auto first = port_number(body.substr(0, dash));
    auto last = dash == std::string_view::npos ? first : port_number(body.substr(dash + 1));
    if (!first || !last)
      return bad_item(item, "not a port (1-65535) or range (low-high)");
    if (*last < *first)
      return bad_item(item, "range ends before it starts");
    for (int port = *first; port <= *last; ++port) ports.push_back(port);
  }
  std::ranges::sort(ports);
  ports.erase(std::unique(ports.begin(), ports.end()), ports.end());
  return ports;
}

Result<std::vector<PortSpec>> parse_port_specs(std::string_view text) {
  std::vector<PortSpec> specs;
  for (const auto& item : items_of(text)) {
    std::string_view body = trim(item.text);
    PortSpec spec;
    if (size_t slash = body.find('/'); slash != std::string_view::npos) {
      std::string_view protocol = body.substr(slash + 1);
      if (protocol == "tcp")
        spec.protocol = Protocol::tcp;
      else if (protocol == "udp")
        spec.protocol = Protocol::udp;
      else
        return bad_item(item, "protocol must be tcp or udp");
      body = body.substr(0, slash);
    }
    auto port = port_number(body);
    if (!port)
      return bad_item(item, "not a port (1-65535)");
    spec.port = *port;
    if (std::ranges::find(specs, spec) == specs.end())
      specs.push_back(spec);
  }
  return specs;
}

std::vector<std::string> port_range_items(const std::vector<int>& sorted_ports) {
  std::vector<std::string> items;
  for (size_t i = 0; i < sorted_ports.size();) {
    size_t j = i;
    while (j + 1 < sorted_ports.size() && sorted_ports[j + 1] == sorted_ports[j] + 1) ++j;
    items.push_back(j == i
                        ? std::to_string(sorted_ports[i])
                        : std::to_string(sorted_ports[i]) + "-" + std::to_string(sorted_ports[j]));
    i = j + 1;
  }
  return items;
}

std::string format_port_ranges(const std::vector<int>& sorted_ports) {
  return join(port_range_items(sorted_ports), ",");
}

}  // namespace clawshield::scan
