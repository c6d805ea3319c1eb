// Value checks shared by the policy decoder and the layers that render files from it.
#pragma once

#include <string>
#include <vector>

namespace clawshield {

bool valid_account_name(const std::string& name);
// A systemd unit name without ".service".
bool valid_service_name(const std::string& name);
// Absolute and in normal form: no empty, "." or ".." parts, no trailing slash (so "/etc/" or
// "/etc/./" cannot slip past a comparison with "/etc"), no whitespace, quotes, backslashes,
// control characters or '%' (a systemd specifier in unit files).
bool valid_absolute_path(const std::string& path);
// `path` is `dir` or lies below it (both in normal form; "/" contains everything).
bool path_within(const std::string& path, const std::string& dir);
// The directories of the operating system itself: nothing of the app may be one of them, lie
// inside one, or (for writable paths) contain one.
const std::vector<std::string>& system_directories();
// Places the app's home may lie under (strictly below).
const std::vector<std::string>& home_bases();
// Directories where only root can place programs (for commands run as root).
const std::vector<std::string>& root_program_directories();
// Groups whose membership grants privileges (root-equivalent or reading secrets, devices,
// logs): the app's group must not be one of them.
const std::vector<std::string>& privileged_groups();
// Accounts of the system itself (root, daemon, ...): never the app's user.
const std::vector<std::string>& system_accounts();
// An IPv4 or IPv6 address literal (no prefix length, no zone).
bool valid_ip_address(const std::string& text);
// ADDRESS or ADDRESS/LENGTH (IPv4 or IPv6) with no bits set past LENGTH.
bool valid_network(const std::string& text);
// An absolute program path that is safe in sudoers (no wildcards or sudoers syntax).
bool valid_command_path(const std::string& path);
bool valid_single_line(const std::string& text);
// A network interface name as the kernel accepts it (1-15 characters, no '/', ':' or
// whitespace, not "." or ".."), optionally ending in '*' (nft wildcard).
bool valid_interface_pattern(const std::string& name);

}  // namespace clawshield
