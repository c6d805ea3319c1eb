// The engine without root: a substitute runner stands in for the system's tools, so these
// tests show how plan and verify behave when tools are missing or say no — evidence that
// cannot be read is `unknown`, never `pass` — and which live actions are skipped and why.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "engine/apply.h"
#include "engine/journal.h"
#include "engine/layers.h"
#include "engine/plan.h"
#include "engine/verify.h"
#include "host/accounts.h"
#include "host/session.h"
#include "layers/firewall/firewall_layer.h"
#include "layers/sudo/sudoers.h"
#include "layers/systemd_unit/systemd_unit_layer.h"
#include "support/fake_nftables.h"
#include "support/temp_root.h"

namespace clawshield {
namespace {

// A runner with no programs at all.
class NoToolsRunner final : public CommandRunner {
 public:
  Result<CommandResult> run(const Command& command) override {
    ++calls;
    return fail(ErrorCode::not_found,
                "cannot run " + command.argv.front() + ": No such file or directory");
  }
  Result<void> spawn_detached(const Command& command) override {
    ++calls;
    return fail(ErrorCode::not_found, "cannot start " + command.argv.front());
  }
  int calls = 0;
};

// A root that looks applied: account, state dir, unit, sudoers, apt files.
void seed_applied_root(const std::string& root, const Policy& policy) {
  testing::seed_minimal_root(root);
  testing::write_file(root, "/etc/passwd",
                      testing::read_file(root, "/etc/passwd") +
                          "openclaw:x:998:998::/home/openclaw:/usr/sbin/nologin\n");
  testing::write_file(root, "/etc/group",
                      testing::read_file(root, "/etc/group") + "openclaw:x:998:\n");
  GatewayService gateway;  // no user unit in this root: the policy's command
  gateway.name = policy.app.service;
  gateway.exec_start = policy.app.exec_start;
  testing::write_file(root, gateway.unit_file(), render_unit(policy, gateway));
  std::filesystem::create_directories(root + "/etc/systemd/system/multi-user.target.wants");
  std::filesystem::create_symlink(
      gateway.unit_file(),
      root + "/etc/systemd/system/multi-user.target.wants/" + gateway.name + ".service");
  testing::write_file(root, sudoers_path(policy), render_sudoers(policy, policy.app.service), 0440);
}

std::map<std::string, Status> statuses_of(const VerifyReport& report) {
  std::map<std::string, Status> out;
  for (const auto& finding : report.findings) out[finding.id] = finding.status;
  return out;
}

// Issue 16: desired(), verify() and notes() see the host through a HostView whose files are
// read-only: a write through `context.host.fs` does not compile, a read does. The same
// expressions on apply's context (the full Host) do compile, so these assertions fail if the
// view's filesystem loses its const.
template <typename C>
concept WritesAtomically = requires(const C& context, Ownership owner) {
  context.host.fs.write_atomic("/etc/x", "text", 0644u, owner);
};
template <typename C>
concept MakesDirectories = requires(const C& context, Ownership owner) {
  context.host.fs.make_directory("/etc/x", 0755u, owner);
};
template <typename C>
concept SetsAttributes = requires(const C& context, Ownership owner) {
  context.host.fs.set_attributes("/etc/x", 0644u, owner);
};
template <typename C>
concept RemovesFiles = requires(const C& context) { context.host.fs.remove("/etc/x"); };
template <typename C>
concept TakesLocks = requires(const C& context) { context.host.fs.lock_exclusive("/etc/x"); };
template <typename C>
concept ReadsFiles = requires(const C& context) {
  context.host.fs.read("/etc/x");
  context.host.fs.stat("/etc/x");
  context.host.fs.list("/etc");
};

static_assert(!WritesAtomically<Context>);
static_assert(!MakesDirectories<Context>);
static_assert(!SetsAttributes<Context>);
static_assert(!RemovesFiles<Context>);
static_assert(!TakesLocks<Context>);
static_assert(ReadsFiles<Context>);
static_assert(WritesAtomically<ApplyContext> && MakesDirectories<ApplyContext> &&
              SetsAttributes<ApplyContext> && RemovesFiles<ApplyContext> &&
              TakesLocks<ApplyContext> && ReadsFiles<ApplyContext>);
// A layer cannot be handed the full Host by mistake: a Context is made from a view only.
template <typename H>
concept MakesContext = requires(H& host, const Policy& policy) {
  Context{host, policy};
};
static_assert(!MakesContext<Host>);
static_assert(MakesContext<const HostView>);

TEST(HostView, SharesTheHostsServicesAndCopiesItsValues) {
  testing::TempDir dir;
  testing::write_file(dir.path(), "/etc/hostname", "claw\n");
  auto fs = Filesystem::open(dir.path());
  NoToolsRunner runner;
  SystemClock clock;
  testing::EmptyNftables nft;
  Host host{*fs, runner, clock, nft, Liveness::live, true};
  host.own_network = true;
  host.ssh_connection = "192.0.2.7 50000 192.0.2.1 22";
  host.docker_socket = "/run/user/998/docker.sock";
  const HostView view = host.view();
  EXPECT_EQ(&view.fs, &host.fs);
  EXPECT_EQ(&view.runner, &host.runner);
  EXPECT_EQ(&view.nft, &host.nft);
  EXPECT_EQ(view.fs.read("/etc/hostname").value_or(""), "claw\n");
  EXPECT_EQ(view.liveness, Liveness::live);
  EXPECT_TRUE(view.systemd_running);
  EXPECT_TRUE(view.own_network);
  EXPECT_EQ(view.ssh_connection, host.ssh_connection);
  EXPECT_EQ(view.docker_socket, "/run/user/998/docker.sock");
  for (Requirement requirement :
       {Requirement::none, Requirement::live_system, Requirement::systemd, Requirement::network})
    EXPECT_EQ(view.skip_reason(requirement), host.skip_reason(requirement));
  // A temp root is not the running system: the same reason from both.
  EXPECT_EQ(view.skip_reason(Requirement::systemd), "--root is not the running system");
}

// Issue 16: the layer list is built from the policy's firewall.backend and guard.engine. The
// same layers in the same order either way (so `--only` names and the order of findings stay),
// the chosen backend active and the other retiring: verify shows which by the ids it reports.
TEST(Engine, LayerListIsBuiltFromTheBackendsThePolicyChooses) {
  Policy native;
  Policy compat;
  compat.firewall.backend = FirewallBackend::ufw;
  compat.guard.engine = GuardEngine::fail2ban;
  const std::vector<std::string> ids = {"firewall",   "ufw",      "kernel",          "tailscale",
                                        "ssh",        "guard",    "fail2ban",        "docker",
                                        "containers", "app_user", "rootless_docker", "openclaw",
                                        "systemd",    "sudo",     "updates"};
  for (const Policy* policy : {&native, &compat}) {
    std::vector<std::string> listed;
    for (const auto& layer : all_layers(*policy)) listed.push_back(std::string(layer->id()));
    EXPECT_EQ(listed, ids);
  }

  testing::TempDir dir;
  seed_applied_root(dir.path(), native);  // neither ufw nor fail2ban installed
  auto fs = Filesystem::open(dir.path());
  NoToolsRunner runner;
  SystemClock clock;
  testing::EmptyNftables nft;
  Host host{*fs, runner, clock, nft, Liveness::offline, false};
  auto ids_of = [&](const Policy& policy, const std::string& only) {
    std::vector<std::string> found;
    for (const auto& finding :
         run_verify(Context{host.view(), policy}, all_layers(policy), only).findings)
      found.push_back(finding.id);
    return found;
  };
  // nftables and the guard chosen: ufw and fail2ban only check that they are out of service.
  EXPECT_EQ(ids_of(native, "ufw"), std::vector<std::string>{"ufw.retired"});
  EXPECT_EQ(ids_of(native, "fail2ban"), std::vector<std::string>{"fail2ban.retired"});
  const auto guard = ids_of(native, "guard");
  EXPECT_NE(std::ranges::find(guard, "guard.unit_installed"), guard.end());
  EXPECT_EQ(std::ranges::find(guard, "guard.retired"), guard.end());
  // ufw and fail2ban chosen: the guard only checks that it is out of service, ufw its posture.
  EXPECT_EQ(ids_of(compat, "guard"), std::vector<std::string>{"guard.retired"});
  const auto ufw = ids_of(compat, "ufw");
  EXPECT_NE(std::ranges::find(ufw, "ufw.active"), ufw.end());
  EXPECT_EQ(std::ranges::find(ufw, "ufw.retired"), ufw.end());
  const auto fail2ban = ids_of(compat, "fail2ban");
  EXPECT_EQ(std::ranges::find(fail2ban, "fail2ban.retired"), fail2ban.end());
}

TEST(Engine, MissingToolsMakeChecksUnknownNeverPass) {
  testing::TempDir dir;
  Policy policy;
  seed_applied_root(dir.path(), policy);
  auto fs = Filesystem::open(dir.path());
  NoToolsRunner runner;
  SystemClock clock;
  testing::EmptyNftables nft;
  Host host{*fs, runner, clock, nft, Liveness::offline, false};
  auto report = run_verify(Context{host.view(), policy}, all_layers(policy), std::nullopt);
  auto statuses = statuses_of(report);
  for (const char* id :
       {"systemd.exposure", "sudo.valid", "updates.package_installed", "updates.periodic_update",
        "updates.automatic_reboot", "updates.security_only",
        // sudoers is judged by sudo's own parser (cvtsudoers): without it, unknown.
        "sudo.no_broad_rules", "sudo.noexec", "sudo.environment", "sudo.exact_commands"})
    EXPECT_EQ(statuses[id], Status::unknown) << id;
  // What needs no tool is still judged.
  EXPECT_EQ(statuses["app_user.exists"], Status::pass);
  EXPECT_GT(runner.calls, 0);
  for (const auto& finding : report.findings) {
    if (finding.status == Status::unknown && finding.layer != "firewall" &&
        finding.layer != "guard" && finding.layer != "openclaw" && finding.layer != "kernel" &&
        finding.layer != "tailscale" &&
        finding.id != "systemd.gateway_active") {  // says why systemd was not asked (offline)
      EXPECT_NE(finding.evidence.find("cannot run"), std::string::npos) << finding.id;
    }
  }
}

TEST(Engine, PlanListsLayerCommandsAndSkipsLiveOnesUnderAnotherRoot) {
  testing::TempDir dir;
  testing::seed_minimal_root(dir.path());
  // dpkg says unattended-upgrades is missing; the install is a live action.
  testing::write_file(dir.path(), "/var/lib/dpkg/status", "");
  auto fs = Filesystem::open(dir.path());
  ProcessRunner runner;
  SystemClock clock;
  testing::EmptyNftables nft;
  Host host{*fs, runner, clock, nft, Liveness::live, false};
  Policy policy;
  Plan plan = make_plan(Context{host.view(), policy}, all_layers(policy));
  ASSERT_FALSE(plan.has_errors());
  std::map<std::string, std::optional<std::string>> changes;
  for (const auto& layer : plan.layers)
    for (const auto& change : layer.changes) changes[change.summary] = change.skip_reason;
  ASSERT_TRUE(changes.contains("create system user openclaw"));
  EXPECT_FALSE(changes["create system user openclaw"]);  // --prefix works on any root
  ASSERT_TRUE(changes.contains("install unattended-upgrades"));
  EXPECT_EQ(changes["install unattended-upgrades"], "--root is not the running system");
  EXPECT_EQ(changes["systemctl daemon-reload"], "--root is not the running system");
  EXPECT_EQ(changes["load nftables table inet clawshield"],
            "--root is not the running system (name its network namespace with --netns)");
  EXPECT_EQ(plan.skipped(), 6u);  // + the guard's daemon-reload and restart
}

TEST(Accounts, MalformedLineIsAnErrorNamingIt) {
  testing::TempDir dir;
  testing::seed_minimal_root(dir.path());
  testing::write_file(dir.path(), "/etc/passwd", "root:x:0:0:root:/root:/bin/bash\nbroken:x:0\n");
  auto fs = Filesystem::open(dir.path());
  auto accounts = Accounts::load(*fs);
  ASSERT_FALSE(accounts);
  EXPECT_NE(accounts.error().message.find("/etc/passwd:2: expected 7 fields"), std::string::npos)
      << accounts.error().message;
}

TEST(Accounts, GroupsOfCountsPrimaryAndSupplementary) {
  testing::TempDir dir;
  testing::seed_minimal_root(dir.path());
  auto fs = Filesystem::open(dir.path());
  auto accounts = Accounts::load(*fs);
  ASSERT_TRUE(accounts);
  EXPECT_EQ(accounts->groups_of(*accounts->user("admin")),
            (std::vector<std::string>{"admin", "docker", "sudo"}));
  EXPECT_EQ(accounts->root_equivalent_users(), std::vector<std::string>{"root"});
}

TEST(Engine, SkipReasons) {
  testing::TempDir dir;
  auto other_root = Filesystem::open(dir.path());
  auto system_root = Filesystem::open("/");
  ASSERT_TRUE(system_root->is_system_root());
  NoToolsRunner runner;
  SystemClock clock;
  testing::EmptyNftables nft;
  Host live_no_systemd{*system_root, runner, clock, nft, Liveness::live, false};
  EXPECT_EQ(live_no_systemd.skip_reason(Requirement::systemd), "systemd not running");
  EXPECT_EQ(live_no_systemd.skip_reason(Requirement::live_system), std::nullopt);
  Host live_systemd{*system_root, runner, clock, nft, Liveness::live, true};
  EXPECT_EQ(live_systemd.skip_reason(Requirement::systemd), std::nullopt);
  Host offline{*system_root, runner, clock, nft, Liveness::offline, true};
  EXPECT_EQ(offline.skip_reason(Requirement::systemd), "offline");
  EXPECT_EQ(offline.skip_reason(Requirement::none), std::nullopt);
  Host elsewhere{*other_root, runner, clock, nft, Liveness::live, true};
  EXPECT_EQ(elsewhere.skip_reason(Requirement::live_system), "--root is not the running system");
}

TEST(Engine, UnitFileIsNotRewrittenWhenOnlyAnotherLayerChanges) {
  testing::TempDir dir;
  Policy policy;
  seed_applied_root(dir.path(), policy);
  auto fs = Filesystem::open(dir.path());
  ProcessRunner runner;
  SystemClock clock;
  testing::EmptyNftables nft;
  Host host{*fs, runner, clock, nft, Liveness::live, true};
  Plan plan = make_plan(Context{host.view(), policy}, all_layers(policy));
  for (const auto& layer : plan.layers) {
    if (layer.id != "systemd")
      continue;
    // The unit's content already matches, so neither a rewrite nor a reload or restart is
    // planned (without root, the test's files are not root-owned: an owner fix may remain).
    for (const auto& change : layer.changes) {
      EXPECT_EQ(change.summary.find("systemctl"), std::string::npos) << change.summary;
      EXPECT_FALSE(change.summary.starts_with("update ")) << change.summary;
    }
  }
}

// A fake /proc: PID folders with stat, environ, fd links, ns/net and net/tcp{,6}.
class FakeProc {
 public:
  explicit FakeProc(const std::string& root) : m_root(root) {}
  void process(pid_t pid, pid_t ppid, const std::string& comm, pid_t session = 1,
               const std::string& environ = "PATH=/usr/bin", const std::string& netns = "net:[1]") {
    const std::string dir = m_root + "/" + std::to_string(pid);
    testing::write_file(dir, "/stat",
                        std::to_string(pid) + " (" + comm + ") S " + std::to_string(ppid) + " " +
                            std::to_string(pid) + " " + std::to_string(session) + " 0 -1 0\n");
    std::string env = environ;
    std::replace(env.begin(), env.end(), '\n', '\0');
    testing::write_file(dir, "/environ", env + std::string(1, '\0'));
    std::filesystem::create_directories(dir + "/ns");
    std::filesystem::create_symlink(netns, dir + "/ns/net");
  }
  // Process `pid` holds socket `inode` (fd 3) in a network namespace whose TCP tables are
  // `tcp` and `tcp6`.
  void socket(pid_t pid, unsigned long inode, const std::string& tcp, const std::string& tcp6) {
    const std::string dir = m_root + "/" + std::to_string(pid);
    std::filesystem::create_directories(dir + "/fd");
    std::filesystem::create_symlink("/dev/null", dir + "/fd/0");
    std::filesystem::create_symlink("socket:[" + std::to_string(inode) + "]", dir + "/fd/3");
    testing::write_file(dir, "/net/tcp", k_header + tcp);
    testing::write_file(dir, "/net/tcp6", k_header + tcp6);
  }
  static inline const std::string k_header =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
      "timeout inode\n";

 private:
  std::string m_root;
};

// 10.0.0.1:22 <- 203.0.113.5:40000, established, inode 777 (and a listener, inode 5).
const std::string k_tcp_session =
    "   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5 "
    "1 0000000000000000 100 0 0 10 0\n"
    "   1: 0100000A:0016 057100CB:9C40 01 00000000:00000000 02:000A7B1C 00000000     0        0 "
    "777 4 0000000000000000 20 4 31 10 -1\n";

// The chain `sudo clawshield apply` runs in on Debian: clawshield (no SSH_CONNECTION: sudo
// dropped it) <- sudo <- bash (has it) <- sshd session <- sshd listener <- init.
void seed_sudo_chain(FakeProc& proc, bool with_socket, bool with_env) {
  proc.process(1, 0, "systemd");
  proc.process(100, 1, "sshd", 100);
  proc.process(200, 100, "sshd-session", 200);
  proc.process(300, 200, "bash", 300,
               with_env ? "USER=admin\nSSH_CONNECTION=10.0.0.9 5555 10.0.0.1 22" : "USER=admin");
  proc.process(400, 300, "sudo", 300);
  proc.process(500, 400, "clawshield", 300, "SUDO_USER=admin\nSUDO_UID=1000");
  if (with_socket)
    proc.socket(200, 777, k_tcp_session, "");
}

TEST(Session, SudoDroppedSshConnectionButSshdsSocketNamesTheSession) {
  testing::TempDir dir;
  FakeProc proc(dir.path());
  seed_sudo_chain(proc, /*with_socket=*/true, /*with_env=*/true);
  AdminSession session = find_admin_session(dir.path(), 500, true);
  EXPECT_EQ(session.kind, SessionKind::found) << session.source;
  // The socket wins over the environment (which any process in the session can set).
  EXPECT_EQ(session.connection, "203.0.113.5 40000 10.0.0.1 22");
  EXPECT_NE(session.source.find("sshd process 200"), std::string::npos) << session.source;
}

TEST(Session, WithoutTheSocketAnAncestorsSshConnectionIsUsed) {
  testing::TempDir dir;
  FakeProc proc(dir.path());
  seed_sudo_chain(proc, /*with_socket=*/false, /*with_env=*/true);
  AdminSession session = find_admin_session(dir.path(), 500, true);
  EXPECT_EQ(session.kind, SessionKind::found) << session.source;
  EXPECT_EQ(session.connection, "10.0.0.9 5555 10.0.0.1 22");
  EXPECT_NE(session.source.find("process 300"), std::string::npos) << session.source;
}

TEST(Session, UnderSudoWithNoEndpointsItIsUnknownNotLocal) {
  testing::TempDir dir;
  FakeProc proc(dir.path());
  seed_sudo_chain(proc, /*with_socket=*/false, /*with_env=*/false);
  AdminSession session = find_admin_session(dir.path(), 500, true);
  EXPECT_EQ(session.kind, SessionKind::unknown);
  EXPECT_NE(session.source.find("sudo"), std::string::npos) << session.source;
  EXPECT_NE(session.source.find("sshd process 200"), std::string::npos) << session.source;
  // The sudo process alone (SUDO_USER stripped on the way) is enough to count as remote.
  EXPECT_EQ(find_admin_session(dir.path(), 500, false).kind, SessionKind::unknown);
}

TEST(Session, ALocalShellIsLocal) {
  testing::TempDir dir;
  FakeProc proc(dir.path());
  proc.process(1, 0, "systemd");
  proc.process(10, 1, "sshd_sandbox", 10);  // a name that only looks like sshd
  proc.process(20, 10, "bash", 20);
  proc.process(30, 20, "clawshield", 20);
  EXPECT_EQ(find_admin_session(dir.path(), 30, false).kind, SessionKind::local);
}

TEST(Session, ASessionInAnotherNetworkNamespaceIsElsewhere) {
  testing::TempDir dir;
  FakeProc proc(dir.path());
  proc.process(1, 0, "systemd");
  proc.process(200, 1, "sshd", 200);
  proc.socket(200, 777, k_tcp_session, "");
  proc.process(300, 200, "bash", 300);
  // clawshield entered another namespace (--netns): that session's packets never cross it.
  proc.process(500, 300, "clawshield", 300, "PATH=/bin", "net:[2]");
  AdminSession session = find_admin_session(dir.path(), 500, false);
  EXPECT_EQ(session.kind, SessionKind::elsewhere) << session.source;
}

TEST(Session, Ipv6AndMappedEndpointsFromTcp6) {
  // [2001:db8::1]:22 <- [2001:db8::99]:50000 and ::ffff:10.0.0.1:2222 <- ::ffff:10.0.0.9:40000.
  const std::string table =
      FakeProc::k_header +
      "   0: B80D0120000000000000000001000000:0016 B80D0120000000000000000099000000:C350 01 "
      "00000000:00000000 00:00000000 00000000 0 0 41 1\n"
      "   1: 0000000000000000FFFF00000100000A:08AE 0000000000000000FFFF00000900000A:9C40 01 "
      "00000000:00000000 00:00000000 00000000 0 0 42 1\n";
  EXPECT_EQ(established_connection(table, true, 41), "2001:db8::99 50000 2001:db8::1 22");
  EXPECT_EQ(established_connection(table, true, 42), "10.0.0.9 40000 10.0.0.1 2222");
  EXPECT_EQ(established_connection(table, true, 43), std::nullopt);
}

// The real /proc: a shell holding SSH_CONNECTION starts a child with a cleaned environment
// (as sudo does); the child's session is still found through its parent.
TEST(Session, RealProcessTreeFindsTheAncestorsSshConnection) {
  pid_t shell = ::fork();
  ASSERT_GE(shell, 0);
  if (shell == 0) {
    const char* argv[] = {"sh", "-c", "env -i /bin/sleep 30; :", nullptr};
    const char* envp[] = {"PATH=/usr/bin:/bin", "SSH_CONNECTION=192.0.2.7 61000 192.0.2.1 22",
                          nullptr};
    ::execve("/bin/sh", const_cast<char* const*>(argv), const_cast<char* const*>(envp));
    ::_exit(127);
  }
  // The sleeping child of the shell.
  pid_t child = 0;
  for (int tries = 0; tries < 100 && child == 0; ++tries) {
    std::ifstream children("/proc/" + std::to_string(shell) + "/task/" + std::to_string(shell) +
                           "/children");
    children >> child;
    if (child == 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_NE(child, 0);
  // Wait until the child runs sleep (its environment is then the cleaned one).
  for (int tries = 0; tries < 100; ++tries) {
    std::ifstream comm("/proc/" + std::to_string(child) + "/comm");
    std::string name;
    comm >> name;
    if (name == "sleep")
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  AdminSession session = find_admin_session("/proc", child, false);
  ::kill(child, SIGKILL);
  ::kill(shell, SIGKILL);
  ::waitpid(shell, nullptr, 0);
  if (session.source.starts_with("the socket of sshd"))
    GTEST_SKIP() << "this test runs inside a real SSH session (" << session.source << ")";
  EXPECT_EQ(session.kind, SessionKind::found) << session.source;
  EXPECT_EQ(session.connection, "192.0.2.7 61000 192.0.2.1 22");
  EXPECT_EQ(session.source, "SSH_CONNECTION of process " + std::to_string(shell));
}

// Both backends' lockout check: a session that looks remote but cannot be found refuses a
// firewall loaded here, unless forced.
TEST(Session, UnknownSessionRefusesAFirewallLoadedHereUnlessForced) {
  testing::TempDir dir;
  auto fs = Filesystem::open(dir.path());
  ProcessRunner runner;
  SystemClock clock;
  testing::EmptyNftables nft;
  Host host{*fs, runner, clock, nft, Liveness::live, false};
  host.own_network = true;
  host.session_unknown = "running under sudo (SUDO_USER is set)";
  auto problem = session_problem(host.view(), {22}, {}, FirewallChange::yes);
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("cannot tell which SSH session"), std::string::npos) << *problem;
  EXPECT_NE(problem->find("--force"), std::string::npos) << *problem;
  // A firewall left as it is cannot cut anyone.
  EXPECT_EQ(session_problem(host.view(), {22}, {}, FirewallChange::no), std::nullopt);
  host.lockout_guard = LockoutGuard::forced;
  EXPECT_EQ(session_problem(host.view(), {22}, {}, FirewallChange::yes), std::nullopt);
  host.lockout_guard = LockoutGuard::enforce;
  host.own_network = false;  // nothing is loaded in this namespace
  EXPECT_EQ(session_problem(host.view(), {22}, {}, FirewallChange::yes), std::nullopt);
  // A found session is judged by its port.
  host.own_network = true;
  host.session_unknown.reset();
  host.ssh_connection = "203.0.113.5 40000 10.0.0.1 22";
  EXPECT_EQ(session_problem(host.view(), {22}, {}, FirewallChange::yes), std::nullopt);
  EXPECT_TRUE(session_problem(host.view(), {2222}, {}, FirewallChange::yes));
}

}  // namespace
}  // namespace clawshield

namespace clawshield {
namespace {

// Rollback's undo commands act on the host as it was: a file the apply created is gone by
// then (the Docker restart after rollback must not read the daemon.json the apply made), a
// folder it created is still there (ufw's undo needs its lock folder).
TEST(JournalRollback, UndoSeesCreatedFilesGoneAndCreatedFoldersStill) {
  testing::TempDir root;
  auto fs = Filesystem::open(root.path());
  ASSERT_TRUE(fs);
  SystemClock clock;
  auto journal = Journal::begin(*fs, clock);
  ASSERT_TRUE(journal) << journal.error().message;
  ASSERT_TRUE(journal->record("/etc/made.json"));
  ASSERT_TRUE(journal->record("/etc/made.d"));
  testing::write_file(root.path(), "/etc/made.json", "{}\n");
  std::filesystem::create_directories(root.path() + "/etc/made.d");
  const std::string witness = root.path() + "/undo-saw";
  // `test` as the undo: it fails (and rollback with it) unless the file is gone and the folder
  // still there; then `touch` leaves a witness that it ran.
  ASSERT_TRUE(journal->record_undo("witness", Command({"touch", witness}), false));
  ASSERT_TRUE(journal->record_undo(
      "file gone", Command({"test", "!", "-e", root.path() + "/etc/made.json"}), false));
  ASSERT_TRUE(journal->record_undo("folder still there",
                                   Command({"test", "-d", root.path() + "/etc/made.d"}), false));
  ASSERT_TRUE(journal->finish());
  testing::EmptyNftables nft;
  ProcessRunner runner;
  auto rolled = journal->roll_back(nft, runner);
  ASSERT_TRUE(rolled) << rolled.error().message;
  EXPECT_TRUE(std::filesystem::exists(witness));
  EXPECT_FALSE(std::filesystem::exists(root.path() + "/etc/made.json"));
  EXPECT_FALSE(std::filesystem::exists(root.path() + "/etc/made.d"));
}

}  // namespace
}  // namespace clawshield
