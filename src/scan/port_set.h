// Port lists as people write them ("22,80,8000-8100", "22/tcp,41641/udp") and as results are
// shown back (runs collapsed to ranges).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace clawshield::scan {

enum class Protocol { tcp, udp };

struct PortSpec {
  int port = 0;
  Protocol protocol = Protocol::tcp;
  bool operator==(const PortSpec&) const = default;
};

// "1-65535", "22,80,443", "8000-8100,22": sorted, without duplicates. A bad item is an error
// naming the item and its column (1-based) in `text`.
Result<std::vector<int>> parse_port_ranges(std::string_view text);

// "22/tcp,41641/udp,443" (tcp when no protocol is given).
Result<std::vector<PortSpec>> parse_port_specs(std::string_view text);

// [1,2,3,5,7,8] -> "1-3,5,7-8"; empty -> "".
std::string format_port_ranges(const std::vector<int>& sorted_ports);

// The same as a list of runs, for JSON: ["1-3", "5", "7-8"].
std::vector<std::string> port_range_items(const std::vector<int>& sorted_ports);

}  // namespace clawshield::scan
