// The CLI reads like a table of contents: the global options, then the commands in the order
// --help lists them, one file each under cli/commands/ with its own options. Parsing picks one;
// it runs over one Invocation, which prepares the host, the policy and the layers' context as
// the command asks for them. Global options are declared once on the top-level app and fall
// through, so `clawshield --root R plan` and `clawshield plan --root R` mean the same.
#include "cli/app.h"

#include <CLI/CLI.hpp>

#include <optional>
#include <vector>

#include "cli/commands/command.h"
#include "cli/invocation.h"

namespace clawshield {
namespace {

// Parses `argv` into `app`. --help and --version answer here (exit 0); a parse error is
// explained on `err` (exit 2). Nullopt when a command is to run.
std::optional<int> parse(CLI::App& app, int argc, const char* const* argv, std::ostream& out,
                         std::ostream& err) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e, out, err);
  } catch (const CLI::ParseError& e) {
    app.exit(e, out, err);
    return k_exit_bad_input;
  }
  return std::nullopt;
}

}  // namespace

int run_cli(int argc, const char* const* argv, CommandRunner& runner, Nftables& nft,
            const Clock& clock, std::ostream& out, std::ostream& err) {
  CLI::App app{"clawshield: harden a server running OpenClaw, keep it hardened, prove it."};
  app.fallthrough();
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("clawshield ") + CLAWSHIELD_VERSION,
                       "Print the version and exit");
  GlobalOptions global;
  add_global_options(app, global);

  // The commands, in the order --help lists them.
  const std::vector<CliCommand> commands = {
      add_plan_command(app),             // what apply would change (exit 1 if anything)
      add_apply_command(app),            // make the changes, rolled back if a step fails
      add_confirm_command(app),          // keep the firewall the last apply loaded
      add_guard_command(app),            // the brute-force guard, or --replay a log
      add_bans_command(app),             // list, add or remove bans through the running guard
      add_firewall_revert_command(app),  // hidden: the watchdog apply starts
      add_rollback_command(app),         // undo the last apply (or its unconfirmed firewall)
      add_verify_command(app),           // check the posture (exit 1 if a check fails)
      add_scan_command(app),             // the server's TCP ports, scanned from outside
      add_policy_command(app),           // show the effective policy, or check a file
  };

  // Parse: --help, --version and bad arguments answer here.
  if (auto answered = parse(app, argc, argv, out, err))
    return *answered;
  // Run the one command asked for.
  Invocation invocation(global, runner, nft, clock, out, err);
  for (const auto& command : commands)
    if (command.subcommand->parsed())
      return command.run(invocation);
  return k_exit_bad_input;
}

}  // namespace clawshield
