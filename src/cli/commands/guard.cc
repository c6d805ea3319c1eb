// `clawshield guard`: the brute-force guard. Without options it is the daemon (follow sshd's
// logs, ban in the kernel, until SIGTERM); with --replay it reads a log as if live and prints
// the bans it would make, banning nothing.
#include <chrono>
#include <ctime>
#include <memory>

#include "cli/app.h"
#include "cli/commands/command.h"
#include "cli/guard_output.h"
#include "guard/daemon.h"
#include "guard/detector.h"
#include "guard/replay.h"

namespace clawshield {
namespace {

struct GuardOptions {
  std::string replay;                  // --replay: a log to read as if live
  int year = 0;                        // --year: of traditional syslog dates; 0: the clock's
  std::vector<std::string> log_files;  // --log-file (repeatable)
  bool no_journal = false;             // --no-journal
  std::string journal_dir;             // --journal-dir
};

// The year traditional syslog dates ("Nov 25 12:00:00") belong to: --year, else the clock's.
int syslog_year(const GuardOptions& options, const Clock& clock) {
  if (options.year != 0)
    return options.year;
  std::time_t now = std::chrono::system_clock::to_time_t(clock.now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  return tm.tm_year + 1900;
}

int run_guard_command(const GuardOptions& options, Invocation& invocation) {
  auto host = invocation.host();
  if (!host)
    return report_error(invocation.err, host.error());
  auto policy = invocation.policy();
  if (!policy)
    return report_error(invocation.err, policy.error());
  const Policy& effective = **policy;
  if (!options.replay.empty()) {
    // Replay a log through the detector with the policy's settings.
    auto result = guard::replay_file(options.replay, guard::settings_from_policy(effective.guard),
                                     syslog_year(options, invocation.clock));
    if (!result)
      return report_error(invocation.err, result.error());
    print_replay(invocation.out, *result, invocation.style());
    return k_exit_ok;
  }
  // The daemon: follow the logs, ban in the kernel, until SIGTERM.
  Filesystem& fs = (*host)->fs;
  Host guard_host{
      fs, invocation.runner, invocation.clock, invocation.nft, Liveness::live, detect_systemd(fs)};
  guard::DaemonOptions daemon;
  daemon.files = options.log_files.empty() ? effective.guard.log_files : options.log_files;
  daemon.journal = effective.guard.journal && !options.no_journal;
  if (!options.journal_dir.empty())
    daemon.journal_directory = options.journal_dir;
  daemon.year = syslog_year(options, invocation.clock);
  auto reload = [&]() -> Result<Policy> { return load_policy(invocation.global, fs); };
  return guard::run_daemon(guard_host, effective, daemon, reload, invocation.err);
}

}  // namespace

CliCommand add_guard_command(CLI::App& app) {
  auto options = std::make_shared<GuardOptions>();
  auto* guard = app.add_subcommand("guard", "The brute-force guard (sshd), or --replay a log");
  guard->add_option("--replay", options->replay,
                    "Read this log (syslog, journal JSON or export) as if live; ban nothing, "
                    "print the bans that would be made");
  guard->add_option("--year", options->year, "Year for traditional syslog dates (default: now)");
  guard->add_option("--log-file", options->log_files,
                    "Follow this log file (repeatable; default: the policy's guard.log_files)");
  guard->add_flag("--no-journal", options->no_journal, "Do not read the systemd journal");
  guard->add_option("--journal-dir", options->journal_dir,
                    "Read the journal files in this folder instead of the system's");
  return {guard,
          [options](Invocation& invocation) { return run_guard_command(*options, invocation); }};
}

}  // namespace clawshield
