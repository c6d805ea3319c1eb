// `clawshield confirm`: keeps the firewall the last apply loaded, from a new SSH connection,
// which proves the new firewall still lets the admin in. Without it the watchdog restores the
// previous firewall at the deadline.
#include "engine/confirm.h"
#include "cli/app.h"
#include "cli/commands/command.h"

namespace clawshield {
namespace {

int run_confirm_command(Invocation& invocation) {
  auto context = invocation.changing(LockoutGuard::enforce);
  if (!context)
    return report_error(invocation.err, context.error());
  // Keep the firewall of the last apply.
  std::string detail;
  auto confirmed = confirm_firewall(context->host, detail);
  if (!confirmed)
    return report_error(invocation.err, confirmed.error());
  switch (*confirmed) {
    case ConfirmResult::confirmed:
      invocation.out << detail << "\n";
      return k_exit_ok;
    case ConfirmResult::nothing_pending:
      invocation.out << "no apply is waiting for confirmation\n";
      return k_exit_ok;
    case ConfirmResult::too_late:
      invocation.err << "clawshield: too late: " << detail << "\n";
      return k_exit_pending;
  }
  return k_exit_bad_input;
}

}  // namespace

CliCommand add_confirm_command(CLI::App& app) {
  auto* confirm = app.add_subcommand("confirm", "Keep the firewall the last apply loaded");
  return {confirm, run_confirm_command};
}

}  // namespace clawshield
