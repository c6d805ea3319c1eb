// The commands of the CLI, one file each under cli/commands/. Each file keeps its options to
// itself and offers one function that declares its subcommand on the app and returns how to
// run it; run_cli (cli/app.cc) lists them.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

#include "cli/invocation.h"

namespace clawshield {

// A command as run_cli sees it: the subcommand CLI11 parses it into, and the run, which
// returns the exit code.
struct CliCommand {
  CLI::App* subcommand = nullptr;
  std::function<int(Invocation&)> run;
};

CliCommand add_plan_command(CLI::App& app);
CliCommand add_apply_command(CLI::App& app);
CliCommand add_confirm_command(CLI::App& app);
CliCommand add_guard_command(CLI::App& app);
CliCommand add_bans_command(CLI::App& app);
CliCommand add_firewall_revert_command(CLI::App& app);
CliCommand add_rollback_command(CLI::App& app);
CliCommand add_verify_command(CLI::App& app);
CliCommand add_scan_command(CLI::App& app);
CliCommand add_policy_command(CLI::App& app);

}  // namespace clawshield
