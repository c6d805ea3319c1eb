// The guard's pieces without root: the detector's window, weights, allowlist, IPv6 prefixes,
// repeat offenders and bounded memory; the file follower's tail -F behaviour (rotation,
// truncation, partial lines, resuming at a saved position); replay of each input format.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "guard/daemon.h"
#include "guard/detector.h"
#include "guard/log_source.h"
#include "guard/replay.h"
#include "host/clock.h"
#include "support/temp_root.h"

namespace clawshield::guard {
namespace {

Event failure(const std::string& address) {
  return Event{EventKind::failed_password, *parse_address(address)};
}

TEST(Detector, FiveFailuresInTheWindowBan) {
  Detector detector(default_guard_settings());
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(detector.observe(failure("203.0.113.1"), 1000 + i));
  auto ban = detector.observe(failure("203.0.113.1"), 1004);
  ASSERT_TRUE(ban);
  EXPECT_EQ(ban->source.text(), "203.0.113.1");
  EXPECT_EQ(ban->failures, 5);
  EXPECT_EQ(ban->duration, 3600);
  EXPECT_EQ(ban->first, 1000);
  // Banned: further failures are not counted again.
  EXPECT_FALSE(detector.observe(failure("203.0.113.1"), 1005));
}

TEST(Detector, FailuresOutsideFindtimeDoNotCount) {
  Detector detector(default_guard_settings());
  // Five failures, but spread over 800 s: at 800 the window (200, 800] holds three.
  for (int i = 0; i <= 4; ++i) EXPECT_FALSE(detector.observe(failure("203.0.113.1"), i * 200));
  EXPECT_FALSE(detector.observe(failure("203.0.113.1"), 801));  // four
  EXPECT_TRUE(detector.observe(failure("203.0.113.1"), 802));   // five
}

TEST(Detector, WeightsAndAllowlist) {
  Detector detector(default_guard_settings());
  for (int i = 0; i < 9; ++i)
    EXPECT_FALSE(
        detector.observe(Event{EventKind::preauth_disconnect, *parse_address("198.51.100.1")}, i));
  EXPECT_TRUE(
      detector.observe(Event{EventKind::preauth_disconnect, *parse_address("198.51.100.1")}, 9));
  for (int i = 0; i < 20; ++i) {
    EXPECT_FALSE(detector.observe(failure("100.100.1.1"), i));  // Tailscale range
    EXPECT_FALSE(detector.observe(failure("127.0.0.1"), i));
    EXPECT_FALSE(
        detector.observe(Event{EventKind::pam_failure, *parse_address("198.51.100.2")}, i));
  }
}

TEST(Detector, IPv6IsCountedPerPrefix) {
  Detector detector(default_guard_settings());
  for (int i = 0; i < 4; ++i)
    EXPECT_FALSE(detector.observe(failure("2001:db8:1:2::" + std::to_string(i + 1)), i));
  auto ban = detector.observe(failure("2001:db8:1:2:ffff::9"), 5);
  ASSERT_TRUE(ban);
  EXPECT_EQ(ban->source.text(), "2001:db8:1:2::/64");
}

TEST(Detector, RepeatOffendersGetLongerBansUpToTheMaximum) {
  auto settings = default_guard_settings();
  settings.bantime_max = 10000;
  Detector detector(settings);
  std::vector<int64_t> durations;
  int64_t t = 0;
  for (int round = 0; round < 4; ++round) {
    std::optional<BanDecision> ban;
    for (int i = 0; i < 5; ++i) ban = detector.observe(failure("203.0.113.9"), t++);
    ASSERT_TRUE(ban);
    durations.push_back(ban->duration);
    t += ban->duration + 1;  // the ban expires
  }
  EXPECT_EQ(durations, (std::vector<int64_t>{3600, 7200, 10000, 10000}));
  EXPECT_EQ(detector.offences()[*parse_address("203.0.113.9")], 4);
}

TEST(Detector, MemoryIsBoundedButBansAreKept) {
  auto settings = default_guard_settings();
  settings.max_tracked = 1000;
  Detector detector(settings);
  for (int i = 0; i < 4; ++i) detector.observe(failure("203.0.113.200"), i);
  for (uint32_t i = 0; i < 100000; ++i) {
    std::string address = "10." + std::to_string(i >> 16 & 255) + "." +
                          std::to_string(i >> 8 & 255) + "." + std::to_string(i & 255);
    detector.observe(failure(address), 10);
    EXPECT_LE(detector.tracked(), 1000u);
  }
  // The oldest counter was evicted: four more failures are needed again.
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(detector.observe(failure("203.0.113.200"), 20 + i));
  EXPECT_TRUE(detector.observe(failure("203.0.113.200"), 25));
}

TEST(Detector, CountersSurviveASnapshot) {
  Detector first(default_guard_settings());
  for (int i = 0; i < 3; ++i) first.observe(failure("203.0.113.3"), i);
  Detector second(default_guard_settings());
  for (const auto& counter : first.counters()) second.restore_counter(counter);
  EXPECT_FALSE(second.observe(failure("203.0.113.3"), 3));
  EXPECT_TRUE(second.observe(failure("203.0.113.3"), 4));
}

class FileFollower : public ::testing::Test {
 protected:
  std::string path() const { return m_dir.path() + "/auth.log"; }
  void append(const std::string& text) { std::ofstream(path(), std::ios::app) << text; }
  std::vector<std::string> poll(LogSource& source) {
    std::vector<std::string> messages;
    auto polled = source.poll([&](const Entry& entry) { messages.emplace_back(entry.message); });
    EXPECT_TRUE(polled);
    return messages;
  }
  static std::string line(const std::string& message) {
    return "2026-11-25T12:00:00+00:00 box sshd[1]: " + message + "\n";
  }
  testing::TempDir m_dir;
};

TEST_F(FileFollower, StartsAtTheEndThenFollowsPartialLinesRotationAndTruncation) {
  append(line("old"));
  auto source = make_file_source(path(), std::nullopt, 2026);
  EXPECT_TRUE(poll(*source).empty());  // history is not replayed
  append(line("one"));
  append("2026-11-25T12:00:00+00:00 box sshd[1]: tw");  // partial
  EXPECT_EQ(poll(*source), std::vector<std::string>{"one"});
  append("o\n");
  EXPECT_EQ(poll(*source), std::vector<std::string>{"two"});

  // Rotation: a last line lands in the old file after the rename; the new file follows.
  std::filesystem::rename(path(), path() + ".1");
  std::ofstream(path() + ".1", std::ios::app) << line("late in the old file");
  append(line("first in the new file"));
  EXPECT_EQ(poll(*source),
            (std::vector<std::string>{"late in the old file", "first in the new file"}));

  // Truncation in place: read again from the start.
  std::filesystem::resize_file(path(), 0);
  append(line("after truncation"));
  EXPECT_EQ(poll(*source), std::vector<std::string>{"after truncation"});
}

TEST_F(FileFollower, ResumesAtASavedPositionAndNotOnAnotherFile) {
  append(line("a"));
  auto source = make_file_source(path(), std::nullopt, 2026);
  append(line("b"));
  EXPECT_EQ(poll(*source), std::vector<std::string>{"b"});
  const std::string saved = source->position();
  append(line("c"));  // while "stopped"
  auto resumed = make_file_source(path(), saved, 2026);
  EXPECT_EQ(poll(*resumed), std::vector<std::string>{"c"});
  // The saved position of a file that was replaced: the new file is read from its start.
  std::filesystem::remove(path());
  append(line("d"));
  auto replaced = make_file_source(path(), saved, 2026);
  EXPECT_EQ(poll(*replaced), std::vector<std::string>{"d"});
}

TEST(Replay, JournalJsonAndExportFormats) {
  const std::string json =
      "{\"__REALTIME_TIMESTAMP\":\"1795608000000000\",\"_UID\":\"0\",\"_COMM\":\"sshd\",\"SYSLOG_"
      "IDENTIFIER\":\"sshd\",\"MESSAGE\":\"Invalid user a from 203.0.113.8 port 1\"}\n"
      "{\"__REALTIME_TIMESTAMP\":\"1795608001000000\",\"_UID\":\"0\",\"_COMM\":\"sshd-session\","
      "\"MESSAGE\":\"Invalid user b from 203.0.113.8 port 2\"}\n"
      // Tagged sshd by its sender, but sent by uid 4242 / by a root process that is not sshd.
      "{\"__REALTIME_TIMESTAMP\":\"1795608002000000\",\"_UID\":\"4242\",\"_COMM\":\"sshd\","
      "\"SYSLOG_IDENTIFIER\":\"sshd\",\"MESSAGE\":\"Invalid user c from 203.0.113.8 port 3\"}\n"
      "{\"__REALTIME_TIMESTAMP\":\"1795608003000000\",\"_UID\":\"0\",\"_COMM\":\"logger\",\"SYSLOG_"
      "IDENTIFIER\":\"sshd\",\"MESSAGE\":\"Invalid user d from 203.0.113.8 port 4\"}\n"
      "{\"__REALTIME_TIMESTAMP\":\"1795608004000000\",\"_UID\":[\"4242\",\"0\"],\"_COMM\":\"sshd\","
      "\"MESSAGE\":\"Invalid user e from 203.0.113.8 port 5\"}\n";
  auto from_json = replay_text(json, default_guard_settings(), 2026);
  EXPECT_EQ(from_json.stats.events, 2u);
  std::string exported;
  for (int i = 0; i < 5; ++i)
    exported +=
        "__REALTIME_TIMESTAMP=179560800" + std::to_string(i) +
        "000000\n_UID=0\n_COMM=sshd\n_EXE=/usr/sbin/sshd\nSYSLOG_IDENTIFIER=sshd\nMESSAGE=Failed "
        "password for root from 203.0.113.8 port 9 ssh2\n\n";
  auto from_export = replay_text(exported, default_guard_settings(), 2026);
  EXPECT_EQ(from_export.stats.events, 5u);
  ASSERT_EQ(from_export.bans.size(), 1u);
  EXPECT_EQ(from_export.bans[0].first, 1795608000);
}

// Journal export with binary fields: KEY, a little-endian 64-bit size, the bytes, '\n'.
std::string binary_field(const std::string& key, const std::string& value) {
  std::string out = key + "\n";
  uint64_t size = value.size();
  for (int i = 0; i < 8; ++i) out += static_cast<char>(size >> (8 * i) & 0xFF);
  return out + value + "\n";
}

TEST(Replay, SenderChosenFieldsNeverMakeAnEntrySshds) {
  // `logger -t sshd` as uid 4242, as journald records it: SYSLOG_IDENTIFIER is the sender's.
  std::string exported;
  for (int i = 0; i < 6; ++i)
    exported +=
        "__REALTIME_TIMESTAMP=179560800" + std::to_string(i) +
        "000000\n_UID=4242\n_GID=4242\n_COMM=logger\n_EXE=/usr/bin/logger\n"
        "SYSLOG_IDENTIFIER=sshd\nMESSAGE=Failed password for root from 10.9.9.9 port 5555 ssh2\n\n";
  // No trusted field at all (a crafted file): not counted either.
  for (int i = 0; i < 6; ++i)
    exported += "__REALTIME_TIMESTAMP=179560801" + std::to_string(i) +
                "000000\nSYSLOG_IDENTIFIER=sshd\nMESSAGE=Failed password for root from 10.9.9.9 "
                "port 5555 ssh2\n\n";
  auto replayed = replay_text(exported, default_guard_settings(), 2026);
  EXPECT_EQ(replayed.stats.sshd_lines, 0u);
  EXPECT_TRUE(replayed.bans.empty());
}

TEST(Replay, BinaryMessageIsReadByItsSizeAndCannotInjectEntries) {
  // A local user's message with a control byte is stored as a binary field; its bytes try to
  // end the entry and start a forged one from sshd.
  const std::string forged =
      "x\n\n__REALTIME_TIMESTAMP=1795608000000000\n_UID=0\n_COMM=sshd\n_EXE=/usr/sbin/sshd\n"
      "SYSLOG_IDENTIFIER=sshd\nMESSAGE=Failed password for root from 10.9.9.9 port 5555 ssh2\n\n"
      "SYSLOG_IDENTIFIER=sshd\nMESSAGE=Failed password for root from 10.9.9.9 port 5555 ssh2\x01";
  std::string exported;
  for (int i = 0; i < 6; ++i)
    exported += "__CURSOR=s=1;i=" + std::to_string(i) + "\n__REALTIME_TIMESTAMP=179560800" +
                std::to_string(i) + "000000\n" + binary_field("MESSAGE", forged) +
                "_UID=4242\n_COMM=logger\n_EXE=/usr/bin/logger\nSYSLOG_IDENTIFIER=x\n\n";
  auto replayed = replay_text(exported, default_guard_settings(), 2026);
  EXPECT_EQ(replayed.stats.lines, 6u);
  EXPECT_EQ(replayed.stats.sshd_lines, 0u);
  EXPECT_TRUE(replayed.bans.empty());

  // sshd's own binary message (a user name with a newline and a control byte), 266 bytes long
  // so that its size holds a '\n' byte too: read whole, counted.
  std::string message = "Failed password for invalid user a\nb\x01";
  const std::string tail = " from 10.9.9.8 port 5555 ssh2";
  message += std::string(266 - message.size() - tail.size(), 'u') + tail;
  ASSERT_EQ(message.size(), 266u);
  std::string real;
  for (int i = 0; i < 5; ++i)
    real += "__CURSOR=s=2;i=" + std::to_string(i) + "\n__REALTIME_TIMESTAMP=179560801" +
            std::to_string(i) + "000000\n_UID=0\n_COMM=sshd\n" + binary_field("MESSAGE", message) +
            "_EXE=/usr/sbin/sshd\n\n";
  auto counted = replay_text(real, default_guard_settings(), 2026);
  EXPECT_EQ(counted.stats.lines, 5u);
  EXPECT_EQ(counted.stats.events, 5u);
  ASSERT_EQ(counted.bans.size(), 1u);
  EXPECT_EQ(counted.bans[0].source.text(), "10.9.9.8");
}

TEST(Replay, TrustedFieldsDecideWhatIsSshd) {
  EXPECT_EQ(sshd_program_of({"0", "sshd", "/usr/sbin/sshd", ""}), "sshd");
  EXPECT_EQ(sshd_program_of({"0", "sshd-session", "/usr/lib/openssh/sshd-session", ""}),
            "sshd-session");
  EXPECT_EQ(sshd_program_of({"0", "", "/usr/libexec/openssh/sshd-auth", ""}), "sshd-auth");
  EXPECT_EQ(sshd_program_of({"0", "", "", "ssh@3-10.0.0.1:22-10.0.0.9:5555.service"}), "sshd");
  EXPECT_EQ(sshd_program_of({"0", "", "", "ssh.service"}), "sshd");
  // Not root, not sshd, or not shown to be.
  EXPECT_EQ(sshd_program_of({"4242", "sshd", "/usr/sbin/sshd", "ssh.service"}), "");
  EXPECT_EQ(sshd_program_of({"0", "logger", "/usr/bin/logger", ""}), "");
  EXPECT_EQ(sshd_program_of({"0", "", "/home/eve/sshd", ""}), "");
  EXPECT_EQ(sshd_program_of({"", "sshd", "/usr/sbin/sshd", ""}), "");
  EXPECT_EQ(sshd_program_of({"0", "sshd", "/usr/sbin/sshd", "", true}), "");
  // _EXE decides when journald recorded it: a symlink named sshd to a set-uid program gives
  // the process that name, not sshd's binary.
  EXPECT_EQ(sshd_program_of({"0", "sshd", "/usr/bin/sudo", ""}), "");
  EXPECT_EQ(sshd_program_of({"0", "sshd", "/usr/sbin/sshd (deleted)", ""}), "sshd");
  EXPECT_EQ(sshd_program_of({"0", "logger", "", "", false, "sshd"}), "");
  // A sender that exited before journald read /proc: only uid 0 and its tag are left.
  EXPECT_EQ(sshd_program_of({"0", "", "", "", false, "sshd-session"}), "sshd-session");
  EXPECT_EQ(sshd_program_of({"4242", "", "", "", false, "sshd"}), "");
  EXPECT_EQ(sshd_program_of({"", "", "", "", false, "sshd"}), "");
}

TEST(Detector, APrefixBanNeverCoversTheAllowlist) {
  auto settings = default_guard_settings();
  settings.allowlist.push_back(*parse_network("2001:db8:1:2::10"));
  Detector detector(settings);
  std::optional<BanDecision> ban;
  for (int i = 0; i < 5; ++i) ban = detector.observe(failure("2001:db8:1:2::99"), i);
  ASSERT_TRUE(ban);
  EXPECT_TRUE(contains(ban->source, *parse_address("2001:db8:1:2::99")));
  EXPECT_FALSE(contains(ban->source, *parse_address("2001:db8:1:2::10"))) << ban->source.text();
  EXPECT_GE(ban->source.prefix, 64);
  EXPECT_EQ(ban->source.text(), "2001:db8:1:2::80/121");
  // Elsewhere the /64 is still banned whole.
  for (int i = 0; i < 5; ++i) ban = detector.observe(failure("2001:db8:1:3::99"), i);
  ASSERT_TRUE(ban);
  EXPECT_EQ(ban->source.text(), "2001:db8:1:3::/64");
}

TEST(Detector, AShortIpv6PrefixNeverBansTheTailnet) {
  auto settings = default_guard_settings();
  settings.ipv6_prefix = 32;
  Detector detector(settings);
  std::optional<BanDecision> ban;
  for (int i = 0; i < 5; ++i) ban = detector.observe(failure("fd7a:115c:1234::5"), i);
  ASSERT_TRUE(ban);
  EXPECT_FALSE(overlaps(ban->source, *parse_network("fd7a:115c:a1e0::/48"))) << ban->source.text();
  EXPECT_GE(ban->source.prefix, k_min_ban_prefix_v6);
  EXPECT_TRUE(contains(ban->source, *parse_address("fd7a:115c:1234::5")));
  // A source far from any allowlisted network: never wider than the minimum prefix.
  for (int i = 0; i < 5; ++i) ban = detector.observe(failure("2001:db8:77::1"), i);
  ASSERT_TRUE(ban);
  EXPECT_EQ(ban->source.text(), "2001:db8:77::/48");
}

TEST(Detector, BansByHandAreCheckedForWidthAndAllowlist) {
  const auto allowlist = default_guard_settings().allowlist;
  for (const char* refused : {"0.0.0.0/0", "100.0.0.0/8", "10.0.0.0/16", "::/0", "2001:db8::/32",
                              "100.64.0.0/24", "100.100.1.1", "127.0.0.1", "fd7a:115c:a1e0::/56",
                              "fd7a:115c:a1e0::7", "::1", "not-an-address", "10.0.0.1/33", ""}) {
    auto checked = check_ban_request(refused, allowlist);
    EXPECT_FALSE(checked) << refused;
    if (!checked) {
      EXPECT_EQ(checked.error().code, ErrorCode::bad_input);
    }
  }
  for (const char* accepted : {"203.0.113.7", "203.0.113.0/24", "2001:db8:1::/48", "2001:db8::1",
                               "fd7a:115c:a1e1::/48", "::ffff:203.0.113.9"}) {
    auto checked = check_ban_request(accepted, allowlist);
    EXPECT_TRUE(checked) << accepted << ": " << (checked ? "" : checked.error().message);
  }
  EXPECT_NE(check_ban_request("100.0.0.0/8", allowlist).error().message.find("/24"),
            std::string::npos);
  EXPECT_NE(check_ban_request("100.64.0.0/24", allowlist).error().message.find("allowlist"),
            std::string::npos);
}

// Whether auth.log repeats the journal: /dev/log is journald's socket (systemd's link).
TEST(LogSources, SyslogThroughJournaldIsSeenByDevLog) {
  testing::TempDir root;
  auto fs = Filesystem::open(root.path());
  ASSERT_TRUE(fs);
  EXPECT_FALSE(syslog_goes_through_journald(*fs));  // no /dev/log
  std::filesystem::create_directories(root.path() + "/dev");
  std::filesystem::create_symlink("/run/rsyslog/log", root.path() + "/dev/log");
  EXPECT_FALSE(syslog_goes_through_journald(*fs));
  std::filesystem::remove(root.path() + "/dev/log");
  std::filesystem::create_symlink("/run/systemd/journal/dev-log", root.path() + "/dev/log");
  EXPECT_TRUE(syslog_goes_through_journald(*fs));
}

// The CLI refuses before it asks the guard (exit 2, the reason; the guard need not run).
TEST(BansCli, RefusesBansTooWideOrCoveringTheAllowlist) {
  testing::TempDir root;
  for (const char* target : {"0.0.0.0/0", "100.0.0.0/8", "2001:db8::/32", "100.64.0.0/24",
                             "fd7a:115c:a1e0::/64", "127.0.0.1"}) {
    auto refused =
        testing::run_clawshield({"bans", "ban", target, "--for", "60s", "--root", root.path()});
    EXPECT_EQ(refused.exit_code, 2) << target;
    EXPECT_NE(refused.err.find("refusing to ban"), std::string::npos)
        << target << ": " << refused.err;
  }
  // A sane ban goes on to the guard (which is not running here).
  auto asked = testing::run_clawshield({"bans", "ban", "203.0.113.0/24", "--root", root.path()});
  EXPECT_NE(asked.err.find("not running"), std::string::npos) << asked.err;
}

// Ban sets that are loaded and empty; every command the guard sends is kept.
class EmptyBanSets final : public Nftables {
 public:
  Result<std::string> run(std::string_view commands, NftOutput output) override {
    calls.emplace_back(commands);
    if (commands.starts_with("list ") && output == NftOutput::json)
      return std::string(R"({"nftables": []})");
    return std::string();
  }
  std::vector<std::string> calls;
};

class NoCommands final : public CommandRunner {
 public:
  Result<CommandResult> run(const Command& command) override {
    return fail(ErrorCode::not_found, "cannot run " + command.argv.front());
  }
  Result<void> spawn_detached(const Command& command) override {
    return fail(ErrorCode::not_found, "cannot run " + command.argv.front());
  }
};

// The daemon reads time from the host's clock: a saved ban whose end has passed on that clock
// is not put back after a reboot, one still running is put back for the time it has left.
// The clock is years from the real one, so a daemon reading the system clock fails both.
// No sleeping: a SIGTERM pending before the start ends the loop at its first wait.
TEST(Daemon, SavedBansExpireOnTheHostsClock) {
  const int64_t now = 1'000'000'000;  // 2001-09-09
  testing::TempDir root;
  testing::write_file(root.path(), std::string(k_guard_state_dir) + "/state.json",
                      R"({"bans": {"198.51.100.7": )" + std::to_string(now - 1) +
                          R"(, "198.51.100.8": )" + std::to_string(now + 500) + "}}",
                      0600);
  auto fs = Filesystem::open(root.path());
  ASSERT_TRUE(fs);
  NoCommands runner;
  ManualClock clock{std::chrono::system_clock::time_point(std::chrono::seconds(now))};
  EmptyBanSets nft;
  Host host{*fs, runner, clock, nft, Liveness::offline, false};
  DaemonOptions options;
  options.journal = false;
  std::ostringstream log;

  sigset_t term, before;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  ASSERT_EQ(::pthread_sigmask(SIG_BLOCK, &term, &before), 0);
  ASSERT_EQ(::raise(SIGTERM), 0);  // pending until the daemon's signalfd reads it
  run_daemon(
      host, Policy{}, options, [] { return Result<Policy>(Policy{}); }, log);
  // A daemon that failed before its loop left the signal pending: take it before unblocking.
  const timespec no_wait{};
  ::sigtimedwait(&term, nullptr, &no_wait);
  ::pthread_sigmask(SIG_SETMASK, &before, nullptr);

  std::vector<std::string> added;
  for (const auto& call : nft.calls)
    if (call.starts_with("add element"))
      added.push_back(call);
  ASSERT_EQ(added.size(), 1u) << log.str();
  EXPECT_EQ(added[0].find("198.51.100.7"), std::string::npos) << added[0];
  EXPECT_NE(added[0].find("198.51.100.8 timeout 500s"), std::string::npos) << added[0];
  EXPECT_NE(log.str().find("1 restored from the saved state"), std::string::npos) << log.str();
}

}  // namespace
}  // namespace clawshield::guard
