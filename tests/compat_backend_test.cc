// The seed's own stack as a backend (issue 7), for real: ufw (Debian's, driven by clawshield
// against the test's root with --datadir) in the server namespace, a real dockerd publishing
// a container port, real sshd. After `apply` with the compat policy the seed's checklist
// commands, run as written (root_view puts the root's files where the commands look), give
// the seed's answers; switching between the native and the compat backend leaves exactly
// one active, and rollback returns to the previous one.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/text.h"
#include "support/netns.h"
#include "support/temp_root.h"

namespace clawshield {
namespace {

using nlohmann::json;
using testing::NetnsHarness;
using testing::PortState;

bool ufw_installed(std::string& why) {
  if (!std::filesystem::exists("/usr/sbin/ufw") ||
      !std::filesystem::exists("/etc/ufw/before.rules")) {
    why = "ufw is not installed (scripts/setup installs it)";
    return false;
  }
  return true;
}

class CompatBackend : public ::testing::Test {
 protected:
  void SetUp() override {
    SKIP_UNLESS_NETNS();
    std::string why;
    if (!ufw_installed(why))
      GTEST_SKIP() << why;
    m_net = std::make_unique<NetnsHarness>();
    testing::seed_minimal_root(root());
    // The root has ufw as Debian installs it (its pristine rule files), fail2ban and Docker.
    std::filesystem::create_directories(root() + "/etc/default");
    std::filesystem::copy("/etc/ufw", root() + "/etc/ufw",
                          std::filesystem::copy_options::recursive);
    for (const char* file : {"/etc/ufw/user.rules", "/etc/ufw/user6.rules"})
      std::filesystem::copy_file(
          "/usr/share/ufw/iptables/" + std::filesystem::path(file).filename().string(),
          root() + file, std::filesystem::copy_options::overwrite_existing);
    testing::write_file(root(), "/etc/ufw/ufw.conf", "ENABLED=no\nLOGLEVEL=low\n");
    std::filesystem::copy_file("/etc/default/ufw", root() + "/etc/default/ufw");
    testing::add_installed_package(root(), "ufw", "0.36.2-1");
    testing::add_installed_package(root(), "fail2ban", "1.0.2-2");
    testing::add_installed_package(root(), "python3-systemd", "235-1+b2");
    testing::add_installed_package(root(), "docker.io", "20.10.24+dfsg1-1+deb12u1+b6");
    testing::write_file(root(), "/etc/ssh/sshd_config", "Port 22\n");
    write_policy("ufw", "fail2ban");
  }

  void write_policy(const std::string& backend, const std::string& engine) {
    testing::write_file(m_policy_dir.path(), "/policy.yaml",
                        "firewall:\n  backend: " + backend + "\nguard:\n  engine: " + engine +
                            "\ndocker:\n  socket: " + m_net->docker_socket() + "\n");
  }

  CommandResult cs(std::vector<std::string> args) {
    args.insert(args.end(), {"--root", root(), "--netns", m_net->server(), "--policy",
                             m_policy_dir.path() + "/policy.yaml"});
    return testing::run_clawshield(args);
  }
  void apply() {
    auto applied = cs({"apply", "--confirm-timeout", "0"});
    ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  }

  // A seed checklist command, as written, with the root's ufw files where ufw looks (or the
  // root's copies of `paths`).
  CommandResult as_written(const std::vector<std::string>& command,
                           const std::vector<std::string>& paths = {"/etc/ufw",
                                                                    "/etc/default/ufw"}) {
    std::vector<std::string> argv = {CLAWSHIELD_ROOT_VIEW, m_net->server(), root()};
    argv.insert(argv.end(), paths.begin(), paths.end());
    argv.push_back("--");
    argv.insert(argv.end(), command.begin(), command.end());
    ProcessRunner runner;
    auto result = runner.run(Command(argv));
    return result ? *result : CommandResult{-1, "", result.error().message};
  }

  bool native_table_loaded() {
    return m_net->run_in(m_net->server(), {"nft", "list", "table", "inet", "clawshield"})
               .exit_code == 0;
  }
  bool ufw_active() { return as_written({"ufw", "status"}).out.starts_with("Status: active"); }
  std::string docker_user(const char* program) {
    return m_net->run_in(m_net->server(), {program, "-w", "-L", "DOCKER-USER", "-n"}).out;
  }

  // What a reboot does to this test's watchdog: kills it. Returns how many died.
  int kill_watchdog() { return testing::kill_watchdogs(root()); }

  // A watchdog a failed test left waiting (a long --confirm-timeout) goes with the test.
  void TearDown() override {
    if (m_net)
      kill_watchdog();
  }

  const std::string& root() const { return m_root.path(); }
  NetnsHarness& net() { return *m_net; }

 protected:
  testing::TempDir m_root;
  testing::TempDir m_policy_dir;

 private:
  std::unique_ptr<NetnsHarness> m_net;
};

TEST_F(CompatBackend, SeedChecklistCommandsGiveTheSeedsAnswers) {
  net().start_sshd(22);
  std::string why;
  if (!net().start_docker(why))
    GTEST_SKIP() << why;
  auto run = net().run_web_container();
  ASSERT_EQ(run.exit_code, 0) << run.err;
  for (int i = 0;
       i < 100 && net().probe_one(net().outside(), NetnsHarness::server_outside_address().v6, 8080,
                                  200) != PortState::open;
       ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_EQ(net().probe_one(net().outside(), NetnsHarness::server_outside_address().v4, 8080),
            PortState::open);

  apply();

  // `sudo ufw status`: only SSH and 41641/udp, plus the tailnet-only app rules; v4 and v6.
  auto status = as_written({"ufw", "status"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_TRUE(status.out.starts_with("Status: active")) << status.out;
  std::vector<std::string> rules;
  for (const auto& line : split_lines(status.out))
    if (line.find("ALLOW") != std::string::npos)
      rules.push_back(std::string(trim(line.substr(0, line.find("ALLOW")))));
  std::ranges::sort(rules);
  EXPECT_EQ(rules,
            (std::vector<std::string>{"18789/tcp (v6) on tailscale0", "18789/tcp on tailscale0",
                                      "22/tcp", "22/tcp (v6)", "41641/udp", "41641/udp (v6)"}))
      << status.out;
  auto verbose = as_written({"ufw", "status", "verbose"});
  EXPECT_NE(verbose.out.find("Default: deny (incoming), allow (outgoing), deny (routed)"),
            std::string::npos)
      << verbose.out;

  // `sudo iptables -L DOCKER-USER -n` shows the DROP; ip6tables too.
  for (const char* program : {"iptables", "ip6tables"}) {
    std::string listing = docker_user(program);
    EXPECT_NE(listing.find("DROP"), std::string::npos) << program << "\n" << listing;
    EXPECT_NE(listing.find("ctstate"), std::string::npos) << listing;
  }

  // From outside only 22 answers; the published port times out there and works locally.
  for (const auto& address :
       {NetnsHarness::server_outside_address().v4, NetnsHarness::server_outside_address().v6}) {
    SCOPED_TRACE(address);
    auto scanned = net().run_in(net().outside(), {CLAWSHIELD_BINARY, "scan", address, "--ports",
                                                  "1-10000,18789,41641", "--json"});
    auto document = json::parse(scanned.out, nullptr, false);
    ASSERT_FALSE(document.is_discarded()) << scanned.out << scanned.err;
    EXPECT_EQ(document["open"], json::array({22})) << document.dump();
    EXPECT_EQ(net().probe_one(net().outside(), address, 8080, 1000), PortState::filtered);
  }
  EXPECT_EQ(net().probe_one(net().server(), "127.0.0.1", 8080), PortState::open);
  EXPECT_EQ(net().probe_one(net().server(), "::1", 8080), PortState::open);
  EXPECT_EQ(net().probe_one(net().tailnet(), NetnsHarness::server_tailnet_address().v4, 8080),
            PortState::open);

  // verify knows the backend: ufw's checks pass, the native table is retired.
  auto verified = cs({"verify", "--json"});
  auto document = json::parse(verified.out, nullptr, false);
  ASSERT_FALSE(document.is_discarded()) << verified.out;
  std::map<std::string, std::string> statuses;
  for (const auto& check : document["checks"]) statuses[check["id"]] = check["status"];
  for (const char* id : {"ufw.active", "ufw.defaults", "ufw.rules", "ufw.docker_user",
                         "firewall.retired", "guard.retired", "fail2ban.jail"})
    EXPECT_EQ(statuses[id], "pass") << id;

  // The checklist is answered by ufw's checks under this backend.
  auto checklist = cs({"verify", "--checklist", "--json"});
  auto items = json::parse(checklist.out, nullptr, false);
  ASSERT_FALSE(items.is_discarded()) << checklist.out;
  EXPECT_EQ(items["checklist"][0]["status"], "pass") << items["checklist"][0].dump();
  EXPECT_EQ(items["checklist"][0]["checks"][0], "ufw.active");
  EXPECT_EQ(items["checklist"][2]["status"], "pass") << items["checklist"][2].dump();
  EXPECT_EQ(items["checklist"][2]["checks"], json::array({"ufw.docker_user"}));

  // A second apply has nothing to do.
  auto plan = cs({"plan"});
  EXPECT_EQ(plan.exit_code, 0) << plan.out;
}

TEST_F(CompatBackend, SwitchingLeavesExactlyOneAndRollbackReturns) {
  net().start_sshd(22);
  // Native first.
  write_policy("nftables", "clawshield");
  apply();
  EXPECT_TRUE(native_table_loaded());
  EXPECT_FALSE(ufw_active());

  // Compat: ufw on, the native table and its boot files gone, the guard retired.
  write_policy("ufw", "fail2ban");
  apply();
  EXPECT_FALSE(native_table_loaded());
  EXPECT_TRUE(ufw_active());
  EXPECT_FALSE(std::filesystem::exists(root() + "/etc/clawshield/firewall.nft"));
  EXPECT_FALSE(std::filesystem::exists(root() + "/etc/systemd/system/clawshield-firewall.service"));
  EXPECT_FALSE(std::filesystem::exists(root() + "/etc/systemd/system/clawshield-guard.service"));
  EXPECT_TRUE(std::filesystem::exists(root() + "/etc/fail2ban/jail.local"));
  // The boot revert stays for ufw too (ordered before ufw.service), with ufw's drop-in.
  const std::string revert_unit = root() + "/etc/systemd/system/clawshield-firewall-revert.service";
  const std::string dropin = root() + "/etc/systemd/system/ufw.service.d/clawshield.conf";
  EXPECT_TRUE(std::filesystem::exists(revert_unit));
  EXPECT_TRUE(std::filesystem::exists(dropin));

  // Rollback: back to native, nothing of ufw left in the kernel.
  auto rolled = cs({"rollback"});
  ASSERT_EQ(rolled.exit_code, 0) << rolled.out << rolled.err;
  EXPECT_TRUE(native_table_loaded());
  EXPECT_FALSE(ufw_active());
  EXPECT_EQ(docker_user("iptables").find("clawshield"), std::string::npos)
      << docker_user("iptables");
  EXPECT_TRUE(std::filesystem::exists(root() + "/etc/clawshield/firewall.nft"));
  EXPECT_TRUE(std::filesystem::exists(root() + "/etc/systemd/system/clawshield-guard.service"));
  EXPECT_FALSE(std::filesystem::exists(root() + "/etc/fail2ban/jail.local"));
  write_policy("nftables", "clawshield");
  auto native_plan = cs({"plan"});
  EXPECT_EQ(native_plan.exit_code, 0) << "rollback left the native posture whole:\n"
                                      << native_plan.out;

  // Compat again, then native by policy: ufw off, our DOCKER-USER rules gone, table back.
  write_policy("ufw", "fail2ban");
  apply();
  EXPECT_TRUE(ufw_active());
  write_policy("nftables", "clawshield");
  apply();
  EXPECT_TRUE(native_table_loaded());
  EXPECT_FALSE(ufw_active());
  EXPECT_TRUE(std::filesystem::exists(revert_unit));
  EXPECT_FALSE(std::filesystem::exists(dropin));  // ufw is no longer clawshield's to guard
  for (const char* program : {"iptables", "ip6tables"})
    EXPECT_EQ(docker_user(program).find("clawshield"), std::string::npos) << docker_user(program);
  auto after = testing::read_file(root(), "/etc/ufw/after.rules");
  EXPECT_EQ(after.find("clawshield"), std::string::npos);
  auto verified = cs({"verify", "--json"});
  auto document = json::parse(verified.out, nullptr, false);
  ASSERT_FALSE(document.is_discarded()) << verified.out;
  for (const auto& check : document["checks"]) {
    if (check["id"] == "ufw.retired" || check["id"] == "firewall.table_loaded") {
      EXPECT_EQ(check["status"], "pass") << check.dump();
    }
  }

  // Someone turns ufw on beside the native table: verify says both run.
  ASSERT_EQ(as_written({"ufw", "--force", "enable"}).exit_code, 0);
  auto both = cs({"verify", "--only", "ufw", "--json"});
  EXPECT_EQ(both.exit_code, 1) << both.out;
  EXPECT_NE(both.out.find("both firewalls run"), std::string::npos) << both.out;
}

TEST_F(CompatBackend, UnconfirmedEnableIsUndoneAtTheDeadline) {
  net().start_sshd(22);
  // A policy that opens 2222 instead of sshd's 22: refused while the session uses 22...
  testing::write_file(
      m_policy_dir.path(), "/policy.yaml",
      "firewall:\n  backend: ufw\n  ssh_ports: [2222]\nguard:\n  engine: fail2ban\n");
  auto refused =
      testing::run_clawshield({"apply", "--root", root(), "--netns", net().server(), "--policy",
                               m_policy_dir.path() + "/policy.yaml", "--confirm-timeout", "0"},
                              {{"SSH_CONNECTION", "10.77.0.1 50000 10.77.0.2 22"}});
  EXPECT_EQ(refused.exit_code, 2) << refused.out << refused.err;
  EXPECT_FALSE(ufw_active());
  // ...and, forced, undone by the commit-confirmed watchdog when nobody confirms.
  auto applied = cs({"apply", "--force", "--confirm-timeout", "2"});
  ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  EXPECT_NE(applied.out.find("clawshield confirm"), std::string::npos) << applied.out;
  const auto address = NetnsHarness::server_outside_address().v4;
  EXPECT_TRUE(ufw_active());
  EXPECT_EQ(net().probe_one(net().outside(), address, 22, 800), PortState::filtered);
  std::this_thread::sleep_for(std::chrono::seconds(5));
  EXPECT_FALSE(ufw_active());
  EXPECT_EQ(net().probe_one(net().outside(), address, 22), PortState::open);
  EXPECT_EQ(docker_user("iptables").find("clawshield"), std::string::npos);
}

// Issue 11 item 2 with the ufw backend: a reboot before the deadline. ufw.service (which
// loads ufw's rules at boot) does not start while the change is unconfirmed, and the revert
// unit, ordered before it, undoes the whole apply: ufw off, its files as before.
TEST_F(CompatBackend, UnconfirmedEnableIsUndoneAtBootAfterAReboot) {
  net().start_sshd(22);
  testing::write_file(
      m_policy_dir.path(), "/policy.yaml",
      "firewall:\n  backend: ufw\n  ssh_ports: [2222]\nguard:\n  engine: fail2ban\n");
  const auto before = testing::snapshot(root());
  auto applied = cs({"apply", "--force", "--confirm-timeout", "300"});
  ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  ASSERT_TRUE(ufw_active());
  const std::string marker = "/var/lib/clawshield/firewall-unconfirmed";
  ASSERT_TRUE(std::filesystem::exists(root() + marker));
  const std::string dropin =
      testing::read_file(root(), "/etc/systemd/system/ufw.service.d/clawshield.conf");
  EXPECT_NE(dropin.find("\nConditionPathExists=!" + marker + "\n"), std::string::npos) << dropin;
  EXPECT_NE(dropin.find("\nAfter=clawshield-firewall-revert.service\n"), std::string::npos)
      << dropin;
  const std::string revert =
      testing::read_file(root(), "/etc/systemd/system/clawshield-firewall-revert.service");
  EXPECT_NE(revert.find("Before=clawshield-firewall.service ufw.service"), std::string::npos)
      << revert;
  // The reboot kills the watchdog; the revert unit runs `clawshield rollback --unconfirmed`.
  ASSERT_EQ(kill_watchdog(), 1);
  auto booted = cs({"rollback", "--unconfirmed"});
  EXPECT_EQ(booted.exit_code, 0) << booted.out << booted.err;
  EXPECT_FALSE(ufw_active());
  EXPECT_FALSE(std::filesystem::exists(root() + marker));
  EXPECT_EQ(testing::tree_difference(before, testing::snapshot(root())), "");
  EXPECT_EQ(net().probe_one(net().outside(), NetnsHarness::server_outside_address().v4, 22),
            PortState::open);
  auto late = cs({"confirm"});
  EXPECT_EQ(late.exit_code, 1) << late.out << late.err;
}

TEST_F(CompatBackend, FiveFailedLoginsGetBannedByRealFail2ban) {
  // fail2ban as Debian installs it, sshd logging through rsyslog to the root's auth.log.
  std::filesystem::copy("/etc/fail2ban", root() + "/etc/fail2ban",
                        std::filesystem::copy_options::recursive);
  std::filesystem::remove(root() + "/etc/fail2ban/jail.local");
  for (const char* dir : {"/var/log", "/run/fail2ban", "/var/lib/fail2ban"})
    std::filesystem::create_directories(root() + dir);
  testing::write_file(root(), "/var/log/auth.log", "");
  net().start_logged_sshd(root() + "/var/log/auth.log");
  std::string why;
  if (!net().start_docker(why))
    GTEST_SKIP() << why;
  auto run = net().run_web_container();
  ASSERT_EQ(run.exit_code, 0) << run.err;
  apply();
  // An admin who publishes 8080 to the world on purpose: an exception ahead of the drop.
  auto exception =
      net().run_in(net().server(), {"iptables", "-w", "-I", "DOCKER-USER", "1", "-p", "tcp", "-m",
                                    "conntrack", "--ctorigdstport", "8080", "-j", "RETURN"});
  ASSERT_EQ(exception.exit_code, 0) << exception.err;
  const auto server_address = NetnsHarness::server_outside_address();
  PortState published = PortState::filtered;
  for (int i = 0; i < 50 && published != PortState::open; ++i) {
    published = net().probe_one(net().outside(), server_address.v4, 8080, 300);
    if (published != PortState::open)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(published, PortState::open) << "the exception opens the published port";
  const std::string jail = testing::read_file(root(), "/etc/fail2ban/jail.local");
  EXPECT_NE(jail.find("maxretry = 5\n"), std::string::npos) << jail;
  EXPECT_NE(jail.find("logpath = /var/log/auth.log"), std::string::npos) << jail;

  // The real fail2ban-server, in the server namespace, reading the root's files.
  const std::vector<std::string> view = {
      CLAWSHIELD_ROOT_VIEW, net().server(),      root(), "/etc/fail2ban", "/var/log",
      "/run/fail2ban",      "/var/lib/fail2ban", "--"};
  std::vector<std::string> server = view;
  server.insert(server.end(), {"fail2ban-server", "-xf", "--logtarget", "stderr", "start"});
  const std::string log = net().work_dir() + "/fail2ban.log";
  testing::BackgroundProcess fail2ban(server, log);
  auto status = [&] {
    return as_written({"fail2ban-client", "status", "sshd"},
                      {"/etc/fail2ban", "/var/log", "/run/fail2ban", "/var/lib/fail2ban"});
  };
  CommandResult jail_status;
  for (int i = 0; i < 100; ++i) {
    jail_status = status();
    if (jail_status.exit_code == 0)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // `sudo fail2ban-client status sshd`, as written: the jail is active.
  ASSERT_EQ(jail_status.exit_code, 0) << jail_status.err << testing::read_file("", log);
  EXPECT_NE(jail_status.out.find("Status for the jail: sshd"), std::string::npos)
      << jail_status.out;

  // Five failed logins from outside: banned (fail2ban lists the ban first, then its actions
  // put it into the kernel: wait for the kernel).
  net().ssh_failures(net().outside(), server_address.v4, 5);
  auto chain_of = [&](const char* name) {
    return net().run_in(net().server(), {"iptables", "-w", "-S", name}).out;
  };
  bool banned = false;
  for (int i = 0; i < 150 && !banned; ++i) {
    banned = chain_of("f2b-sshd").find("-s 10.77.0.1/32 -j REJECT") != std::string::npos &&
             chain_of("f2b-sshd-forward").find("-s 10.77.0.1/32 -j REJECT") != std::string::npos;
    if (!banned)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(banned) << status().out << testing::read_file("", log) << "\n"
                      << testing::read_file(root(), "/var/log/auth.log");
  EXPECT_NE(status().out.find("10.77.0.1"), std::string::npos) << status().out;
  EXPECT_NE(net().probe_one(net().outside(), server_address.v4, 22, 800), PortState::open);
  EXPECT_NE(net().probe_one(net().outside(), server_address.v4, 8080, 800), PortState::open)
      << "a banned address reaches no published port either";
  // The forward ban sits ahead of Docker's own ACCEPT rules (DOCKER-USER may be above it:
  // Docker keeps that first, and it only returns or drops).
  auto lines = split_lines(chain_of("FORWARD"));
  auto position = [&](const std::string& needle) {
    for (size_t i = 0; i < lines.size(); ++i)
      if (lines[i].find(needle) != std::string::npos)
        return i;
    return lines.size();
  };
  EXPECT_LT(position("-j f2b-sshd-forward"), position("-j ACCEPT")) << chain_of("FORWARD");

  // The same over IPv6: ip6tables carries the ban.
  net().ssh_failures(net().outside(), server_address.v6, 5);
  bool banned6 = false;
  for (int i = 0; i < 150 && !banned6; ++i) {
    banned6 = net()
                  .run_in(net().server(), {"ip6tables", "-w", "-S", "f2b-sshd"})
                  .out.find("-s fd00:77::1/128 -j REJECT") != std::string::npos;
    if (!banned6)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(banned6) << status().out << testing::read_file("", log);
  EXPECT_NE(net().probe_one(net().outside(), server_address.v6, 22, 800), PortState::open);

  // verify sees the jail answering (fail2ban's socket under the root).
  auto verified = cs({"verify", "--only", "fail2ban", "--json"});
  auto document = json::parse(verified.out, nullptr, false);
  ASSERT_FALSE(document.is_discarded()) << verified.out;
  for (const auto& check : document["checks"]) EXPECT_EQ(check["status"], "pass") << check.dump();
}

TEST_F(CompatBackend, WithoutAuthLogFail2banReadsTheJournal) {
  if (!std::filesystem::exists("/lib/systemd/systemd-journal-remote"))
    GTEST_SKIP() << "systemd-journal-remote not installed";
  // Debian 12 as installed: no /var/log/auth.log, sshd's lines only in the journal.
  std::filesystem::copy("/etc/fail2ban", root() + "/etc/fail2ban",
                        std::filesystem::copy_options::recursive);
  std::filesystem::remove(root() + "/etc/fail2ban/jail.local");
  const std::string journal_dir = root() + "/var/log/journal/0123456789abcdef0123456789abcdef";
  for (const std::string& dir :
       {journal_dir, root() + "/run/fail2ban", root() + "/var/lib/fail2ban"})
    std::filesystem::create_directories(dir);
  int64_t monotonic = 0;
  // One entry as journald writes it for ssh.service (systemd-journal-remote makes the file).
  auto journal_entry = [&](const std::string& message, const std::string& uid = "0") {
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    const std::string export_file = net().work_dir() + "/entry.export";
    std::ofstream(export_file) << "__REALTIME_TIMESTAMP=" << micros
                               << "\n__MONOTONIC_TIMESTAMP=" << ++monotonic
                               << "\n_BOOT_ID=0123456789abcdef0123456789abcdef\n"
                               << "_SYSTEMD_UNIT=ssh.service\n_UID=" << uid
                               << "\n_COMM=sshd\nSYSLOG_IDENTIFIER=sshd\n"
                               << "_PID=4242\nMESSAGE=" << message << "\n\n";
    ProcessRunner runner;
    auto written = runner.run(Command({"/lib/systemd/systemd-journal-remote", "-o",
                                       journal_dir + "/system.journal", export_file}));
    ASSERT_TRUE(written && written->ok()) << (written ? written->err : written.error().message);
  };
  journal_entry("Server listening on 0.0.0.0 port 22.");
  apply();
  const std::string jail = testing::read_file(root(), "/etc/fail2ban/jail.local");
  ASSERT_NE(jail.find("backend = systemd\n"), std::string::npos) << jail;

  const std::vector<std::string> paths = {"/etc/fail2ban", "/var/log", "/run/fail2ban",
                                          "/var/lib/fail2ban"};
  std::vector<std::string> server = {CLAWSHIELD_ROOT_VIEW, net().server(), root()};
  server.insert(server.end(), paths.begin(), paths.end());
  server.insert(server.end(), {"--", "fail2ban-server", "-xf", "--logtarget", "stderr", "start"});
  const std::string log = net().work_dir() + "/fail2ban.log";
  testing::BackgroundProcess fail2ban(server, log);
  CommandResult status;
  for (int i = 0; i < 100; ++i) {
    status = as_written({"fail2ban-client", "status", "sshd"}, paths);
    if (status.exit_code == 0)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(status.exit_code, 0) << status.err << testing::read_file("", log);
  EXPECT_NE(status.out.find("Journal matches:"), std::string::npos) << status.out;

  // A local user (uid 4242) whose program is named sshd, in ssh.service's cgroup: forged
  // failures for 10.77.0.9 come first and must ban nothing.
  for (int n = 0; n < 5; ++n)
    journal_entry(
        "Failed password for root from 10.77.0.9 port " + std::to_string(41000 + n) + " ssh2",
        "4242");
  for (int n = 0; n < 5; ++n)
    journal_entry("Failed password for root from 10.77.0.1 port " + std::to_string(40000 + n) +
                  " ssh2");
  bool banned = false;
  for (int i = 0; i < 150 && !banned; ++i) {
    banned = net()
                 .run_in(net().server(), {"iptables", "-w", "-S", "f2b-sshd"})
                 .out.find("-s 10.77.0.1/32 -j REJECT") != std::string::npos;
    if (!banned)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(banned) << as_written({"fail2ban-client", "status", "sshd"}, paths).out
                      << testing::read_file("", log);
  EXPECT_EQ(
      net().run_in(net().server(), {"iptables", "-w", "-S", "f2b-sshd"}).out.find("10.77.0.9"),
      std::string::npos)
      << "a forged entry (uid 4242) was counted";

  // With the guard as the engine again, a fail2ban still banning sshd failures is flagged.
  write_policy("nftables", "clawshield");
  auto both = cs({"verify", "--only", "fail2ban", "--json"});
  EXPECT_EQ(both.exit_code, 1) << both.out;
  EXPECT_NE(both.out.find("both fail2ban and the guard ban"), std::string::npos) << both.out;
}

}  // namespace
}  // namespace clawshield
