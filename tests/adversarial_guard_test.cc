// The guard against the people who can write to its inputs, with a real systemd-journald (in a
// private mount namespace, its journal in a temp folder) and a real unprivileged user (uid
// 4242): `logger -t sshd "Failed password … from ADDR"` — the tag is the sender's to choose,
// and so is a process name — must never get ADDR banned, while a real sshd's failures, logged
// through the same journald, still are (without systemd as PID 1 there is no _SYSTEMD_UNIT:
// sshd's _COMM/_EXE and _UID=0 must suffice). Also: a first start on the journal counts every
// line of a burst written while it starts, and the control socket itself refuses bans that are
// too wide or cover the allowlist, whoever the client is.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/text.h"
#include "support/netns.h"
#include "support/temp_root.h"

namespace clawshield {
namespace {

using testing::NetnsHarness;

constexpr const char* k_journald = "/lib/systemd/systemd-journald";
constexpr int k_attacker_uid = 4242;

[[noreturn]] void die(const char* what) {
  std::perror(what);
  std::_Exit(90);
}

void bind_or_die(const std::string& source, const std::string& target) {
  if (::mount(source.c_str(), target.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
    die(target.c_str());
}

pid_t spawn(const std::vector<std::string>& argv) {
  pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<char*> args;
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    die(args[0]);
  }
  return pid;
}

volatile sig_atomic_t g_stop = 0;
void on_term(int) {
  g_stop = 1;
}

// The child that owns the private mount namespace: a tmpfs /dev (device nodes bound back in)
// and /run, the journal folder bound from `work`, journald started and /dev/log linked to its
// socket as systemd does, then (with an sshd config) sshd in network namespace `netns`.
[[noreturn]] void run_sandbox(const std::string& work, const std::string& netns,
                              const std::string& sshd_config) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  int net = ::open(("/run/netns/" + netns).c_str(), O_RDONLY | O_CLOEXEC);
  if (net < 0)
    die("netns");
  if (::unshare(CLONE_NEWNS) != 0 ||
      ::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    die("private mount namespace");
  const std::string saved_dev = work + "/dev.real";
  ::mkdir(saved_dev.c_str(), 0755);
  bind_or_die("/dev", saved_dev);
  if (::mount("tmpfs", "/dev", "tmpfs", 0, "mode=0755") != 0)
    die("tmpfs /dev");
  for (const char* node :
       {"null", "zero", "full", "random", "urandom", "tty", "ptmx", "pts", "shm"}) {
    const std::string source = saved_dev + "/" + node, target = std::string("/dev/") + node;
    struct stat st {};
    if (::stat(source.c_str(), &st) != 0)
      continue;
    if (S_ISDIR(st.st_mode))
      ::mkdir(target.c_str(), 0755);
    else
      ::close(::open(target.c_str(), O_CREAT | O_WRONLY, 0666));
    bind_or_die(source, target);
  }
  if (::mount("tmpfs", "/run", "tmpfs", 0, "mode=0755") != 0)
    die("tmpfs /run");
  for (const char* dir : {"/run/log", "/run/log/journal", "/run/systemd", "/run/sshd"})
    ::mkdir(dir, 0755);
  bind_or_die(work + "/journal", "/run/log/journal");
  if (std::filesystem::is_directory("/var/log/journal"))
    bind_or_die(work + "/var-journal", "/var/log/journal");  // never the machine's own journal
  if (sshd_config.empty())  // root's own "sshd" for the tests: logger, at sshd's path
    bind_or_die(work + "/bin/sshd", "/usr/sbin/sshd");
  pid_t journald = spawn({k_journald});
  for (int i = 0; i < 100 && !std::filesystem::exists("/run/systemd/journal/dev-log"); ++i)
    ::usleep(50000);
  if (::symlink("/run/systemd/journal/dev-log", "/dev/log") != 0)
    die("/dev/log");
  pid_t sshd = -1;
  if (!sshd_config.empty()) {
    if (::setns(net, CLONE_NEWNET) != 0)
      die("setns");
    sshd = spawn({"/usr/sbin/sshd", "-D", "-f", sshd_config});
  }
  std::ofstream(work + "/sandbox.ready") << "ready\n";
  struct sigaction action {};
  action.sa_handler = on_term;
  ::sigaction(SIGTERM, &action, nullptr);
  while (!g_stop) {
    int status = 0;
    pid_t gone = ::waitpid(-1, &status, WNOHANG);
    if (gone > 0 && (gone == journald || gone == sshd))
      break;
    ::usleep(100000);
  }
  for (pid_t pid : {sshd, journald})
    if (pid > 0) {
      ::kill(pid, SIGTERM);
      ::waitpid(pid, nullptr, 0);
    }
  std::_Exit(0);
}

class AdversarialGuard : public ::testing::Test {
 protected:
  void SetUp() override {
    SKIP_UNLESS_NETNS();
    for (const char* tool : {k_journald, "/usr/bin/logger", "/usr/bin/setpriv", "/usr/bin/nsenter",
                             "/usr/bin/journalctl"})
      if (!std::filesystem::exists(tool))
        GTEST_SKIP() << tool << " not installed";
    m_net = std::make_unique<NetnsHarness>();
    testing::seed_minimal_root(root());
    // The unprivileged user must reach /dev/log and run the copied binary under the work dir.
    std::filesystem::permissions(m_work.path(), std::filesystem::perms(0755));
    for (const char* dir : {"/journal", "/var-journal", "/bin"})
      std::filesystem::create_directories(m_work.path() + dir);
    // A binary named sshd that anyone may run: its process name (_COMM) is "sshd".
    std::filesystem::copy_file("/usr/bin/logger", fake_sshd());
    std::filesystem::permissions(fake_sshd(), std::filesystem::perms(0755));
    auto applied = testing::run_clawshield(
        {"apply", "--root", root(), "--netns", m_net->server(), "--confirm-timeout", "0"});
    ASSERT_EQ(applied.exit_code, 0) << applied.err;
  }

  void TearDown() override {
    m_guard.reset();
    if (m_sandbox > 0) {
      ::kill(m_sandbox, SIGTERM);
      ::waitpid(m_sandbox, nullptr, 0);
    }
  }

  // journald (and sshd, when `with_sshd`) in their own mount namespace.
  void start_sandbox(bool with_sshd) {
    std::string sshd_config;
    if (with_sshd) {
      const std::string dir = m_work.path();
      ProcessRunner runner;
      (void)runner.run(
          Command({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir + "/host_key"}));
      sshd_config = dir + "/sshd_config";
      std::ofstream(sshd_config) << "Port 22\nListenAddress 0.0.0.0\nListenAddress ::\n"
                                 << "HostKey " << dir << "/host_key\nPidFile " << dir
                                 << "/sshd.pid\n"
                                 << "UsePAM no\nStrictModes no\nPasswordAuthentication yes\n"
                                 << "PermitRootLogin yes\nSyslogFacility AUTH\nLogLevel INFO\n";
    }
    m_sandbox = ::fork();
    ASSERT_GE(m_sandbox, 0);
    if (m_sandbox == 0)
      run_sandbox(m_work.path(), m_net->server(), sshd_config);
    for (int i = 0; i < 100 && !std::filesystem::exists(m_work.path() + "/sandbox.ready"); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_TRUE(std::filesystem::exists(m_work.path() + "/sandbox.ready"))
        << "journald did not start";
    if (with_sshd) {
      bool open = false;
      for (int i = 0; i < 50 && !open; ++i) {
        open = m_net->probe_one(m_net->server(), "127.0.0.1", 22, 200) == testing::PortState::open;
        if (!open)
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      ASSERT_TRUE(open) << "sshd did not start";
    }
  }

  void start_guard(bool wait = true) {
    std::filesystem::remove(root() + "/run/clawshield/guard.sock");
    m_guard = std::make_unique<testing::BackgroundProcess>(
        std::vector<std::string>{CLAWSHIELD_BINARY, "guard", "--root", root(), "--netns",
                                 m_net->server(), "--journal-dir", m_work.path() + "/journal",
                                 "--log-file", "/var/log/none.log"},
        guard_log());
    for (int i = 0; wait && i < 50 &&
                    testing::read_file("", guard_log()).find("watching") == std::string::npos;
         ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }

  void stop_guard() {
    ::kill(m_guard->pid(), SIGTERM);
    for (int i = 0; i < 50 && m_guard->running(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    m_guard.reset();
  }

  // `argv` inside the sandbox's mount namespace (its /dev/log is journald's), as `uid`.
  CommandResult in_sandbox(int uid, const std::vector<std::string>& argv) {
    std::vector<std::string> full = {"/usr/bin/nsenter", "-t", std::to_string(m_sandbox), "-m",
                                     "--"};
    if (uid != 0) {
      const std::string id = std::to_string(uid);
      full.insert(full.end(),
                  {"/usr/bin/setpriv", "--reuid=" + id, "--regid=" + id, "--clear-groups"});
    }
    full.insert(full.end(), argv.begin(), argv.end());
    ProcessRunner runner;
    auto ran = runner.run(Command(full));
    return ran ? *ran : CommandResult{-1, "", ran.error().message};
  }

  static std::string failure(const std::string& address, int n) {
    return "Failed password for root from " + address + " port " + std::to_string(5550 + n) +
           " ssh2";
  }

  // Entries in the journal whose MESSAGE mentions `needle`, as JSON lines.
  std::vector<std::string> journal_entries(const std::string& needle) {
    ProcessRunner runner;
    auto listed =
        runner.run(Command({"/usr/bin/journalctl", "--directory=" + m_work.path() + "/journal",
                            "-o", "json", "--no-pager"}));
    std::vector<std::string> found;
    if (!listed)
      return found;
    std::istringstream lines(listed->out);
    for (std::string line; std::getline(lines, line);)
      if (line.find(needle) != std::string::npos)
        found.push_back(line);
    return found;
  }

  size_t wait_for_entries(const std::string& needle, size_t count) {
    size_t seen = 0;
    for (int i = 0; i < 50 && seen < count; ++i) {
      seen = journal_entries(needle).size();
      if (seen < count)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return seen;
  }

  std::string bans() { return testing::run_clawshield({"bans", "list", "--root", root()}).out; }

  bool wait_for_ban(const std::string& source, int tenths = 50) {
    for (int i = 0; i < tenths; ++i) {
      if (bans().find(source) != std::string::npos)
        return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  const std::string& root() const { return m_root.path(); }
  std::string guard_log() const { return m_net->work_dir() + "/guard.log"; }
  std::string fake_sshd() const { return m_work.path() + "/bin/sshd"; }

  testing::TempDir m_root;
  testing::TempDir m_work;
  std::unique_ptr<NetnsHarness> m_net;
  std::unique_ptr<testing::BackgroundProcess> m_guard;
  pid_t m_sandbox = -1;
};

TEST_F(AdversarialGuard, ALocalUserLoggingAsSshdGetsNothingBanned) {
  start_sandbox(/*with_sshd=*/false);
  // The journal as on a running server: sshd has logged, and so has the user (journald keeps
  // a user's entries in a file of their own).
  ASSERT_EQ(in_sandbox(0, {"/usr/sbin/sshd", "-t", "sshd", "Server listening on 0.0.0.0 port 22."})
                .exit_code,
            0);
  ASSERT_EQ(in_sandbox(k_attacker_uid, {"/usr/bin/logger", "-t", "cron", "hello"}).exit_code, 0);
  ASSERT_EQ(wait_for_entries("Server listening on 0.0.0.0 port 22.", 1), 1u);
  ASSERT_EQ(wait_for_entries("\"MESSAGE\":\"hello\"", 1), 1u);
  start_guard();
  // Five lines tagged sshd, and five from a process that is even named sshd (a copy of logger),
  // all as uid 4242.
  for (int n = 1; n <= 5; ++n) {
    auto logged =
        in_sandbox(k_attacker_uid, {"/usr/bin/logger", "-t", "sshd", failure("10.9.9.9", n)});
    ASSERT_EQ(logged.exit_code, 0) << logged.err;
    logged = in_sandbox(k_attacker_uid, {fake_sshd(), "-t", "sshd", failure("10.9.9.10", n)});
    ASSERT_EQ(logged.exit_code, 0) << logged.err;
  }
  // They are in the journal, tagged sshd, from uid 4242.
  ASSERT_EQ(wait_for_entries("10.9.9.9 port", 5), 5u);
  ASSERT_EQ(wait_for_entries("10.9.9.10 port", 5), 5u);
  for (const auto& entry : journal_entries("10.9.9.")) {
    EXPECT_NE(entry.find("\"SYSLOG_IDENTIFIER\":\"sshd\""), std::string::npos) << entry;
    EXPECT_NE(entry.find("\"_UID\":\"4242\""), std::string::npos) << entry;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const std::string listed = bans();
  EXPECT_EQ(listed.find("10.9.9.9"), std::string::npos)
      << listed << testing::read_file("", guard_log());
  EXPECT_EQ(listed.find("10.9.9.10"), std::string::npos)
      << listed << testing::read_file("", guard_log());

  // The guard does read this journal: the same lines from root's /usr/sbin/sshd (logger bound
  // there in the sandbox) count.
  for (int n = 1; n <= 5; ++n)
    ASSERT_EQ(in_sandbox(0, {"/usr/sbin/sshd", "-t", "sshd", failure("10.9.9.11", n)}).exit_code,
              0);
  EXPECT_TRUE(wait_for_ban("10.9.9.11")) << testing::read_file("", guard_log()) << "\n"
                                         << join(journal_entries("10.9.9.11"), "\n");
  EXPECT_EQ(bans().find("10.9.9.9"), std::string::npos);
}

TEST_F(AdversarialGuard, ARealSshdsFailuresThroughJournaldStillBan) {
  if (!std::filesystem::exists("/usr/bin/sshpass") || !std::filesystem::exists("/usr/sbin/sshd"))
    GTEST_SKIP() << "sshd or sshpass not installed";
  start_sandbox(/*with_sshd=*/true);
  start_guard();
  const auto server = NetnsHarness::server_outside_address();
  m_net->ssh_failures(m_net->outside(), server.v4, 4);
  EXPECT_EQ(wait_for_entries("Failed password for root from 10.77.0.1", 4), 4u);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(bans().find("10.77.0.1"), std::string::npos);
  m_net->ssh_failures(m_net->outside(), server.v4, 1);
  EXPECT_TRUE(wait_for_ban("10.77.0.1")) << testing::read_file("", guard_log());
  EXPECT_NE(testing::read_file("", guard_log()).find("ban 10.77.0.1 for 3600s: 5 failures"),
            std::string::npos)
      << testing::read_file("", guard_log());
  // sshd's entries carry no _SYSTEMD_UNIT here (no systemd as PID 1): _COMM, _EXE, _UID do.
  auto entries = journal_entries("Failed password for root from 10.77.0.1");
  ASSERT_FALSE(entries.empty());
  EXPECT_NE(entries[0].find("\"_UID\":\"0\""), std::string::npos) << entries[0];
  EXPECT_NE(entries[0].find("\"_COMM\":\"sshd\""), std::string::npos) << entries[0];
}

TEST_F(AdversarialGuard, FirstStartCountsAWholeBurstWrittenAsItStarts) {
  start_sandbox(/*with_sshd=*/false);
  for (int round = 1; round <= 4; ++round) {
    std::filesystem::remove(root() + "/var/lib/clawshield/guard/state.json");
    std::filesystem::remove(guard_log());
    const std::string source = "198.51.100." + std::to_string(round);
    start_guard(/*wait=*/false);
    for (int n = 1; n <= 5; ++n)
      ASSERT_EQ(in_sandbox(0, {"/usr/sbin/sshd", "-t", "sshd", failure(source, n)}).exit_code, 0);
    EXPECT_TRUE(wait_for_ban(source)) << "round " << round << "\n"
                                      << testing::read_file("", guard_log());
    EXPECT_NE(testing::read_file("", guard_log()).find("ban " + source + " for 3600s: 5 failures"),
              std::string::npos)
        << "round " << round << "\n"
        << testing::read_file("", guard_log());
    stop_guard();
  }
}

// `guard --replay` of the journal exported as is (`journalctl -o export`): a local user's
// message holding newlines is a binary field there; its bytes pretend to end the entry and
// start one from root's sshd. Read by its size, it stays one message from uid 4242.
TEST_F(AdversarialGuard, ReplayOfAnExportedJournalCountsNoForgedEntry) {
  start_sandbox(/*with_sshd=*/false);
  const std::string forged =
      "x\n\n__REALTIME_TIMESTAMP=1796172857000000\n_UID=0\n_COMM=sshd\n_EXE=/usr/sbin/sshd\n"
      "SYSLOG_IDENTIFIER=sshd\nMESSAGE=Failed password for root from 10.9.9.12 port 5555 ssh2\n";
  for (int n = 1; n <= 5; ++n)
    ASSERT_EQ(in_sandbox(k_attacker_uid, {"/usr/bin/logger", "-t", "sshd", forged}).exit_code, 0);
  // And root's sshd, so the replay has something true to count.
  for (int n = 1; n <= 5; ++n)
    ASSERT_EQ(in_sandbox(0, {"/usr/sbin/sshd", "-t", "sshd", failure("10.9.9.13", n)}).exit_code,
              0);
  ASSERT_EQ(wait_for_entries("10.9.9.13 port", 5), 5u);
  ProcessRunner runner;
  auto exported =
      runner.run(Command({"/usr/bin/journalctl", "--directory=" + m_work.path() + "/journal", "-o",
                          "export", "--no-pager"}));
  ASSERT_TRUE(exported && exported->ok());
  // The forged text is in the export as a binary field (a newline is not printable).
  ASSERT_NE(exported->out.find("MESSAGE\n"), std::string::npos);
  ASSERT_NE(exported->out.find("10.9.9.12"), std::string::npos);
  const std::string file = m_work.path() + "/journal.export";
  std::ofstream(file) << exported->out;
  auto replayed = testing::run_clawshield({"guard", "--replay", file, "--json", "--root", root()});
  ASSERT_EQ(replayed.exit_code, 0) << replayed.err;
  EXPECT_EQ(replayed.out.find("10.9.9.12"), std::string::npos) << replayed.out;
  EXPECT_NE(replayed.out.find("\"source\": \"10.9.9.13\""), std::string::npos) << replayed.out;
}

// The control socket is the trust boundary: a client that skips the CLI's checks (any root
// process can connect) still cannot ban a continent or the allowlist.
TEST_F(AdversarialGuard, TheControlSocketRefusesWideAndAllowlistedBans) {
  start_sandbox(/*with_sshd=*/false);
  start_guard();
  const std::string socket_path = root() + "/run/clawshield/guard.sock";
  auto raw = [&](const std::string& request) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, socket_path.c_str(), sizeof address.sun_path - 1);
    std::string reply;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
      (void)!::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
      ::shutdown(fd, SHUT_WR);
      char buffer[4096];
      ssize_t n;
      while ((n = ::recv(fd, buffer, sizeof buffer, 0)) > 0)
        reply.append(buffer, static_cast<size_t>(n));
    }
    ::close(fd);
    return reply;
  };
  for (const char* target : {"0.0.0.0/0", "100.0.0.0/8", "10.0.0.0/23", "::/0", "fd7a:115c::/32",
                             "100.64.0.0/24", "fd7a:115c:a1e0::/64", "127.0.0.1"}) {
    const std::string reply = raw(std::string("ban ") + target + " 60");
    EXPECT_NE(reply.find("\"ok\":false"), std::string::npos) << target << ": " << reply;
    EXPECT_NE(reply.find("refusing"), std::string::npos) << target << ": " << reply;
    auto cli = testing::run_clawshield({"bans", "ban", target, "--for", "60s", "--root", root()});
    EXPECT_EQ(cli.exit_code, 2) << target;
    EXPECT_NE(cli.err.find("refusing"), std::string::npos) << target << ": " << cli.err;
  }
  EXPECT_NE(bans().find("0 ban(s)"), std::string::npos) << bans();
  // A sane ban is still accepted.
  auto accepted =
      testing::run_clawshield({"bans", "ban", "203.0.113.0/24", "--for", "60s", "--root", root()});
  EXPECT_EQ(accepted.exit_code, 0) << accepted.err;
  EXPECT_TRUE(wait_for_ban("203.0.113.0/24"));
}

}  // namespace
}  // namespace clawshield
