// clawshield on a real booted host (issue 12): Debian 12 with systemd as PID 1 and the real
// OpenClaw as openclaw-ansible leaves it (the gateway in the app user's user unit), booted by
// tests/booted_host/lab, with a veth to an "outside" namespace so the firewall has a real
// interface to guard. One boot is shared by the scenarios, run in order as tests of one suite:
// a boot takes seconds but the gateway's start and the five-minute stay-up take minutes, and
// the scenarios are one host's life (apply, live checks, reboot, engine switch, rollback).
// Separate tests (rather than one long TEST) say which scenario broke; a failure early makes
// the later ones fail too, and they say so.
#include <gtest/gtest.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>

#include "core/text.h"
#include "support/booted_host.h"

namespace clawshield {
namespace {

using std::chrono::seconds;
using std::chrono::steady_clock;
using testing::BootedHost;

constexpr int k_gateway_port = 18789;
constexpr const char* k_gateway_unit = "openclaw-gateway.service";
constexpr const char* k_server_address = "10.213.0.2";
constexpr const char* k_outside_address = "10.213.0.1";
constexpr int k_unused_port = 1234;  // nothing listens there: refused without a firewall

// The booted host's own settings and nothing else: where the binary under test is (bound in
// at /usr/local/sbin), the SSH port found from sshd_config (22), everything else the defaults.
constexpr const char* k_policy =
    "# The booted host's policy: the defaults, with the binary where the test binds it.\n"
    "guard:\n"
    "  executable: /usr/local/sbin/clawshield\n";
constexpr const char* k_fail2ban_policy =
    "guard:\n"
    "  executable: /usr/local/sbin/clawshield\n"
    "  engine: fail2ban\n";

// The admin's own sshd settings, as a hardened host has them (clawshield judges sshd, never
// rewrites it).
constexpr const char* k_sshd_settings =
    "PasswordAuthentication no\n"
    "KbdInteractiveAuthentication no\n"
    "PermitRootLogin no\n"
    "MaxAuthTries 3\n";

// Stands in for ifupdown's networking.service: brings eth0 up after network-pre.target and
// down at poweroff; ExecStartPre logs the link as it is before (DOWN at boot).
constexpr const char* k_link_unit =
    "[Unit]\n"
    "Description=test: eth0 up, as ifupdown's networking.service would\n"
    "DefaultDependencies=no\n"
    "After=local-fs.target network-pre.target\n"
    "Wants=network.target\n"
    "Before=network.target shutdown.target\n"
    "Conflicts=shutdown.target\n"
    "[Service]\n"
    "Type=oneshot\n"
    "RemainAfterExit=yes\n"
    "ExecStartPre=/usr/sbin/ip -o link show eth0\n"
    "ExecStart=/usr/sbin/ip link set eth0 up\n"
    "ExecStop=/usr/sbin/ip link set eth0 down\n"
    "[Install]\n"
    "WantedBy=multi-user.target\n";

CommandResult run(const std::vector<std::string>& argv, seconds timeout = seconds(60)) {
  ProcessRunner runner;
  Command command(argv);
  command.timeout = timeout;
  auto result = runner.run(command);
  if (!result)
    return CommandResult{-1, "", result.error().message};
  return *result;
}

double elapsed(steady_clock::time_point since) {
  return std::chrono::duration<double>(steady_clock::now() - since).count();
}

// What the scenarios share: the host, the namespaces around it, and the figures measured.
struct Lab {
  std::string skip;
  std::string server_ns, outside_ns, veth;
  std::unique_ptr<BootedHost> host;
  bool applied = false;                 // the first apply succeeded: later scenarios need it
  steady_clock::time_point gateway_up;  // when the sandboxed gateway first answered
  std::string gateway_pid;
  std::vector<std::string> figures;

  void figure(const std::string& line) {
    figures.push_back(line);
    std::cout << "[ figure   ] " << line << std::endl;
  }
};
Lab* g_lab = nullptr;

class BootedHostTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    g_lab = new Lab;
    Lab& lab = *g_lab;
    lab.skip = testing::booted_host_unavailable();
    if (!lab.skip.empty())
      return;
    const std::string id = std::to_string(::getpid() % 100000);
    lab.server_ns = "ht-" + id;
    lab.outside_ns = "ht" + id + "-out";
    lab.veth = "ht" + id + "o";
    // The server's namespace is ours (lab uses it as it is): eth0 in it, its peer outside.
    // eth0 stays down: the host's boot brings it up (k_link_unit).
    for (const auto& argv : std::vector<std::vector<std::string>>{
             {"ip", "netns", "add", lab.server_ns},
             {"ip", "netns", "add", lab.outside_ns},
             {"ip", "-n", lab.server_ns, "link", "set", "lo", "up"},
             {"ip", "-n", lab.outside_ns, "link", "set", "lo", "up"},
             {"ip", "link", "add", lab.veth, "netns", lab.outside_ns, "type", "veth", "peer",
              "name", "eth0", "netns", lab.server_ns},
             {"ip", "-n", lab.outside_ns, "addr", "add", std::string(k_outside_address) + "/24",
              "dev", lab.veth},
             {"ip", "-n", lab.outside_ns, "link", "set", lab.veth, "up"},
             {"ip", "-n", lab.server_ns, "addr", "add", std::string(k_server_address) + "/24",
              "dev", "eth0"}}) {
      auto done = run(argv);
      if (!done.ok()) {
        lab.skip = "cannot set up the namespaces: " + join(argv, " ") + ": " + done.err;
        return;
      }
    }
    lab.host = std::make_unique<BootedHost>();
    std::string why;
    if (!lab.host->start(lab.server_ns,
                         {std::string(CLAWSHIELD_BINARY) + ":/usr/local/sbin/clawshield"}, why)) {
      lab.skip = why;
      return;
    }
    lab.host->write_file("/etc/systemd/system/ht-link.service", k_link_unit);
    lab.host->write_file("/etc/ssh/sshd_config.d/10-admin.conf", k_sshd_settings);
    lab.host->write_file("/etc/clawshield/policy.yaml", k_policy, 0600);
    lab.host->exec({"systemctl", "daemon-reload"});
    lab.host->exec({"systemctl", "enable", "--now", "ht-link.service"});
    lab.host->exec({"systemctl", "reload", "ssh.service"});
  }

  static void TearDownTestSuite() {
    if (!g_lab)
      return;
    if (!g_lab->figures.empty()) {
      std::cout << "[ figures  ] measured on the booted host:\n";
      for (const auto& line : g_lab->figures) std::cout << "[ figures  ]   " << line << "\n";
    }
    g_lab->host.reset();  // lab destroy
    for (const auto& ns : {g_lab->outside_ns, g_lab->server_ns})
      if (!ns.empty())
        run({"ip", "netns", "del", ns});
    delete g_lab;
    g_lab = nullptr;
  }

  void SetUp() override {
    if (!g_lab->skip.empty())
      GTEST_SKIP() << g_lab->skip;
  }

  // The scenarios after the first apply check what it made; without it they fail at once.
  void require_apply() {
    if (!g_lab->applied)
      GTEST_FAIL() << "the apply scenario failed: nothing to check here";
  }

  BootedHost& host() { return *g_lab->host; }
  Lab& lab() { return *g_lab; }

  // A TCP connect from the outside namespace to the server's eth0: "open", "closed" (refused)
  // or "filtered" (no answer in 3 s).
  std::string from_outside(int port) {
    auto probed = run({"ip", "netns", "exec", lab().outside_ns, "timeout", "3", "bash", "-c",
                       std::string("</dev/tcp/") + k_server_address + "/" + std::to_string(port)});
    return probed.exit_code == 0 ? "open" : probed.exit_code == 124 ? "filtered" : "closed";
  }

  int failed_units() {
    auto listed = host().exec({"systemctl", "--failed", "--no-legend", "--plain"});
    if (!listed.ok())
      return -1;
    int count = 0;
    for (const auto& line : split_lines(listed.out)) count += trim(line).empty() ? 0 : 1;
    return count;
  }
  std::string failed_unit_list() {
    return host().exec({"systemctl", "--failed", "--no-legend"}).out;
  }

  // Seconds from `systemctl [--user] restart` of the gateway to its listening socket.
  double gateway_restart_seconds(bool user_unit) {
    const auto started = steady_clock::now();
    auto restarted = user_unit ? host().as_app({"systemctl", "--user", "restart", k_gateway_unit})
                               : host().exec({"systemctl", "restart", k_gateway_unit});
    EXPECT_EQ(restarted.exit_code, 0) << restarted.err;
    if (!restarted.ok())
      return -1;
    if (!BootedHost::wait_until([&] { return host().listening(k_gateway_port); }, seconds(120),
                                std::chrono::milliseconds(200)))
      return -1;
    return elapsed(started);
  }

  // `clawshield verify`: exit code, and the checks that are not `pass` ("id status: evidence").
  std::pair<int, std::string> verify() {
    auto verified = host().exec({"clawshield", "--json", "verify"}, seconds(180));
    std::string not_pass;
    auto document = nlohmann::json::parse(verified.out, nullptr, false);
    if (document.is_object() && document.contains("checks"))
      for (const auto& check : document["checks"])
        if (check.value("status", "") != "pass")
          not_pass += "  " + check.value("id", "") + " " + check.value("status", "") + ": " +
                      check.value("evidence", "") + "\n";
    if (!document.is_object())
      not_pass = verified.out + verified.err;
    return {verified.exit_code, not_pass};
  }

  // `systemd-analyze security UNIT` on the running unit: its overall exposure (-1 unreadable).
  double exposure(const std::string& unit) {
    auto analyzed = host().exec({"systemd-analyze", "security", "--no-pager", unit});
    const std::string marker = "Overall exposure level for " + unit + ": ";
    size_t at = analyzed.out.find(marker);
    if (at == std::string::npos)
      return -1;
    return std::strtod(analyzed.out.c_str() + at + marker.size(), nullptr);
  }

  // Seconds left on the ban of `source` (`clawshield bans list`), -1 when there is none.
  long ban_left(const std::string& source) {
    auto listed = host().exec({"clawshield", "bans", "list"});
    size_t at = listed.out.find(source + "  ");
    if (at == std::string::npos)
      return -1;
    return std::strtol(listed.out.c_str() + at + source.size() + 2, nullptr, 10);
  }

  std::string confirm_units() {
    return std::string(trim(host()
                                .exec({"systemctl", "list-units", "--all", "--no-legend", "--plain",
                                       "clawshield-confirm-*"})
                                .out));
  }

  // The guard as a notify service with a watchdog, up (systemd marks a Type=notify service
  // active only once it sent READY=1).
  void expect_guard_up() {
    EXPECT_EQ(host().property("clawshield-guard.service", "Type"), "notify");
    EXPECT_EQ(host().property("clawshield-guard.service", "WatchdogUSec"), "30s");
    EXPECT_TRUE(BootedHost::wait_until(
        [&] { return host().unit_state("clawshield-guard.service") == "active"; }, seconds(30)))
        << host().exec({"journalctl", "-b", "-u", "clawshield-guard", "--no-pager"}).out;
    EXPECT_EQ(host().property("clawshield-guard.service", "SubState"), "running");
  }
};

// (a) The host as openclaw-ansible leaves it: booted, nothing failed, the user unit's gateway
// answering on loopback; measured: its start time without a sandbox.
TEST_F(BootedHostTest, BootsWithTheRealUserUnitGatewayAnswering) {
  EXPECT_EQ(host().boot_state(), "running") << failed_unit_list();
  EXPECT_EQ(failed_units(), 0) << failed_unit_list();
  EXPECT_EQ(host().user_unit_state(k_gateway_unit), "active");
  ASSERT_TRUE(BootedHost::wait_until([&] { return host().answers(k_gateway_port); }, seconds(120)))
      << host().as_app({"journalctl", "--user", "-u", k_gateway_unit, "--no-pager"}).out;
  EXPECT_NE(host().listener_cgroup(k_gateway_port).find("user@"), std::string::npos);
  const double unsandboxed = gateway_restart_seconds(true);
  EXPECT_GT(unsandboxed, 0);
  if (unsandboxed > 0)
    lab().figure("gateway start (restart to listening), user unit, no sandbox: " +
                 std::to_string(unsandboxed) + " s");
  // No firewall yet: a port nobody listens on refuses.
  EXPECT_EQ(from_outside(22), "open");
  EXPECT_EQ(from_outside(k_unused_port), "closed");
}

// (b, c) apply with the live systemd paths: daemon-reload, enable, restart run; the
// commit-confirmed watchdog runs as a transient unit until `confirm`; the gateway moves to the
// hardened system unit and answers; the guard is a notify service with a watchdog; only SSH
// is open from outside; verify passes.
TEST_F(BootedHostTest, ApplyHardensTheRunningGatewayAndTheLiveSystemdPathsRun) {
  const auto started = steady_clock::now();
  auto applied = host().exec({"clawshield", "apply"}, seconds(300));
  const std::string said = applied.out + applied.err;
  ASSERT_EQ(applied.exit_code, 0) << said;
  lab().applied = true;
  EXPECT_EQ(said.find("systemd not running"), std::string::npos) << said;
  EXPECT_EQ(said.find("skipped"), std::string::npos) << said;
  for (const char* step : {"daemon-reload", "enable", "restart"})
    EXPECT_NE(said.find(step), std::string::npos) << step << " not in:\n" << said;

  // The watchdog: a transient unit, running until confirmed.
  const std::string watchdog = confirm_units();
  EXPECT_NE(watchdog.find("active running"), std::string::npos) << watchdog;
  auto confirmed = host().exec({"clawshield", "confirm"});
  EXPECT_EQ(confirmed.exit_code, 0) << confirmed.out << confirmed.err;
  EXPECT_TRUE(BootedHost::wait_until([&] { return confirm_units().empty(); }, seconds(20)))
      << confirm_units();

  // The gateway, moved: the system unit runs it as the app user; the user unit is off.
  const bool up = BootedHost::wait_until([&] { return host().answers(k_gateway_port); },
                                         seconds(90), std::chrono::milliseconds(250));
  lab().gateway_up = steady_clock::now();
  EXPECT_TRUE(up) << host().exec({"journalctl", "-b", "-u", k_gateway_unit, "--no-pager"}).out;
  if (up)
    lab().figure("gateway answering after apply began: " + std::to_string(elapsed(started)) + " s");
  EXPECT_EQ(host().unit_state(k_gateway_unit), "active");
  EXPECT_EQ(host().property(k_gateway_unit, "User"), "openclaw");
  EXPECT_EQ(host().property(k_gateway_unit, "FragmentPath"),
            "/etc/systemd/system/openclaw-gateway.service");
  EXPECT_NE(host().listener_cgroup(k_gateway_port).find("system.slice/openclaw-gateway.service"),
            std::string::npos)
      << host().listener_cgroup(k_gateway_port);
  EXPECT_NE(host().user_unit_state(k_gateway_unit), "active");
  EXPECT_NE(trim(host().as_app({"systemctl", "--user", "is-enabled", k_gateway_unit}).out),
            "enabled");
  lab().gateway_pid = host().property(k_gateway_unit, "MainPID");
  const double score = exposure(k_gateway_unit);
  EXPECT_GE(score, 0);
  EXPECT_LE(score, 2.0);
  lab().figure("systemd-analyze security " + std::string(k_gateway_unit) + ": " +
               std::to_string(score));

  expect_guard_up();

  // The firewall on a real interface: SSH open, everything else dropped.
  EXPECT_EQ(from_outside(22), "open");
  EXPECT_EQ(from_outside(k_unused_port), "filtered");
  EXPECT_EQ(from_outside(k_gateway_port), "filtered");

  // verify, until it passes (the gateway may still be starting).
  std::pair<int, std::string> verified;
  const bool passed = BootedHost::wait_until(
      [&] {
        verified = verify();
        return verified.first == 0;
      },
      seconds(120), std::chrono::seconds(2));
  EXPECT_TRUE(passed) << "verify exit " << verified.first << "; not pass:\n" << verified.second;
  if (passed)
    lab().figure("apply start to verify exit 0: " + std::to_string(elapsed(started)) + " s");
  std::cout << "[ verify   ] checks not `pass` after apply:\n" << verified.second << std::flush;
}

// (b) The sandboxed gateway stays up five minutes (no restart, same process, answering) and
// comes back after `systemctl restart`; measured: its start time in the sandbox.
TEST_F(BootedHostTest, SandboxedGatewayStaysUpFiveMinutesAndSurvivesRestart) {
  require_apply();
  if (HasFatalFailure())
    return;
  const auto until = lab().gateway_up + seconds(300);
  while (steady_clock::now() < until) {
    ASSERT_TRUE(host().answers(k_gateway_port))
        << "stopped answering after " << elapsed(lab().gateway_up) << " s\n"
        << host().exec({"journalctl", "-b", "-u", k_gateway_unit, "--no-pager", "-n", "40"}).out;
    std::this_thread::sleep_for(
        std::min<steady_clock::duration>(seconds(15), until - steady_clock::now()));
  }
  EXPECT_TRUE(host().answers(k_gateway_port));
  EXPECT_EQ(host().property(k_gateway_unit, "NRestarts"), "0");
  EXPECT_EQ(host().property(k_gateway_unit, "MainPID"), lab().gateway_pid);
  // Meanwhile the guard's watchdog was due ten times: no restart means it was fed.
  EXPECT_EQ(host().property("clawshield-guard.service", "NRestarts"), "0");

  const double sandboxed = gateway_restart_seconds(false);
  EXPECT_GT(sandboxed, 0);
  EXPECT_TRUE(BootedHost::wait_until([&] { return host().answers(k_gateway_port); }, seconds(30)));
  if (sandboxed > 0)
    lab().figure("gateway start (restart to listening), system unit, sandboxed: " +
                 std::to_string(sandboxed) + " s");
}

// (item 5) Scoped sudo names the unit that really runs: the app user restarts its gateway and
// nothing else, and the pager `systemctl status` would open cannot start a shell (NOEXEC). The
// escape is first shown to work without sudo, so its failure under sudo means something.
TEST_F(BootedHostTest, ScopedSudoRunsTheRealUnitsCommandsOnly) {
  require_apply();
  if (HasFatalFailure())
    return;
  auto listed = host().exec({"sudo", "-l", "-U", "openclaw"});
  EXPECT_NE(listed.out.find("/usr/bin/systemctl restart openclaw-gateway"), std::string::npos)
      << listed.out;
  EXPECT_NE(listed.out.find("NOEXEC"), std::string::npos) << listed.out;
  EXPECT_EQ(listed.out.find("(ALL) ALL"), std::string::npos) << listed.out;

  auto restarted =
      host().as_app({"sudo", "-n", "/usr/bin/systemctl", "restart", "openclaw-gateway"});
  EXPECT_EQ(restarted.exit_code, 0) << restarted.out << restarted.err;
  EXPECT_TRUE(BootedHost::wait_until([&] { return host().answers(k_gateway_port); }, seconds(90)));
  for (std::vector<std::string> denied :
       {std::vector<std::string>{"sudo", "-n", "/usr/bin/systemctl", "restart", "ssh"},
        {"sudo", "-n", "/usr/bin/systemctl", "restart", "openclaw"},
        {"sudo", "-n", "/usr/bin/systemctl", "edit", "openclaw-gateway"},
        {"sudo", "-n", "/bin/sh"}}) {
    auto result = host().as_app(denied);
    EXPECT_NE(result.exit_code, 0) << denied.back() << ": " << result.out;
  }

  // A five-row terminal so that the pager waits for keys; "!" asks it to run a command, and
  // the rest answers its prompts. systemd's own secure pager mode (LESSSECURE) is switched off
  // where the caller may: under sudo it cannot be (env_reset, !setenv), and NOEXEC stays.
  auto through_pager = [&](const std::string& command, const std::string& marker) {
    host().as_app(
        {"timeout", "30", "bash", "-c",
         "printf '!touch " + marker + "\\n\\nq\\nq\\nq\\n' | script -qec 'stty rows 5 cols 80; " +
             command + "' /dev/null"},
        seconds(60));
    return host().exec({"test", "-e", marker}).exit_code == 0;  // /tmp is the container's tmpfs
  };
  EXPECT_TRUE(
      through_pager("SYSTEMD_PAGERSECURE=0 SYSTEMD_LESS=RSXMK systemctl status openclaw-gateway",
                    "/tmp/escaped-as-user"))
      << "the pager escape does not work even without sudo: this test proves nothing";
  auto with_env = host().as_app(
      {"sudo", "-n", "SYSTEMD_PAGERSECURE=0", "/usr/bin/systemctl", "status", "openclaw-gateway"});
  EXPECT_NE(with_env.exit_code, 0) << "sudo let the user set the pager's environment";
  EXPECT_FALSE(through_pager("sudo -n /usr/bin/systemctl status openclaw-gateway",
                             "/tmp/escaped-by-root-pager"));
  EXPECT_FALSE(through_pager("sudo -n /usr/bin/journalctl -u openclaw-gateway",
                             "/tmp/escaped-by-root-journal"));
}

// (d, item 7) A reboot: the table loads before any interface comes up, the guard is up with
// its watchdog, a ban made before is back with the time it had left, the gateway answers and
// verify passes.
TEST_F(BootedHostTest, RebootKeepsFirewallFirstBansGuardAndGateway) {
  require_apply();
  if (HasFatalFailure())
    return;
  const std::string banned_source = "203.0.113.77";
  auto banned = host().exec({"clawshield", "bans", "ban", "--for", "3600", banned_source});
  ASSERT_EQ(banned.exit_code, 0) << banned.out << banned.err;
  const long left_before = ban_left(banned_source);
  ASSERT_GT(left_before, 3500);
  std::this_thread::sleep_for(seconds(2));  // the guard saves within a tick

  const auto rebooting = steady_clock::now();
  EXPECT_EQ(host().reboot(), "running") << failed_unit_list();
  lab().figure("reboot (poweroff and boot to `running`): " + std::to_string(elapsed(rebooting)) +
               " s");
  EXPECT_EQ(failed_units(), 0) << failed_unit_list();

  // Firewall first: clawshield-firewall.service finished before network-pre.target was
  // reached, and eth0 came up (ht-link.service, like ifupdown) only after that, DOWN until
  // then. Monotonic timestamps of this boot, from systemd itself.
  auto stamp = [&](const std::string& unit, const std::string& property) {
    return std::strtoull(host().property(unit, property).c_str(), nullptr, 10);
  };
  const auto firewall_done = stamp("clawshield-firewall.service", "ExecMainExitTimestampMonotonic");
  const auto network_pre = stamp("network-pre.target", "ActiveEnterTimestampMonotonic");
  const auto link_up = stamp("ht-link.service", "ExecMainStartTimestampMonotonic");
  EXPECT_EQ(host().property("clawshield-firewall.service", "ExecMainStatus"), "0");
  EXPECT_GT(firewall_done, 0u);
  EXPECT_LE(firewall_done, network_pre);
  EXPECT_LT(network_pre, link_up);
  std::cout << "[ ordering ] firewall loaded at " << firewall_done << " us, network-pre.target "
            << network_pre << " us, eth0 up at " << link_up << " us (CLOCK_MONOTONIC)\n";
  EXPECT_NE(host()
                .exec({"journalctl", "-b", "-u", "ht-link.service", "-o", "cat"})
                .out.find("state DOWN"),
            std::string::npos);
  EXPECT_TRUE(host().exec({"nft", "list", "table", "inet", "clawshield"}).ok());
  EXPECT_EQ(from_outside(22), "open");
  EXPECT_EQ(from_outside(k_unused_port), "filtered");

  expect_guard_up();
  const long left_after = ban_left(banned_source);
  EXPECT_GT(left_after, 0)
      << "the ban did not survive the reboot:\n"
      << host().exec({"journalctl", "-b", "-u", "clawshield-guard", "--no-pager"}).out;
  EXPECT_LT(left_after, left_before);        // not reset to a full hour
  EXPECT_GT(left_after, left_before - 600);  // and not more time lost than passed
  lab().figure("ban left before reboot " + std::to_string(left_before) + " s, after " +
               std::to_string(left_after) + " s");

  EXPECT_TRUE(BootedHost::wait_until([&] { return host().answers(k_gateway_port); }, seconds(90)));
  EXPECT_NE(host().listener_cgroup(k_gateway_port).find("system.slice"), std::string::npos);
  std::pair<int, std::string> verified;
  EXPECT_TRUE(BootedHost::wait_until(
      [&] {
        verified = verify();
        return verified.first == 0;
      },
      seconds(90), seconds(2)))
      << "verify exit " << verified.first << "; not pass:\n"
      << verified.second;
}

// (c) guard.engine: fail2ban runs fail2ban as a service (and retires the guard); rolling that
// apply back brings the guard back.
TEST_F(BootedHostTest, Fail2banEngineRunsAsAService) {
  require_apply();
  if (HasFatalFailure())
    return;
  host().write_file("/etc/clawshield/policy.yaml", k_fail2ban_policy, 0600);
  auto applied = host().exec({"clawshield", "apply"}, seconds(300));
  EXPECT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  host().exec({"clawshield", "confirm"});
  EXPECT_TRUE(BootedHost::wait_until(
      [&] { return host().unit_state("fail2ban.service") == "active"; }, seconds(60)))
      << host().exec({"journalctl", "-b", "-u", "fail2ban", "--no-pager", "-n", "30"}).out;
  EXPECT_TRUE(BootedHost::wait_until(
      [&] {
        return host().exec({"fail2ban-client", "status", "sshd"}).ok();
      },
      seconds(30)))
      << host().exec({"fail2ban-client", "status"}).err;
  EXPECT_NE(host().unit_state("clawshield-guard.service"), "active");

  auto rolled_back = host().exec({"clawshield", "rollback"}, seconds(300));
  EXPECT_EQ(rolled_back.exit_code, 0) << rolled_back.out << rolled_back.err;
  host().write_file("/etc/clawshield/policy.yaml", k_policy, 0600);
  expect_guard_up();
  EXPECT_TRUE(BootedHost::wait_until(
      [&] { return host().unit_state("fail2ban.service") != "active"; }, seconds(30)));
}

// (e) rollback: the original user unit back, enabled and running the gateway; the system unit
// gone.
TEST_F(BootedHostTest, RollbackPutsTheUserUnitBackRunning) {
  require_apply();
  if (HasFatalFailure())
    return;
  // What there is to undo: the gateway in its system unit (else this scenario proves nothing).
  EXPECT_EQ(host().property(k_gateway_unit, "LoadState"), "loaded");
  EXPECT_NE(host().user_unit_state(k_gateway_unit), "active");
  auto rolled_back = host().exec({"clawshield", "rollback"}, seconds(300));
  EXPECT_EQ(rolled_back.exit_code, 0) << rolled_back.out << rolled_back.err;
  // Stopped and its file gone (systemd 252 may keep a just-stopped unit loaded across the
  // daemon-reload that follows, until its garbage collection runs: LoadState is no proof).
  EXPECT_NE(host().unit_state(k_gateway_unit), "active");
  EXPECT_FALSE(
      std::filesystem::exists(host().root() + "/etc/systemd/system/openclaw-gateway.service"));
  EXPECT_FALSE(std::filesystem::exists(
      host().root() + "/etc/systemd/system/multi-user.target.wants/openclaw-gateway.service"));
  // The guard this apply installed is stopped with its unit, not left running without it.
  EXPECT_NE(host().unit_state("clawshield-guard.service"), "active");
  EXPECT_FALSE(
      std::filesystem::exists(host().root() + "/etc/systemd/system/clawshield-guard.service"));
  EXPECT_EQ(trim(host().as_app({"systemctl", "--user", "is-enabled", k_gateway_unit}).out),
            "enabled");
  EXPECT_TRUE(BootedHost::wait_until(
      [&] { return host().user_unit_state(k_gateway_unit) == "active"; }, seconds(60)));
  EXPECT_TRUE(BootedHost::wait_until([&] { return host().answers(k_gateway_port); }, seconds(90)))
      << host()
             .as_app({"journalctl", "--user", "-u", k_gateway_unit, "--no-pager", "-n", "30"})
             .out;
  EXPECT_NE(host().listener_cgroup(k_gateway_port).find("user@"), std::string::npos)
      << host().listener_cgroup(k_gateway_port);
  EXPECT_EQ(failed_units(), 0) << failed_unit_list();
}

}  // namespace
}  // namespace clawshield
