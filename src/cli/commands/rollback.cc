// `clawshield rollback`: restores what the last apply changed, from its journal; refuses
// (changing nothing) when paths changed since the apply, unless --force. `--unconfirmed` is
// the boot revert: the firewall change still awaiting confirmation, rolled back with no
// policy read, since a broken policy must not keep an unconfirmed firewall in place.
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/app.h"
#include "cli/commands/command.h"
#include "cli/output.h"
#include "core/bounded_json.h"
#include "engine/apply.h"
#include "engine/confirm.h"

namespace clawshield {
namespace {

struct RollbackOptions {
  bool force = false;        // --force: overwrite paths changed since the apply
  bool unconfirmed = false;  // --unconfirmed: the firewall change awaiting confirmation
};

// The boot revert: needs no policy (a broken one must not keep an unconfirmed firewall).
int run_unconfirmed_rollback(Invocation& invocation) {
  auto host = invocation.host();
  if (!host)
    return report_error(invocation.err, host.error());
  auto done = revert_unconfirmed_now(**host);
  if (!done) {
    invocation.err << "clawshield: rolling back the unconfirmed firewall change failed: "
                   << done.error().message << "\n";
    return k_exit_rolled_back;
  }
  invocation.out << *done << "\n";
  return k_exit_ok;
}

int run_rollback_command(const RollbackOptions& options, Invocation& invocation) {
  if (options.unconfirmed)
    return run_unconfirmed_rollback(invocation);
  std::ostream& out = invocation.out;
  std::ostream& err = invocation.err;
  auto context = invocation.changing(options.force ? LockoutGuard::forced : LockoutGuard::enforce);
  if (!context)
    return report_error(err, context.error());
  // Restore what the last apply changed.
  auto outcome =
      rollback_last(*context, options.force ? ChangedPaths::overwrite : ChangedPaths::refuse);
  if (!outcome) {
    err << "clawshield: rollback failed: " << outcome.error().message << "\n";
    return k_exit_rolled_back;
  }
  if (!outcome->changed_since_apply.empty()) {
    // Rolling back would destroy these: say so, change nothing.
    if (invocation.global.json)
      out << dump_json(nlohmann::json{{"journal", outcome->journal_id},
                                      {"refused", true},
                                      {"changed_since_apply", outcome->changed_since_apply}},
                       2)
          << "\n";
    err << "clawshield: not rolling back apply " << outcome->journal_id
        << ": these changed since it, and rollback would destroy that:\n";
    for (const auto& line : outcome->changed_since_apply) err << "  " << line << "\n";
    err << "clawshield: nothing changed; `clawshield rollback --force` rolls back anyway\n";
    return k_exit_bad_input;
  }
  print_rollback(out, *outcome, invocation.style());
  return k_exit_ok;
}

}  // namespace

CliCommand add_rollback_command(CLI::App& app) {
  auto options = std::make_shared<RollbackOptions>();
  auto* rollback = app.add_subcommand("rollback", "Undo the last apply");
  rollback->add_flag("--force", options->force,
                     "Roll back even paths that changed since the apply (their changes are lost)");
  rollback
      ->add_flag("--unconfirmed", options->unconfirmed,
                 "Roll back the firewall change awaiting confirmation now, as its watchdog would "
                 "at the deadline (run at boot by clawshield-firewall-revert.service)")
      ->excludes("--force");
  return {rollback,
          [options](Invocation& invocation) { return run_rollback_command(*options, invocation); }};
}

}  // namespace clawshield
