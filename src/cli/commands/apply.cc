// `clawshield apply`: plan, refuse if any layer cannot be planned, then make the changes under
// a journal, rolled back if a step fails. A new firewall is commit-confirmed: a watchdog (this
// binary's hidden `firewall-revert`) restores the previous one unless `clawshield confirm`
// arrives in time, so a firewall that cuts the admin off undoes itself.
#include <signal.h>

#include <memory>

#include "cli/app.h"
#include "cli/commands/command.h"
#include "cli/output.h"
#include "engine/apply.h"
#include "engine/confirm.h"
#include "engine/plan.h"

namespace clawshield {
namespace {

struct ApplyOptions {
  bool force = false;        // --force: load a firewall even if it would cut this SSH session
  int confirm_timeout = -1;  // --confirm-timeout; -1: the policy's
};

// Holds off the signals a dropped SSH session or an impatient Ctrl-C send (SIGHUP, SIGINT,
// SIGTERM, SIGQUIT, SIGPIPE) while apply changes the host and arms the firewall's watchdog:
// killed between loading a new firewall and arming its watchdog, apply would leave that
// firewall in the kernel with nothing to take it back before a reboot. The signals stay
// pending and act when the object goes; programs clawshield runs start with a clean mask.
class SignalShield {
 public:
  SignalShield() {
    sigset_t held;
    sigemptyset(&held);
    for (int signal : {SIGHUP, SIGINT, SIGTERM, SIGQUIT, SIGPIPE}) sigaddset(&held, signal);
    m_active = ::sigprocmask(SIG_BLOCK, &held, &m_previous) == 0;
  }
  SignalShield(const SignalShield&) = delete;
  SignalShield& operator=(const SignalShield&) = delete;
  ~SignalShield() {
    if (m_active)
      ::sigprocmask(SIG_SETMASK, &m_previous, nullptr);
  }

 private:
  sigset_t m_previous{};
  bool m_active = false;
};

// The watchdog that restores the firewall unless `confirm` arrives: this same binary, run
// as a transient systemd service where systemd runs (logind cannot kill it with the session),
// else in a session of its own.
Command watchdog_command(const Host& host, const GlobalOptions& options, const std::string& journal,
                         int64_t deadline) {
  std::string self = running_executable();
  if (self.empty())
    self = "clawshield";
  std::vector<std::string> argv = {
      self,        "firewall-revert", "--root",     options.root,
      "--journal", journal,           "--deadline", std::to_string(deadline)};
  if (!options.netns.empty())
    argv.insert(argv.end(), {"--netns", options.netns});
  if (!options.policy_file.empty())
    argv.insert(argv.end(), {"--policy", options.policy_file});
  if (host.systemd_running && host.fs.is_system_root()) {
    std::vector<std::string> wrapped = {"systemd-run", "--quiet", "--collect",
                                        "--unit=clawshield-confirm-" + journal};
    wrapped.insert(wrapped.end(), argv.begin(), argv.end());
    return Command(wrapped);
  }
  return Command(argv);
}

// Why the last apply must be settled before this one, or nothing.
Result<void> refuse_unsettled(const Host& host, const Clock& clock) {
  // An unconfirmed firewall must be confirmed or reverted before the next apply.
  CS_TRY(auto pending, read_pending(host.fs));
  if (pending && pending->state == PendingState::reverting)
    return fail(ErrorCode::refused, "the rollback of unconfirmed apply " + pending->journal +
                                        " did not finish: run `clawshield rollback` first");
  if (pending && pending->state == PendingState::armed) {
    auto now =
        std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch()).count();
    if (now < pending->deadline + 5)
      return fail(ErrorCode::refused, "apply " + pending->journal +
                                          " awaits confirmation: run `clawshield confirm` "
                                          "from a new SSH connection, or wait for the deadline");
  }
  // A change left unconfirmed (its watchdog or the boot revert died) is settled first: a new
  // apply on top of it would make it the state a later rollback returns to.
  CS_TRY(auto marker, read_unconfirmed(host.fs));
  if (marker)
    return fail(ErrorCode::refused,
                "apply " + marker->journal +
                    " changed the firewall and was neither confirmed nor rolled back: run "
                    "`clawshield rollback --unconfirmed` (or `clawshield confirm` to keep "
                    "it) first");
  return {};
}

int run_apply_command(const ApplyOptions& options, Invocation& invocation) {
  std::ostream& out = invocation.out;
  std::ostream& err = invocation.err;
  const LockoutGuard lockout = options.force ? LockoutGuard::forced : LockoutGuard::enforce;
  auto changing = invocation.changing(lockout);
  if (!changing)
    return report_error(err, changing.error());
  auto context = invocation.context(lockout);  // prepared with the above: read-only
  if (!context)
    return report_error(err, context.error());
  Host& host = changing->host;
  // The last apply settled: confirmed, rolled back or past its deadline.
  if (auto settled = refuse_unsettled(host, invocation.clock); !settled)
    return report_error(err, settled.error());
  // Plan, refuse if any layer cannot be planned, then apply under a journal.
  Plan planned = make_plan(**context, invocation.layers());
  if (planned.has_errors()) {
    print_plan(err, planned, false, Style{});
    err << "clawshield: nothing changed\n";
    return k_exit_bad_input;
  }
  const int timeout = options.confirm_timeout >= 0 ? options.confirm_timeout
                                                   : (*context)->policy.firewall.confirm_timeout;
  SignalShield shield;
  auto outcome =
      apply_plan(*changing, planned, timeout > 0 ? ConfirmFirewall::yes : ConfirmFirewall::no);
  if (!outcome)
    return report_error(err, outcome.error());
  print_apply(out, *outcome, invocation.style());
  if (outcome->failure)
    return k_exit_rolled_back;
  // Commit-confirmed: a new firewall restores itself unless confirmed in time (and at the
  // next boot, should the machine reboot first).
  if (outcome->firewall_loaded && timeout > 0) {
    auto deadline = std::chrono::duration_cast<std::chrono::seconds>(
                        (invocation.clock.now() + std::chrono::seconds(timeout)).time_since_epoch())
                        .count();
    auto armed =
        arm_confirmation(host, outcome->journal_id, std::chrono::seconds(timeout),
                         watchdog_command(host, invocation.global, outcome->journal_id, deadline));
    if (!armed) {
      err << "clawshield: " << armed.error().message << "; the apply was rolled back\n";
      return k_exit_rolled_back;
    }
    out << "Firewall loaded. Open a NEW SSH connection and run `clawshield confirm` within "
        << timeout
        << " s, or this apply is rolled back (firewall and boot files included; a reboot before "
           "then rolls it back at boot).\n";
  }
  return k_exit_ok;
}

}  // namespace

CliCommand add_apply_command(CLI::App& app) {
  auto options = std::make_shared<ApplyOptions>();
  auto* apply = app.add_subcommand("apply", "Make the changes; roll back if a step fails");
  apply->add_flag("--force", options->force,
                  "Load a firewall even if it would cut this SSH session (console access only)");
  apply
      ->add_option("--confirm-timeout", options->confirm_timeout,
                   "Seconds to wait for `clawshield confirm` before restoring the previous "
                   "firewall (0: no safety net; default: the policy's)")
      ->check(CLI::Range(0, 3600));
  return {apply,
          [options](Invocation& invocation) { return run_apply_command(*options, invocation); }};
}

}  // namespace clawshield
