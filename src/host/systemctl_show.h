// `systemctl show UNIT --property A,B` as a typed value: its Key=Value lines in order, with
// lookups by key. The rootless Docker layer (the daemon's state and main PID) and the
// systemd_unit layer (the gateway's state) read the same output the same way.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "host/runner.h"

namespace clawshield {

struct UnitProperties {
  // Every Key=Value line, in systemctl's order (a value may itself hold '=').
  std::vector<std::pair<std::string, std::string>> entries;

  // The value of `key`, or nullopt when systemctl did not print it.
  std::optional<std::string> find(std::string_view key) const;
  // The value of `key`, "" when absent (systemctl prints an unset property as "Key=").
  std::string value(std::string_view key) const;
  // "ActiveState=active", ...: the lines as printed.
  std::vector<std::string> lines() const;
};

// Parses systemctl's output. Lines without '=' or with an empty key are not properties and
// are left out; never fails (the text is systemd's, not user input).
UnitProperties parse_unit_properties(std::string_view text);

// Runs `systemctl show UNIT --property PROPERTIES` through `runner`. ErrorCode::command_failed,
// naming the command and its first line of stderr, when systemctl exits non-zero.
Result<UnitProperties> systemctl_show(CommandRunner& runner, const std::string& unit,
                                      const std::string& properties);

}  // namespace clawshield
