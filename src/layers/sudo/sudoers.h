// Rendering and reading sudoers text for the scoped-sudo layer.
#pragma once

#include <string>
#include <vector>

#include "core/error.h"
#include "host/accounts.h"
#include "host/filesystem.h"
#include "policy/policy.h"

namespace clawshield {

// The exact commands (program and fixed arguments) the app user may run as root.
std::vector<std::string> allowed_commands(const Policy& policy);
// The sudoers.d file granting exactly allowed_commands(), NOPASSWD and NOEXEC.
std::string render_sudoers(const Policy& policy);
std::string sudoers_path(const Policy& policy);

// One command a sudoers rule grants, after alias expansion.
struct SudoGrant {
  std::string file;  // where the rule is (host path)
  int line = 0;
  std::string command;            // as written: "/usr/bin/systemctl start openclaw", "ALL", ...
  std::vector<std::string> tags;  // NOPASSWD, NOEXEC, ...
};

// Every command granted to `user` by /etc/sudoers and /etc/sudoers.d/* under `fs`, directly,
// through %group (using `accounts`), ALL, or a User_Alias. Unreadable files are errors.
Result<std::vector<SudoGrant>> grants_for_user(const Filesystem& fs, const Accounts& accounts,
                                               const std::string& user);

// Why `grant` is broader than one fixed command ("wildcard", "ALL", "any arguments"), or an
// empty string when it is a fixed argv.
std::string breadth_problem(const SudoGrant& grant);

// Parses `sudo -l -U user` output into the commands listed (aliases already expanded by sudo).
std::vector<std::string> parse_sudo_list(const std::string& output);

}  // namespace clawshield
