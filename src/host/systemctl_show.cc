// systemctl show's Key=Value output parsed once for every caller. Two layers used to split it
// each in their own way (one kept every line, one a list of pairs); a typed value with
// lookups keeps them from drifting and is tested on text.
#include "host/systemctl_show.h"

#include "core/text.h"

namespace clawshield {

std::optional<std::string> UnitProperties::find(std::string_view key) const {
  for (const auto& [name, value] : entries)
    if (name == key)
      return value;
  return std::nullopt;
}

std::string UnitProperties::value(std::string_view key) const {
  return find(key).value_or("");
}

std::vector<std::string> UnitProperties::lines() const {
  std::vector<std::string> out;
  for (const auto& [name, value] : entries) out.push_back(name + "=" + value);
  return out;
}

UnitProperties parse_unit_properties(std::string_view text) {
  UnitProperties properties;
  for (const auto& line : split_lines(text)) {
    size_t equals = line.find('=');
    if (equals == std::string::npos || equals == 0)
      continue;
    properties.entries.emplace_back(line.substr(0, equals), line.substr(equals + 1));
  }
  return properties;
}

Result<UnitProperties> systemctl_show(CommandRunner& runner, const std::string& unit,
                                      const std::string& properties) {
  Command command{{"systemctl", "show", unit, "--property", properties}};
  CS_TRY(CommandResult result, runner.run(command));
  if (!result.ok())
    return fail(ErrorCode::command_failed, describe_failure(command, result));
  return parse_unit_properties(result.out);
}

}  // namespace clawshield
