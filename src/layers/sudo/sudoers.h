// Rendering and reading sudoers text for the scoped-sudo layer.
#pragma once

#include <string>
#include <vector>

#include "core/error.h"
#include "host/accounts.h"
#include "host/filesystem.h"
#include "host/runner.h"
#include "policy/policy.h"

namespace clawshield {

// The exact commands (program and fixed arguments) the app user may run as root, for the
// gateway's unit `service` (discover_gateway's name: the unit that really runs).
std::vector<std::string> allowed_commands(const Policy& policy, const std::string& service);
// The sudoers.d file granting exactly allowed_commands(), NOPASSWD and NOEXEC.
std::string render_sudoers(const Policy& policy, const std::string& service);
std::string sudoers_path(const Policy& policy);

// One command a sudoers rule grants to the user, after alias expansion, with the tags sudo
// applies to it (tags inherited along the rule as sudo's own parser reads them, then Defaults).
struct SudoGrant {
  std::string file;     // where the rule is (host path)
  int line = 0;         // 0 when it cannot be told
  std::string command;  // as sudo lists it: "/usr/bin/systemctl start openclaw", "ALL", ...
  std::vector<std::string> tags;  // effective: NOPASSWD, NOEXEC, SETENV
  // false when the rule names the user only through something this root cannot resolve (a
  // netgroup, a non-Unix group): it may or may not apply.
  bool certain = true;
};

// Everything sudo grants `user`, read by sudo's own parser (`cvtsudoers -f json`).
struct SudoRules {
  std::vector<SudoGrant> grants;
  // Settings that let the user shape the environment of what runs as root: SETENV (tag or
  // Defaults), !env_reset, dangerous env_keep/env_check entries. "FILE: Defaults setenv".
  std::vector<std::string> environment;
  std::vector<std::string> files;  // every file sudo reads, in its order (host paths)
  std::string note;                // how the files were found, when not from /etc/sudoers
};

// Reads /etc/sudoers under `fs` and every file it includes (@include, @includedir, #include,
// #includedir, as sudo resolves them), has each parsed by sudo's own parser through `runner`
// (cvtsudoers), and keeps the rules that reach `user`: by name, #uid, %group, %#gid, ALL, or
// User_Alias (nested, with negation), groups resolved from `accounts` of the same root. A root
// without /etc/sudoers is read as Debian's, which includes /etc/sudoers.d. Any file that cannot
// be read or parsed is an error (never "no rules").
Result<SudoRules> sudo_rules_for_user(const Filesystem& fs, CommandRunner& runner,
                                      const Accounts& accounts, const std::string& user);
// The grants of sudo_rules_for_user.
Result<std::vector<SudoGrant>> grants_for_user(const Filesystem& fs, CommandRunner& runner,
                                               const Accounts& accounts, const std::string& user);

// Why `grant` is broader than one fixed command ("wildcard", "ALL", "any arguments"), or an
// empty string when it is a fixed argv.
std::string breadth_problem(const SudoGrant& grant);

// Parses `sudo -l -U user` output into the commands listed (aliases already expanded by sudo).
std::vector<std::string> parse_sudo_list(const std::string& output);

}  // namespace clawshield
