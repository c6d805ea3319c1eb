// The guard reading the systemd journal (sd-journal), from journal files written by
// systemd-journal-remote out of export format: it follows the files while they grow, and a
// restart in the middle of an attack neither loses a failure (one logged while it was down
// is read from the saved cursor; those before are in the saved counters) nor counts one twice
// (the ban comes at exactly the 5th).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <thread>

#include "support/netns.h"
#include "support/temp_root.h"

namespace clawshield {
namespace {

using testing::NetnsHarness;

class GuardJournal : public ::testing::Test {
 protected:
  void SetUp() override {
    SKIP_UNLESS_NETNS();
    if (!std::filesystem::exists("/lib/systemd/systemd-journal-remote"))
      GTEST_SKIP() << "systemd-journal-remote not installed";
    m_net = std::make_unique<NetnsHarness>();
    testing::seed_minimal_root(root());
    m_journal = m_net->work_dir() + "/journal";
    std::filesystem::create_directories(m_journal);
    auto applied = testing::run_clawshield(
        {"apply", "--root", root(), "--netns", m_net->server(), "--confirm-timeout", "0"});
    ASSERT_EQ(applied.exit_code, 0) << applied.err;
  }

  const std::string& root() const { return m_root.path(); }
  std::string guard_log() const { return m_net->work_dir() + "/guard.log"; }

  // Appends one sshd entry to the journal file, as journald would have written it for sshd
  // (root, its process name): the fields that show who sent it come with it.
  void journal_line(const std::string& program, const std::string& message) {
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    const std::string export_file = m_net->work_dir() + "/entry.export";
    std::ofstream(export_file) << "__REALTIME_TIMESTAMP=" << micros
                               << "\n__MONOTONIC_TIMESTAMP=" << ++m_monotonic
                               << "\n_BOOT_ID=0123456789abcdef0123456789abcdef\n"
                               << "SYSLOG_IDENTIFIER=" << program
                               << "\n_PID=4242\n_UID=0\n_COMM=" << program
                               << "\nMESSAGE=" << message << "\n\n";
    ProcessRunner runner;
    auto written = runner.run(Command({"/lib/systemd/systemd-journal-remote", "-o",
                                       m_journal + "/" + m_journal_file, export_file}));
    ASSERT_TRUE(written && written->ok()) << (written ? written->err : written.error().message);
  }

  void failure(int n) {
    journal_line(
        n % 2 ? "sshd" : "sshd-session",
        "Failed password for root from 203.0.113.5 port " + std::to_string(40000 + n) + " ssh2");
  }

  // `wait` for it to say it watches (else return at once); `log_file` besides the journal.
  void start_guard(bool wait = true, const std::string& log_file = "/var/log/none.log") {
    std::filesystem::remove(root() + "/run/clawshield/guard.sock");
    m_guard = std::make_unique<testing::BackgroundProcess>(
        std::vector<std::string>{CLAWSHIELD_BINARY, "guard", "--root", root(), "--netns",
                                 m_net->server(), "--journal-dir", m_journal, "--log-file",
                                 log_file},
        guard_log());
    for (int i = 0; wait && i < 50 &&
                    testing::read_file("", guard_log()).find("watching") == std::string::npos;
         ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }

  bool wait_for_ban(const std::string& source) {
    for (int i = 0; i < 40; ++i) {
      if (bans().find(source) != std::string::npos)
        return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  static size_t count(const std::string& text, const std::string& needle) {
    size_t n = 0;
    for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
      ++n;
    return n;
  }

  void stop_guard() {
    ::kill(m_guard->pid(), SIGTERM);
    for (int i = 0; i < 50 && m_guard->running(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    m_guard.reset();
  }

  std::string bans() { return testing::run_clawshield({"bans", "list", "--root", root()}).out; }

  testing::TempDir m_root;
  std::unique_ptr<NetnsHarness> m_net;
  std::unique_ptr<testing::BackgroundProcess> m_guard;
  std::string m_journal;
  std::string m_journal_file = "remote.journal";
  int m_monotonic = 0;
};

TEST_F(GuardJournal, FollowsTheJournalAcrossARestartWithoutLosingOrDoubleCounting) {
  journal_line("sshd", "Server listening on 0.0.0.0 port 22.");  // the journal exists before
  start_guard();
  for (int n = 1; n <= 3; ++n) failure(n);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_NE(bans().find("0 ban(s)"), std::string::npos);
  stop_guard();

  failure(4);  // logged while no guard runs
  start_guard();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_NE(bans().find("0 ban(s)"), std::string::npos) << testing::read_file("", guard_log());

  failure(5);
  std::string listed;
  for (int i = 0; i < 30; ++i) {
    listed = bans();
    if (listed.find("203.0.113.5") != std::string::npos)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_NE(listed.find("203.0.113.5"), std::string::npos) << testing::read_file("", guard_log());
  // Exactly five failures counted: none lost, none twice.
  EXPECT_NE(testing::read_file("", guard_log()).find("ban 203.0.113.5 for 3600s: 5 failures"),
            std::string::npos)
      << testing::read_file("", guard_log());
}

TEST_F(GuardJournal, NotifiesSystemdReloadsOnHupAndWritesMetrics) {
  // A stand-in for systemd's notification socket.
  const std::string notify_path = m_net->work_dir() + "/notify.sock";
  int notify = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, notify_path.c_str(), sizeof address.sun_path - 1);
  ASSERT_EQ(::bind(notify, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  timeval timeout{3, 0};
  ::setsockopt(notify, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setenv("NOTIFY_SOCKET", notify_path.c_str(), 1);
  ::setenv("WATCHDOG_USEC", "1000000", 1);
  start_guard();
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");
  std::vector<std::string> messages;
  for (int i = 0; i < 2; ++i) {
    char buffer[256];
    ssize_t n = ::recv(notify, buffer, sizeof buffer, 0);
    if (n > 0)
      messages.emplace_back(buffer, static_cast<size_t>(n));
  }
  ::close(notify);
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0], "READY=1");
  EXPECT_EQ(messages[1], "WATCHDOG=1");

  // SIGHUP reloads the policy; a broken policy is refused and the old one kept.
  testing::write_file(root(), "/etc/clawshield/policy.yaml", "guard:\n  maxretry: 3\n");
  ::kill(m_guard->pid(), SIGHUP);
  for (int n = 1; n <= 3; ++n) failure(n);
  std::string listed;
  for (int i = 0; i < 30 && listed.find("203.0.113.5") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    listed = bans();
  }
  EXPECT_NE(testing::read_file("", guard_log()).find("policy reloaded"), std::string::npos);
  EXPECT_NE(listed.find("203.0.113.5"), std::string::npos) << testing::read_file("", guard_log());
  testing::write_file(root(), "/etc/clawshield/policy.yaml", "guard:\n  maxretry: many\n");
  ::kill(m_guard->pid(), SIGHUP);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_NE(testing::read_file("", guard_log()).find("reload refused"), std::string::npos);

  stop_guard();  // writes the metrics on the way out
  const std::string metrics = testing::read_file(root(), "/var/lib/clawshield/guard/metrics.prom");
  EXPECT_NE(metrics.find("clawshield_guard_bans_total 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("clawshield_guard_events_total{kind=\"failed_password\"} 3"),
            std::string::npos)
      << metrics;
}

// Issue 11 item 16: the first start on a journal with no sshd entry yet sought "the tail", and
// sd-journal's next entry from there is the LAST one present by then — a burst written while
// the guard started was read from its middle (3-5 of 5 lines). Now a first start reads from a
// point in time (the last findtime), so every line of the burst counts. Each round: no state,
// a fresh journal, the burst written at once after the guard is started.
TEST_F(GuardJournal, FirstStartCountsEveryLineOfABurstWrittenWhileItStarts) {
  for (int round = 1; round <= 4; ++round) {
    std::filesystem::remove(root() + "/var/lib/clawshield/guard/state.json");
    m_journal_file = "round" + std::to_string(round) + ".journal";
    std::filesystem::remove_all(m_journal);
    std::filesystem::create_directories(m_journal);
    const std::string source = "203.0.113." + std::to_string(100 + round);
    std::filesystem::remove(guard_log());
    start_guard(/*wait=*/false);
    for (int n = 1; n <= 5; ++n)
      journal_line("sshd", "Failed password for root from " + source + " port " +
                               std::to_string(40000 + n) + " ssh2");
    EXPECT_TRUE(wait_for_ban(source)) << "round " << round << "\n"
                                      << testing::read_file("", guard_log());
    EXPECT_NE(testing::read_file("", guard_log()).find("ban " + source + " for 3600s: 5 failures"),
              std::string::npos)
        << "round " << round << "\n"
        << testing::read_file("", guard_log());
    stop_guard();
  }
}

// Issue 11 item 5: with rsyslog, auth.log repeats the journal's entries (journald owns /dev/log
// and forwards to rsyslog). Reading both counted every failure twice: 3 failures banned.
TEST_F(GuardJournal, AuthLogFedFromTheJournalDoesNotCountFailuresTwice) {
  std::filesystem::create_directories(root() + "/dev");
  std::filesystem::create_directory_symlink("/run/systemd/journal/dev-log", root() + "/dev/log");
  journal_line("sshd", "Server listening on 0.0.0.0 port 22.");
  const std::string auth_log = root() + "/var/log/auth.log";
  std::filesystem::create_directories(root() + "/var/log");
  std::ofstream(auth_log) << "";
  start_guard(/*wait=*/true, "/var/log/auth.log");
  auto both = [&](int n) {
    failure(n);
    char now[32];
    const std::time_t seconds = std::time(nullptr);
    std::strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%S", std::gmtime(&seconds));
    std::ofstream(auth_log, std::ios::app)
        << now << ".000000+00:00 vm sshd[4242]: Failed password for root from 203.0.113.5 port "
        << 40000 + n << " ssh2\n";
  };
  for (int n = 1; n <= 3; ++n) both(n);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_NE(bans().find("0 ban(s)"), std::string::npos) << testing::read_file("", guard_log());
  for (int n = 4; n <= 5; ++n) both(n);
  EXPECT_TRUE(wait_for_ban("203.0.113.5")) << testing::read_file("", guard_log());
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const std::string log = testing::read_file("", guard_log());
  EXPECT_EQ(count(log, "guard: ban 203.0.113.5"), 1u) << log;
  EXPECT_NE(log.find("ban 203.0.113.5 for 3600s: 5 failures"), std::string::npos) << log;
}

// A reboot empties the kernel's ban sets (the boot unit loads the table with empty sets): the
// guard puts back every ban it had, for the time it has left — not a fresh full ban — and not
// one lifted by hand before.
TEST_F(GuardJournal, RestoresBansAKernelLostWithTheirRemainingTime) {
  journal_line("sshd", "Server listening on 0.0.0.0 port 22.");
  start_guard();
  for (const auto& [source, seconds] : std::vector<std::pair<std::string, std::string>>{
           {"198.51.100.9", "600"}, {"198.51.100.10", "600"}, {"2001:db8:7::/48", "900"}}) {
    auto banned =
        testing::run_clawshield({"bans", "ban", "--root", root(), "--for", seconds, source});
    ASSERT_EQ(banned.exit_code, 0) << banned.out << banned.err;
  }
  auto unbanned = testing::run_clawshield({"bans", "unban", "--root", root(), "198.51.100.10"});
  ASSERT_EQ(unbanned.exit_code, 0) << unbanned.err;
  stop_guard();
  // The reboot, as the kernel sees it: the sets are empty again.
  for (const char* set : {"ban_v4", "ban_v6"}) {
    auto flushed =
        m_net->run_in(m_net->server(), {"nft", "flush", "set", "inet", "clawshield", set});
    ASSERT_EQ(flushed.exit_code, 0) << flushed.err;
  }
  auto emptied =
      m_net->run_in(m_net->server(), {"nft", "list", "set", "inet", "clawshield", "ban_v4"});
  ASSERT_EQ(emptied.out.find("198.51.100.9"), std::string::npos) << emptied.out;
  std::this_thread::sleep_for(std::chrono::seconds(2));
  start_guard(false);
  for (int i = 0; i < 50 && count(testing::read_file("", guard_log()), "watching") < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const std::string listed = bans();
  const std::string log = testing::read_file("", guard_log());
  EXPECT_NE(log.find("2 restored from the saved state"), std::string::npos) << log << listed;
  EXPECT_EQ(listed.find("198.51.100.10"), std::string::npos) << listed;
  auto left = [&](const std::string& source) {
    size_t at = listed.find(source + "  ");
    if (at == std::string::npos)
      return -1L;
    return std::strtol(listed.c_str() + at + source.size() + 2, nullptr, 10);
  };
  // Two seconds and more passed: less than it had, but not gone and not reset.
  EXPECT_GT(left("198.51.100.9"), 500) << listed;
  EXPECT_LE(left("198.51.100.9"), 598) << listed;
  EXPECT_GT(left("2001:db8:7::/48"), 800) << listed;
  EXPECT_LE(left("2001:db8:7::/48"), 898) << listed;
}

}  // namespace
}  // namespace clawshield
