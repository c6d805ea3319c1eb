// Value checks shared by the policy decoder and the layers that render files from it.
#pragma once

#include <string>

namespace clawshield {

bool valid_account_name(const std::string& name);
// A systemd unit name without ".service".
bool valid_service_name(const std::string& name);
// Absolute, no "..", no whitespace or quotes.
bool valid_absolute_path(const std::string& path);
// An absolute program path that is safe in sudoers (no wildcards or sudoers syntax).
bool valid_command_path(const std::string& path);
bool valid_single_line(const std::string& text);
// A network interface name, optionally ending in '*' (nft wildcard).
bool valid_interface_pattern(const std::string& name);

}  // namespace clawshield
