// The CLI reads like a table of contents: each command is a short run of steps over one
// context (policy, host, layers), each step a call with a comment. Global options are declared
// once on the top-level app and fall through, so `clawshield --root R plan` and
// `clawshield plan --root R` mean the same.
#include "cli/app.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <yaml-cpp/yaml.h>

#include "cli/guard_output.h"
#include "cli/output.h"
#include "cli/scan_command.h"
#include "core/bounded_json.h"
#include "core/fd.h"
#include "core/parse.h"
#include "engine/apply.h"
#include "engine/confirm.h"
#include "engine/layers.h"
#include "engine/verify.h"
#include "guard/control_client.h"
#include "guard/daemon.h"
#include "guard/replay.h"
#include "host/docker_api.h"
#include "host/session.h"
#include "policy/policy.h"
#include "policy/policy_rules.h"

namespace clawshield {
namespace {

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

struct Options {
  std::string root = "/";
  std::string policy_file;
  std::string netns;
  bool offline = false;
  bool force = false;
  bool unconfirmed = false;            // rollback --unconfirmed
  int confirm_timeout = -1;            // -1: the policy's
  std::string replay;                  // guard --replay
  std::vector<std::string> log_files;  // guard --log-file
  bool no_journal = false;             // guard --no-journal
  std::string journal_dir;             // guard --journal-dir
  std::string ban_target;              // bans ban/unban
  std::string ban_for = "1h";          // bans ban --for
  int year = 0;                        // guard --replay: year of traditional syslog dates
  std::string journal;                 // firewall-revert
  int64_t deadline = 0;                // firewall-revert
  bool json = false;
  bool no_colour = false;
  bool diff = false;
  std::string only;
  std::string check_file;
  bool checklist = false;
};

Result<std::string> read_host_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return fail(ErrorCode::not_found, "cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad())
    return fail(ErrorCode::io, "error reading " + path);
  return text.str();
}

// The path of the running clawshield binary, or "" if /proc cannot say.
std::string running_executable() {
  char exe[4096] = {};
  ssize_t length = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  return length > 0 ? std::string(exe, static_cast<size_t>(length)) : std::string();
}

// Whether the policy text names guard.executable itself. Called only on text parse_policy
// accepted, so it parses.
bool sets_guard_executable(const std::string& text) {
  try {
    const YAML::Node document = YAML::Load(text);
    const YAML::Node guard = document.IsMap() ? document["guard"] : YAML::Node();
    return guard.IsMap() && guard["executable"].IsDefined();
  } catch (const YAML::Exception&) {
    return true;  // keep what parse_policy decoded
  }
}

// The generated units (the guard's, the boot revert's) run guard.executable. A policy that
// does not name it gets the binary that is running when that binary is installed where only
// root can place programs (/usr/bin/clawshield from the .deb, /usr/local/bin/clawshield from
// `cmake --install`): the units follow the install. A binary run from a build folder (or a
// test's process) keeps the built-in default, /usr/local/bin/clawshield.
void follow_installed_binary(Policy& policy, const std::string& text) {
  if (!text.empty() && sets_guard_executable(text))
    return;
  const std::string self = running_executable();
  if (!valid_absolute_path(self) || !self.ends_with("/clawshield"))
    return;
  for (const auto& dir : root_program_directories())
    if (path_within(self, dir)) {
      policy.guard.executable = self;
      return;
    }
}

// --policy FILE (a file on this machine), else /etc/clawshield/policy.yaml under the root,
// else the built-in defaults; guard.executable follows the installed binary unless set.
Result<Policy> load_policy(const Options& options, const Filesystem& fs) {
  std::string text;
  Result<Policy> policy = Policy{};
  if (!options.policy_file.empty()) {
    CS_TRY(std::string read, read_host_file(options.policy_file));
    text = std::move(read);
    policy = parse_policy(text, options.policy_file);
  } else if (auto read = fs.read(k_default_policy_path); read) {
    text = std::move(*read);
    policy = parse_policy(text, fs.host_path(k_default_policy_path));
  } else if (read.error().code != ErrorCode::not_found) {
    return std::unexpected(read.error());
  }
  if (policy)
    follow_installed_binary(*policy, text);
  return policy;
}

Style make_style(const Options& options) {
  Style style;
  style.format = options.json ? Format::json : Format::text;
  bool terminal = ::isatty(STDOUT_FILENO) == 1 && std::getenv("NO_COLOR") == nullptr;
  style.colour = terminal && !options.no_colour && !options.json ? Colour::yes : Colour::no;
  return style;
}

// The year traditional syslog dates ("Nov 25 12:00:00") belong to: --year, else the clock's.
int syslog_year(const Options& options, const Clock& clock) {
  if (options.year != 0)
    return options.year;
  std::time_t now = std::chrono::system_clock::to_time_t(clock.now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  return tm.tm_year + 1900;
}

// "3600", "90s", "30m", "12h", "7d" -> seconds.
std::optional<int64_t> parse_duration(const std::string& text) {
  if (text.empty())
    return std::nullopt;
  int64_t unit = 1;
  std::string number = text;
  switch (text.back()) {
    case 's':
      unit = 1;
      number.pop_back();
      break;
    case 'm':
      unit = 60;
      number.pop_back();
      break;
    case 'h':
      unit = 3600;
      number.pop_back();
      break;
    case 'd':
      unit = 86400;
      number.pop_back();
      break;
    default:
      break;
  }
  auto value = parse_int<int64_t>(number, 1, 3650 * 86400 / unit);
  if (!value)
    return std::nullopt;
  return *value * unit;
}

int report_error(std::ostream& err, const Error& error) {
  err << "clawshield: " << error.message << "\n";
  return k_exit_bad_input;
}

// Moves this process into network namespace `name` (/run/netns/NAME, as `ip netns` makes
// them): the firewall and sockets clawshield sees are then that namespace's.
Result<void> enter_netns(const std::string& name) {
  if (name.empty() || name.find('/') != std::string::npos)
    return fail(ErrorCode::bad_input, "--netns: bad namespace name \"" + name + "\"");
  const std::string path = "/run/netns/" + name;
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid())
    return fail(ErrorCode::bad_input, "--netns: cannot open " + path);
  if (::setns(fd.get(), CLONE_NEWNET) != 0)
    return fail(ErrorCode::permission, "--netns: cannot enter " + path + " (needs root)");
  return {};
}

// The watchdog that restores the firewall unless `confirm` arrives: this same binary, run
// as a transient systemd service where systemd runs (logind cannot kill it with the session),
// else in a session of its own.
Command watchdog_command(const Host& host, const Options& options, const std::string& journal,
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

}  // namespace

int run_cli(int argc, const char* const* argv, CommandRunner& runner, Nftables& nft,
            const Clock& clock, std::ostream& out, std::ostream& err) {
  Options options;
  CLI::App app{"clawshield: harden a server running OpenClaw, keep it hardened, prove it."};
  app.fallthrough();
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("clawshield ") + CLAWSHIELD_VERSION,
                       "Print the version and exit");
  app.add_option("--root", options.root, "Root directory of the host (default /)");
  app.add_option("--policy", options.policy_file,
                 "Policy file (default /etc/clawshield/policy.yaml under the root)");
  app.add_flag("--offline", options.offline, "Never touch the running system (services, packages)");
  app.add_flag("--json", options.json, "Machine-readable output");
  app.add_flag("--no-color", options.no_colour, "No colour even on a terminal");
  app.add_option("--netns", options.netns,
                 "The host's network namespace (/run/netns/NAME) when it is not ours");

  auto* plan = app.add_subcommand("plan", "Show what apply would change (exit 1 if anything)");
  plan->add_flag("--diff", options.diff, "Show file changes as unified diffs");
  auto* apply = app.add_subcommand("apply", "Make the changes; roll back if a step fails");
  apply->add_flag("--force", options.force,
                  "Load a firewall even if it would cut this SSH session (console access only)");
  apply
      ->add_option("--confirm-timeout", options.confirm_timeout,
                   "Seconds to wait for `clawshield confirm` before restoring the previous "
                   "firewall (0: no safety net; default: the policy's)")
      ->check(CLI::Range(0, 3600));
  auto* confirm = app.add_subcommand("confirm", "Keep the firewall the last apply loaded");
  auto* guard = app.add_subcommand("guard", "The brute-force guard (sshd), or --replay a log");
  guard->add_option("--replay", options.replay,
                    "Read this log (syslog, journal JSON or export) as if live; ban nothing, "
                    "print the bans that would be made");
  guard->add_option("--year", options.year, "Year for traditional syslog dates (default: now)");
  guard->add_option("--log-file", options.log_files,
                    "Follow this log file (repeatable; default: the policy's guard.log_files)");
  guard->add_flag("--no-journal", options.no_journal, "Do not read the systemd journal");
  guard->add_option("--journal-dir", options.journal_dir,
                    "Read the journal files in this folder instead of the system's");
  auto* bans = app.add_subcommand("bans", "List, add or remove bans (through the running guard)");
  bans->require_subcommand(1);
  auto* bans_list = bans->add_subcommand("list", "Every ban in the kernel with its remaining time");
  auto* bans_ban = bans->add_subcommand("ban", "Ban an address or prefix");
  bans_ban->add_option("address", options.ban_target, "Address or CIDR")->required();
  bans_ban->add_option("--for", options.ban_for, "Duration: 3600, 90s, 30m, 12h, 7d (default 1h)");
  auto* bans_unban = bans->add_subcommand(
      "unban", "Lift a ban (an address inside a banned prefix lifts the prefix)");
  bans_unban->add_option("address", options.ban_target, "Address or CIDR")->required();
  // Internal: the watchdog apply starts. An empty group hides it from --help.
  auto* revert = app.add_subcommand("firewall-revert", "")->group("");
  revert->add_option("--journal", options.journal)->required();
  revert->add_option("--deadline", options.deadline)->required();
  auto* rollback = app.add_subcommand("rollback", "Undo the last apply");
  rollback->add_flag("--force", options.force,
                     "Roll back even paths that changed since the apply (their changes are lost)");
  rollback
      ->add_flag("--unconfirmed", options.unconfirmed,
                 "Roll back the firewall change awaiting confirmation now, as its watchdog would "
                 "at the deadline (run at boot by clawshield-firewall-revert.service)")
      ->excludes("--force");
  auto* verify = app.add_subcommand("verify", "Check the posture (exit 1 if a check fails)");
  auto* only = verify->add_option("--only", options.only, "Only this layer (id or number)");
  verify
      ->add_flag("--checklist", options.checklist,
                 "Answer the seed's six-item security checklist (ticked, crossed or unknown)")
      ->excludes(only);
  ScanCommand scan_command;
  auto* scan = app.add_subcommand(
      "scan", "Scan a server's TCP ports from here, as nmap -p- would (run it from outside)");
  scan->add_option("target", scan_command.target, "Address or host name")->required();
  scan->add_option("-p,--ports", scan_command.ports, "Ports: 1-65535 (default), 22,80,8000-8100");
  scan->add_option("--expect", scan_command.expect,
                   "Exactly these must be open, e.g. 22/tcp,41641/udp (exit 1 otherwise)");
  scan->add_option("--timeout", scan_command.timeout_ms,
                   "Longest wait for an answer, ms (default 1000; shorter once RTT is known)")
      ->check(CLI::Range(1, 60000));
  scan->add_option("--min-timeout", scan_command.min_timeout_ms,
                   "Shortest wait for an answer, ms (default 100)")
      ->check(CLI::Range(1, 60000));
  scan->add_option("--retries", scan_command.retries,
                   "Probe unanswered ports again this many times (default 1)")
      ->check(CLI::Range(0, 10));
  scan->add_option("--rate", scan_command.rate, "Probes per second at most (default: no limit)")
      ->check(CLI::Range(0, 10000000));
  scan->add_option("--parallel", scan_command.parallel,
                   "Probes in flight at most (default: as the descriptor limit allows)")
      ->check(CLI::Range(0, 1000000));
  scan->add_option("--method", scan_command.method,
                   "syn (raw SYNs, needs CAP_NET_RAW), connect (no privileges) or auto (default: "
                   "syn where allowed)")
      ->check(CLI::IsMember({"auto", "syn", "connect"}));
  scan->add_flag("-4", scan_command.ipv4, "Use the target's IPv4 address");
  scan->add_flag("-6", scan_command.ipv6, "Use the target's IPv6 address");
  auto* policy = app.add_subcommand("policy", "Show or check a policy");
  policy->require_subcommand(1);
  auto* policy_show = policy->add_subcommand("show", "Print the effective policy as YAML");
  auto* policy_check = policy->add_subcommand("check", "Validate a policy file");
  policy_check->add_option("file", options.check_file, "Policy file")->required();

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

  if (scan->parsed()) {
    // From the outside: needs no root, no policy, no host.
    scan_command.progress = ::isatty(STDERR_FILENO) == 1;
    return run_scan(scan_command, out, err, make_style(options));
  }
  if (policy_check->parsed()) {
    // Validate one file without touching any host.
    auto text = read_host_file(options.check_file);
    if (!text)
      return report_error(err, text.error());
    auto parsed = parse_policy(*text, options.check_file);
    if (!parsed)
      return report_error(err, parsed.error());
    out << options.check_file << ": ok\n";
    return k_exit_ok;
  }

  // The root must be absolute: the tools clawshield runs under it (useradd --prefix, ufw
  // --datadir, systemctl --root) refuse a relative one half-way through an apply.
  if (options.root.empty() || options.root.front() != '/')
    return report_error(err, Error{ErrorCode::bad_input, "--root \"" + options.root +
                                                             "\" is not an absolute path; "
                                                             "nothing changed"});
  // The host's network namespace, the root, the policy and the host.
  if (!options.netns.empty()) {
    if (auto entered = enter_netns(options.netns); !entered)
      return report_error(err, entered.error());
  }
  auto fs = Filesystem::open(options.root);
  if (!fs)
    return report_error(err, fs.error());
  Host host{*fs,
            runner,
            clock,
            nft,
            options.offline ? Liveness::offline : Liveness::live,
            detect_systemd(*fs)};
  host.own_network = fs->is_system_root() || !options.netns.empty();
  if (rollback->parsed() && options.unconfirmed) {
    // The boot revert: needs no policy (a broken one must not keep an unconfirmed firewall).
    auto done = revert_unconfirmed_now(host);
    if (!done) {
      err << "clawshield: rolling back the unconfirmed firewall change failed: "
          << done.error().message << "\n";
      return k_exit_rolled_back;
    }
    out << *done << "\n";
    return k_exit_ok;
  }
  auto loaded = load_policy(options, *fs);
  if (!loaded)
    return report_error(err, loaded.error());
  const Policy& effective = *loaded;
  if (guard->parsed() && !options.replay.empty()) {
    // Replay a log through the detector with the policy's settings.
    auto result = guard::replay_file(options.replay, guard::settings_from_policy(effective.guard),
                                     syslog_year(options, clock));
    if (!result)
      return report_error(err, result.error());
    print_replay(out, *result, make_style(options));
    return k_exit_ok;
  }
  if (guard->parsed()) {
    // The daemon: follow the logs, ban in the kernel, until SIGTERM.
    Host guard_host{*fs, runner, clock, nft, Liveness::live, detect_systemd(*fs)};
    guard::DaemonOptions daemon;
    daemon.files = options.log_files.empty() ? effective.guard.log_files : options.log_files;
    daemon.journal = effective.guard.journal && !options.no_journal;
    if (!options.journal_dir.empty())
      daemon.journal_directory = options.journal_dir;
    daemon.year = syslog_year(options, clock);
    auto reload = [&]() -> Result<Policy> { return load_policy(options, *fs); };
    return guard::run_daemon(guard_host, effective, daemon, reload, err);
  }
  if (bans->parsed()) {
    // Through the running guard's control socket.
    std::string request;
    if (bans_list->parsed()) {
      request = "list";
    } else {
      auto seconds = parse_duration(options.ban_for);
      if (!seconds)
        return report_error(
            err, Error{ErrorCode::bad_input, "--for: bad duration \"" + options.ban_for + "\""});
      if (bans_ban->parsed()) {
        // Never a prefix wider than the minimum, never one covering the allowlist (the daemon
        // checks again: it is the trust boundary).
        auto allowed = guard::check_ban_request(
            options.ban_target, guard::settings_from_policy(effective.guard).allowlist);
        if (!allowed)
          return report_error(err, allowed.error());
      }
      request = bans_ban->parsed() ? "ban " + options.ban_target + " " + std::to_string(*seconds)
                                   : "unban " + options.ban_target;
    }
    auto reply = guard::ControlClient(*fs).send(request);
    if (!reply)
      return report_error(err, reply.error());
    if (reply->status != guard::ReplyStatus::ok) {
      err << "clawshield: " << reply->error << "\n";
      return reply->status == guard::ReplyStatus::refused ? k_exit_bad_input : k_exit_pending;
    }
    if (options.json) {
      out << dump_json(reply->document, 2) << "\n";
    } else if (bans_list->parsed()) {
      for (const auto& ban : reply->bans)
        out << ban.source << "  " << ban.remaining << "s left"
            << (ban.offences > 1 ? "  (offence " + std::to_string(ban.offences) + ")" : "")
            << "\n";
      out << reply->bans.size() << " ban(s)\n";
    } else {
      out << (bans_ban->parsed() ? "banned " + reply->banned : "unbanned " + reply->unbanned)
          << "\n";
    }
    return k_exit_ok;
  }
  if (policy_show->parsed()) {
    out << "# effective policy (from " << effective.source << ")\n" << render_policy(effective);
    return k_exit_ok;
  }
  // The admin's SSH session: from the process tree (sudo drops SSH_CONNECTION), in the
  // network namespace just entered.
  auto set = [](const char* name) { return std::getenv(name) && *std::getenv(name); };
  AdminSession session =
      find_admin_session("/proc", ::getpid(), set("SUDO_USER") || set("SUDO_UID"));
  if (session.kind == SessionKind::found)
    host.ssh_connection = session.connection;
  else if (session.kind == SessionKind::unknown)
    host.session_unknown = session.source;
  host.lockout_guard = options.force ? LockoutGuard::forced : LockoutGuard::enforce;
  host.docker_socket = docker_socket_path(effective.docker.socket, std::getenv("DOCKER_HOST"));
  // Plan and verify see the host read-only; apply and rollback change it.
  const HostView view = host.view();
  const Context context{view, effective};
  const ApplyContext changing{host, effective};
  const LayerList layers = all_layers(effective);
  const Style style = make_style(options);

  if (plan->parsed()) {
    // Plan every layer and show what would change.
    Plan result = make_plan(context, layers);
    print_plan(out, result, options.diff, style);
    if (result.has_errors())
      return k_exit_bad_input;
    return result.pending() ? k_exit_pending : k_exit_ok;
  }
  if (apply->parsed()) {
    // An unconfirmed firewall must be confirmed or reverted before the next apply.
    auto pending = read_pending(*fs);
    if (!pending)
      return report_error(err, pending.error());
    if (*pending && (*pending)->state == PendingState::reverting)
      return report_error(err, Error{ErrorCode::refused,
                                     "the rollback of unconfirmed apply " + (*pending)->journal +
                                         " did not finish: run `clawshield rollback` first"});
    if (*pending && (*pending)->state == PendingState::armed) {
      auto now =
          std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch()).count();
      if (now < (*pending)->deadline + 5)
        return report_error(err, Error{ErrorCode::refused,
                                       "apply " + (*pending)->journal +
                                           " awaits confirmation: run `clawshield confirm` "
                                           "from a new SSH connection, or wait for the deadline"});
    }
    // A change left unconfirmed (its watchdog or the boot revert died) is settled first: a new
    // apply on top of it would make it the state a later rollback returns to.
    auto marker = read_unconfirmed(*fs);
    if (!marker)
      return report_error(err, marker.error());
    if (*marker)
      return report_error(
          err, Error{ErrorCode::refused,
                     "apply " + (*marker)->journal +
                         " changed the firewall and was neither confirmed nor rolled back: run "
                         "`clawshield rollback --unconfirmed` (or `clawshield confirm` to keep "
                         "it) first"});
    // Plan, refuse if any layer cannot be planned, then apply under a journal.
    Plan planned = make_plan(context, layers);
    if (planned.has_errors()) {
      print_plan(err, planned, false, Style{});
      err << "clawshield: nothing changed\n";
      return k_exit_bad_input;
    }
    const int timeout =
        options.confirm_timeout >= 0 ? options.confirm_timeout : effective.firewall.confirm_timeout;
    SignalShield shield;
    auto outcome =
        apply_plan(changing, planned, timeout > 0 ? ConfirmFirewall::yes : ConfirmFirewall::no);
    if (!outcome)
      return report_error(err, outcome.error());
    print_apply(out, *outcome, style);
    if (outcome->failure)
      return k_exit_rolled_back;
    // Commit-confirmed: a new firewall restores itself unless confirmed in time (and at the
    // next boot, should the machine reboot first).
    if (outcome->firewall_loaded && timeout > 0) {
      auto deadline = std::chrono::duration_cast<std::chrono::seconds>(
                          (clock.now() + std::chrono::seconds(timeout)).time_since_epoch())
                          .count();
      auto armed = arm_confirmation(host, outcome->journal_id, std::chrono::seconds(timeout),
                                    watchdog_command(host, options, outcome->journal_id, deadline));
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
  if (confirm->parsed()) {
    // Keep the firewall of the last apply.
    std::string detail;
    auto confirmed = confirm_firewall(host, detail);
    if (!confirmed)
      return report_error(err, confirmed.error());
    switch (*confirmed) {
      case ConfirmResult::confirmed:
        out << detail << "\n";
        return k_exit_ok;
      case ConfirmResult::nothing_pending:
        out << "no apply is waiting for confirmation\n";
        return k_exit_ok;
      case ConfirmResult::too_late:
        err << "clawshield: too late: " << detail << "\n";
        return k_exit_pending;
    }
  }
  if (revert->parsed()) {
    // The watchdog: wait for the deadline, then restore unless confirmed.
    auto done = revert_unless_confirmed(host, options.journal, options.deadline);
    if (!done)
      return report_error(err, done.error());
    out << *done << "\n";
    return k_exit_ok;
  }
  if (rollback->parsed()) {
    // Restore what the last apply changed.
    auto outcome =
        rollback_last(changing, options.force ? ChangedPaths::overwrite : ChangedPaths::refuse);
    if (!outcome) {
      err << "clawshield: rollback failed: " << outcome.error().message << "\n";
      return k_exit_rolled_back;
    }
    if (!outcome->changed_since_apply.empty()) {
      // Rolling back would destroy these: say so, change nothing.
      if (options.json)
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
    print_rollback(out, *outcome, style);
    return k_exit_ok;
  }
  if (verify->parsed()) {
    // Run every layer's checks.
    std::optional<std::string> only_layer;
    if (!options.only.empty()) {
      if (!is_layer_name(layers, options.only))
        return report_error(err,
                            Error{ErrorCode::bad_input, "--only: no layer '" + options.only + "'"});
      only_layer = options.only;
    }
    VerifyReport report = run_verify(context, layers, only_layer);
    if (options.checklist) {
      // The seed's checklist, answered by the same findings.
      auto answers = answer_checklist(report, effective);
      print_checklist(out, answers, style);
      return std::ranges::any_of(answers, [](const auto& a) { return a.status == Status::fail; })
                 ? k_exit_pending
                 : k_exit_ok;
    }
    print_verify(out, report, layers, style);
    return report.any_fail() ? k_exit_pending : k_exit_ok;
  }
  return k_exit_bad_input;
}

}  // namespace clawshield
