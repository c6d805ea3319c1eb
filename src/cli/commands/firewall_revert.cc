// `clawshield firewall-revert` (hidden): the watchdog apply starts. It waits for the deadline
// and restores the previous firewall unless `clawshield confirm` came first. Not for people,
// so an empty group keeps it out of --help; it still parses, with its own --help.
#include <memory>

#include "cli/app.h"
#include "cli/commands/command.h"
#include "engine/confirm.h"

namespace clawshield {
namespace {

struct FirewallRevertOptions {
  std::string journal;   // the apply whose firewall is awaiting confirmation
  int64_t deadline = 0;  // seconds since the epoch
};

int run_firewall_revert_command(const FirewallRevertOptions& options, Invocation& invocation) {
  auto context = invocation.changing(LockoutGuard::enforce);
  if (!context)
    return report_error(invocation.err, context.error());
  // The watchdog: wait for the deadline, then restore unless confirmed.
  auto done = revert_unless_confirmed(context->host, options.journal, options.deadline);
  if (!done)
    return report_error(invocation.err, done.error());
  invocation.out << *done << "\n";
  return k_exit_ok;
}

}  // namespace

CliCommand add_firewall_revert_command(CLI::App& app) {
  auto options = std::make_shared<FirewallRevertOptions>();
  // Internal: the watchdog apply starts. An empty group hides it from --help.
  auto* revert = app.add_subcommand("firewall-revert", "")->group("");
  revert->add_option("--journal", options->journal)->required();
  revert->add_option("--deadline", options->deadline)->required();
  return {revert, [options](Invocation& invocation) {
            return run_firewall_revert_command(*options, invocation);
          }};
}

}  // namespace clawshield
