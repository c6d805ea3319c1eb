// Issue 14's acceptance on a real booted host: OpenClaw's Docker sandboxes on a rootless daemon
// of the app user's own instead of the root-equivalent `docker` group. The host boots as the
// seed leaves it (system docker.service, openclaw in `docker`, the gateway in its user unit);
// `apply` must give openclaw its own rootless daemon that the gateway reaches through
// DOCKER_HOST, shut the system daemon to it, keep the rootless daemon's published ports off
// the outside (v4 and v6) but on loopback and the tailnet, let the containers audit see them,
// let the real OpenClaw's doctor and its gateway start a sandbox there, and `rollback` must put
// the seed's setup back byte for byte. One boot is shared by the scenarios, run in order as
// tests of one suite (they are one host's life); a failure early makes the later ones fail too,
// and they say so.
#include <gtest/gtest.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>
#include <memory>

#include "core/text.h"
#include "support/booted_host.h"

namespace clawshield {
namespace {

using std::chrono::seconds;
using std::chrono::steady_clock;
using testing::BootedHost;

constexpr int k_gateway_port = 18789;
constexpr const char* k_gateway_unit = "openclaw-gateway.service";
constexpr const char* k_rootless_unit = "docker-rootless-openclaw.service";
constexpr const char* k_rootless_host = "unix:///run/docker-rootless-openclaw/docker.sock";
constexpr const char* k_system_host = "unix:///var/run/docker.sock";
constexpr const char* k_user_unit = "/home/openclaw/.config/systemd/user/openclaw-gateway.service";
constexpr const char* k_user_unit_link =
    "/home/openclaw/.config/systemd/user/default.target.wants/openclaw-gateway.service";
constexpr const char* k_image = "local/busybox:1";
// The outside (eth0's peer) and the tailnet (tailscale0's peer), v4 and v6.
constexpr const char* k_server_v4 = "10.214.0.2";
constexpr const char* k_outside_v4 = "10.214.0.1";
constexpr const char* k_server_v6 = "fd00:214::2";
constexpr const char* k_outside_v6 = "fd00:214::1";
constexpr const char* k_tailnet_server_v4 = "100.64.14.2";
constexpr const char* k_tailnet_peer_v4 = "100.64.14.1";
constexpr const char* k_tailnet_server_v6 = "fd7a:115c:a1e0::14:2";
constexpr const char* k_tailnet_peer_v6 = "fd7a:115c:a1e0::14:1";

// The defaults (app.sandbox: rootless among them), with the binary where the test binds it.
constexpr const char* k_policy =
    "# The booted host's policy: the defaults, with the binary where the test binds it.\n"
    "guard:\n"
    "  executable: /usr/local/sbin/clawshield\n";

// What rollback must put back byte for byte (the enablement link by its target).
const std::vector<std::string> k_recorded = {
    "/etc/group", "/etc/gshadow",  "/etc/subuid", "/etc/subgid", "/etc/docker/daemon.json",
    k_user_unit,  k_user_unit_link};

// A headless automation script (OpenClaw's cron "script" payload, no model turn): its `exec`
// runs in the agent's sandbox, which the gateway creates and starts first. It leaves a marker
// in the container's /tmp (a tmpfs; the root is read-only) for the test to read back.
constexpr const char* k_probe_script =
    "const r = await exec({ command: \"echo sandbox-exec-ok $(id -u) > /tmp/bs-probe; cat "
    "/tmp/bs-probe\" });\n"
    "json({ state: { out: String(r?.aggregated ?? \"\") } });\n";
constexpr const char* k_probe_path = "/home/openclaw/bs-sandbox-probe.js";

CommandResult run(const std::vector<std::string>& argv, seconds timeout = seconds(60)) {
  ProcessRunner runner;
  Command command(argv);
  command.timeout = timeout;
  auto result = runner.run(command);
  if (!result)
    return CommandResult{-1, "", result.error().message};
  return *result;
}

enum class UnitScope { user, system };

double elapsed(steady_clock::time_point since) {
  return std::chrono::duration<double>(steady_clock::now() - since).count();
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// What the scenarios share: the host, the namespaces around it, what (a) recorded, figures.
struct Lab {
  std::string skip;
  std::string server_ns, outside_ns, veth, tailnet_ns, tailnet_veth;
  std::unique_ptr<BootedHost> host;
  bool applied = false;  // apply and confirm succeeded: later scenarios need it
  std::map<std::string, std::string> digests;  // path -> sha256, "link:TARGET" or "absent"
  std::string unit_files;                      // find /etc/systemd/system, sorted
  std::string system_daemon_settings;          // the system daemon's live settings
  std::vector<std::string> figures;

  void figure(const std::string& line) {
    figures.push_back(line);
    std::cout << "[ figure   ] " << line << std::endl;
  }
};
Lab* g_lab = nullptr;

class BootedSandboxTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    g_lab = new Lab;
    Lab& lab = *g_lab;
    lab.skip = testing::booted_host_unavailable();
    if (!lab.skip.empty())
      return;
    const std::string id = std::to_string(::getpid() % 100000);
    lab.server_ns = "bs-" + id;
    lab.outside_ns = "bs" + id + "-out";
    lab.veth = "bs" + id + "o";
    lab.tailnet_ns = "bs" + id + "-ts";
    lab.tailnet_veth = "bs" + id + "t";
    // The server's namespace is ours (lab uses it as it is): eth0 in it, up, its peer outside.
    for (const auto& argv : std::vector<std::vector<std::string>>{
             {"ip", "netns", "add", lab.server_ns},
             {"ip", "netns", "add", lab.outside_ns},
             {"ip", "-n", lab.server_ns, "link", "set", "lo", "up"},
             {"ip", "-n", lab.outside_ns, "link", "set", "lo", "up"},
             {"ip", "link", "add", lab.veth, "netns", lab.outside_ns, "type", "veth", "peer",
              "name", "eth0", "netns", lab.server_ns},
             {"ip", "-n", lab.outside_ns, "addr", "add", std::string(k_outside_v4) + "/24", "dev",
              lab.veth},
             {"ip", "-n", lab.outside_ns, "link", "set", lab.veth, "up"},
             {"ip", "-n", lab.server_ns, "addr", "add", std::string(k_server_v4) + "/24", "dev",
              "eth0"},
             {"ip", "-n", lab.server_ns, "link", "set", "eth0", "up"}}) {
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
    lab.host->write_file("/etc/clawshield/policy.yaml", k_policy, 0600);
  }

  static void TearDownTestSuite() {
    if (!g_lab)
      return;
    if (!g_lab->figures.empty()) {
      std::cout << "[ figures  ] measured on the booted host:\n";
      for (const auto& line : g_lab->figures) std::cout << "[ figures  ]   " << line << "\n";
    }
    g_lab->host.reset();  // lab destroy
    for (const auto& ns : {g_lab->tailnet_ns, g_lab->outside_ns, g_lab->server_ns})
      if (!ns.empty())
        run({"ip", "netns", "del", ns});
    delete g_lab;
    g_lab = nullptr;
  }

  void SetUp() override {
    if (!g_lab->skip.empty())
      GTEST_SKIP() << g_lab->skip;
  }

  // The scenarios after the apply check what it made; without it they fail at once.
  void require_apply() {
    if (!g_lab->applied)
      GTEST_FAIL() << "the apply scenario failed: nothing to check here";
  }

  BootedHost& host() { return *g_lab->host; }
  Lab& lab() { return *g_lab; }

  // `docker ARGS` as openclaw against the daemon at `docker_host`.
  CommandResult docker_as_app(const std::string& docker_host, std::vector<std::string> args,
                              seconds timeout = seconds(120)) {
    args.insert(args.begin(), {"env", "DOCKER_HOST=" + docker_host, "docker"});
    return host().as_app(args, timeout);
  }

  // A file's sha256, "link:TARGET" for a symbolic link, "absent" when there is none.
  std::string digest(const std::string& path) {
    if (host().exec({"test", "-L", path}).ok())
      return "link:" + std::string(trim(host().exec({"readlink", path}).out));
    if (!host().exec({"test", "-e", path}).ok())
      return "absent";
    auto summed = host().exec({"sha256sum", path});
    return summed.ok() ? summed.out.substr(0, 64) : "unreadable: " + summed.err;
  }
  std::string unit_files() {
    auto found = host().exec({"find", "/etc/systemd/system"});
    auto lines = split_lines(found.out);
    std::vector<std::string> sorted(lines.begin(), lines.end());
    std::ranges::sort(sorted);
    return join(sorted, "\n");
  }
  // What the system daemon runs with that apply's daemon.json changes (the seed has none).
  std::string system_daemon_settings() {
    auto info = host().exec({"docker", "-H", k_system_host, "info", "--format",
                             "live-restore={{.LiveRestoreEnabled}} "
                             "experimental={{.ExperimentalBuild}}"});
    return info.ok() ? std::string(trim(info.out)) : "unreachable: " + info.err;
  }
  std::string docker_gid() {
    auto group = host().exec({"getent", "group", "docker"});
    auto fields = split(std::string(trim(group.out)), ':');
    return fields.size() >= 3 ? fields[2] : "";
  }
  bool in_group(const std::string& gid) {
    for (const auto& id : split(std::string(trim(host().exec({"id", "-G", "openclaw"}).out)), ' '))
      if (id == gid)
        return true;
    return false;
  }

  // A TCP connect from namespace `ns` to `address`:`port`: "open", "closed" (refused) or
  // "filtered" (no answer in 3 s).
  std::string probe(const std::string& ns, const std::string& address, int port) {
    auto probed = run({"ip", "netns", "exec", ns, "timeout", "3", "bash", "-c",
                       "</dev/tcp/" + address + "/" + std::to_string(port)});
    return probed.exit_code == 0 ? "open" : probed.exit_code == 124 ? "filtered" : "closed";
  }
  // The body of GET / from namespace `ns` ("" when nothing answers).
  std::string http_from(const std::string& ns, const std::string& address, int port) {
    auto got = run({"ip", "netns", "exec", ns, "timeout", "5", "bash", "-c",
                    "exec 3<>/dev/tcp/" + address + "/" + std::to_string(port) +
                        " && printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3 && cat <&3"});
    auto lines = split_lines(got.out);
    return lines.empty() ? "" : std::string(trim(lines.back()));
  }
  // The body of GET / from inside the host (busybox wget; its -T crashes, hence timeout).
  std::string http_inside(const std::string& url) {
    return std::string(trim(host().exec({"timeout", "5", "busybox", "wget", "-qO-", url}).out));
  }

  // `clawshield --json verify [--only LAYER]`: id -> {status, evidence}; "error" when unreadable.
  std::map<std::string, std::pair<std::string, std::string>> verify(const std::string& only = "") {
    std::vector<std::string> argv = {"clawshield", "--json", "verify"};
    if (!only.empty())
      argv.insert(argv.end(), {"--only", only});
    auto verified = host().exec(argv, seconds(180));
    std::map<std::string, std::pair<std::string, std::string>> checks;
    auto document = nlohmann::json::parse(verified.out, nullptr, false);
    if (!document.is_object() || !document.contains("checks"))
      return {{"error", {"error", verified.out + verified.err}}};
    for (const auto& check : document["checks"])
      checks[check.value("id", "")] = {check.value("status", ""), check.value("evidence", "")};
    return checks;
  }
  static std::string listing(const std::map<std::string, std::pair<std::string, std::string>>& c,
                             const std::string& prefix) {
    std::string out;
    for (const auto& [id, check] : c)
      if (id.starts_with(prefix))
        out += "  " + id + " " + check.first + ": " + check.second + "\n";
    return out;
  }
  // Every rootless_docker.* check passes, the issue's proofs among them.
  static bool rootless_all_pass(
      const std::map<std::string, std::pair<std::string, std::string>>& c) {
    for (const auto& [id, check] : c)
      if (id.starts_with("rootless_docker.") && check.first != "pass")
        return false;
    for (const char* id : {"subordinate_ids", "daemon_config", "daemon_rootless", "socket_private",
                           "system_socket_closed", "no_docker_group_left", "gateway_docker_host"})
      if (!c.contains(std::string("rootless_docker.") + id))
        return false;
    return true;
  }

  std::string failed_units() {
    return std::string(trim(host().exec({"systemctl", "--failed", "--no-legend", "--plain"}).out));
  }
  // The gateway's last log lines, from its user unit or its system unit.
  std::string gateway_log(UnitScope scope) {
    if (scope == UnitScope::user)
      return host()
          .as_app({"journalctl", "--user", "-u", k_gateway_unit, "--no-pager", "-n", "30"})
          .out;
    return host().exec({"journalctl", "-b", "-u", k_gateway_unit, "--no-pager", "-n", "30"}).out;
  }
};

// (a) The seed's setup: the system daemon up, openclaw in `docker` (and so able to use it), the
// gateway in its enabled user unit; recorded for the rollback check. Measured: a container's
// start on the system daemon, for the side-by-side with the rootless one in (c).
TEST_F(BootedSandboxTest, BeforeTheSeedsSystemDockerSetup) {
  EXPECT_EQ(host().boot_state(), "running") << host().exec({"systemctl", "--failed"}).out;
  EXPECT_EQ(host().unit_state("docker.service"), "active");
  const std::string gid = docker_gid();
  ASSERT_FALSE(gid.empty()) << "no docker group in the image";
  EXPECT_TRUE(in_group(gid)) << host().exec({"id", "openclaw"}).out;
  EXPECT_EQ(host().user_unit_state(k_gateway_unit), "active");
  EXPECT_EQ(trim(host().as_app({"systemctl", "--user", "is-enabled", k_gateway_unit}).out),
            "enabled");
  auto reached = host().as_app({"docker", "-H", k_system_host, "ps"});
  EXPECT_EQ(reached.exit_code, 0) << "the seed's openclaw reaches the system daemon: "
                                  << reached.err;

  for (const auto& path : k_recorded) lab().digests[path] = digest(path);
  EXPECT_NE(lab().digests["/etc/group"], "absent");
  EXPECT_TRUE(lab().digests[k_user_unit_link].starts_with("link:"))
      << lab().digests[k_user_unit_link];
  lab().unit_files = unit_files();
  EXPECT_FALSE(contains(lab().unit_files, k_rootless_unit)) << lab().unit_files;
  lab().system_daemon_settings = system_daemon_settings();
  for (const auto& [path, sum] : lab().digests)
    std::cout << "[ recorded ] " << path << " " << sum << "\n";
  std::cout << "[ recorded ] system daemon " << lab().system_daemon_settings << "\n";

  // The system daemon's own copy of the image, under another name than the rootless one's
  // (so that OpenClaw's image check in (e) cannot be answered by this daemon).
  auto imported =
      host().exec({"bash", "-c",
                   "tar -C /opt/lab/busybox-rootfs -c . | docker -H " + std::string(k_system_host) +
                       " import - local/busybox-system:1"});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  const auto started = steady_clock::now();
  auto ran = host().exec(
      {"docker", "-H", k_system_host, "run", "--rm", "local/busybox-system:1", "echo", "ok"});
  const double seconds_taken = elapsed(started);
  EXPECT_EQ(trim(ran.out), "ok") << ran.err;
  if (ran.ok())
    lab().figure("docker run --rm echo ok, system daemon (as root): " +
                 std::to_string(seconds_taken) + " s");
}

// (b) apply with the default policy: the rootless daemon up, the gateway (system unit) answering,
// every rootless_docker.* check passing, openclaw out of `docker`; plan afterwards is empty.
TEST_F(BootedSandboxTest, ApplyGivesOpenClawItsOwnRootlessDaemon) {
  const auto started = steady_clock::now();
  auto applied = host().exec({"clawshield", "apply"}, seconds(300));
  ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  auto confirmed = host().exec({"clawshield", "confirm"});
  ASSERT_EQ(confirmed.exit_code, 0) << confirmed.out << confirmed.err;
  lab().applied = true;
  EXPECT_TRUE(contains(applied.out, "systemctl restart " + std::string(k_rootless_unit)))
      << applied.out;

  const bool daemon_up = BootedHost::wait_until(
      [&] {
        return host().unit_state(k_rootless_unit) == "active" &&
               docker_as_app(k_rootless_host, {"info"}, seconds(30)).ok();
      },
      seconds(120), std::chrono::milliseconds(250));
  EXPECT_TRUE(daemon_up)
      << host().exec({"journalctl", "-b", "-u", k_rootless_unit, "--no-pager", "-n", "40"}).out;
  if (daemon_up)
    lab().figure(
        "rootless daemon answering after apply began: " + std::to_string(elapsed(started)) + " s");
  const bool gateway_up = BootedHost::wait_until([&] { return host().answers(k_gateway_port); },
                                                 seconds(120), std::chrono::milliseconds(250));
  EXPECT_TRUE(gateway_up) << gateway_log(UnitScope::system);
  if (gateway_up)
    lab().figure("gateway answering after apply began: " + std::to_string(elapsed(started)) + " s");
  EXPECT_NE(host().listener_cgroup(k_gateway_port).find("system.slice/openclaw-gateway.service"),
            std::string::npos)
      << host().listener_cgroup(k_gateway_port);

  // verify, until the rootless checks pass (the gateway's DOCKER_HOST needs it running).
  std::map<std::string, std::pair<std::string, std::string>> checks;
  const bool passed = BootedHost::wait_until(
      [&] {
        checks = verify();
        return rootless_all_pass(checks);
      },
      seconds(120), seconds(3));
  EXPECT_TRUE(passed) << "rootless_docker.* after apply:\n"
                      << listing(checks, "rootless_docker.") << listing(checks, "error");
  EXPECT_EQ(checks["app_user.not_in_forbidden_groups"].first, "pass")
      << checks["app_user.not_in_forbidden_groups"].second;
  std::cout << "[ verify   ] after apply:\n"
            << listing(checks, "rootless_docker.") << listing(checks, "app_user.") << std::flush;

  auto planned = host().exec({"clawshield", "plan"}, seconds(180));
  EXPECT_EQ(planned.exit_code, 0) << planned.out << planned.err;
  EXPECT_TRUE(contains(planned.out, "0 change(s) pending")) << planned.out;
}

// (c) As openclaw, with the DOCKER_HOST the running gateway has: Docker is rootless and runs a
// container; the system daemon's socket refuses openclaw, who holds no docker gid any more.
TEST_F(BootedSandboxTest, TheGatewaysDockerHostIsTheRootlessDaemon) {
  require_apply();
  if (HasFatalFailure())
    return;
  const std::string pid = host().property(k_gateway_unit, "MainPID");
  ASSERT_FALSE(pid.empty() || pid == "0") << "the gateway is not running";
  std::string docker_host;
  for (const auto& entry : split(host().exec({"cat", "/proc/" + pid + "/environ"}).out, '\0'))
    if (entry.starts_with("DOCKER_HOST="))
      docker_host = entry.substr(12);
  ASSERT_EQ(docker_host, k_rootless_host) << "the gateway's DOCKER_HOST (pid " << pid << ")";

  auto info = docker_as_app(docker_host, {"info", "--format", "{{json .SecurityOptions}}"});
  EXPECT_EQ(info.exit_code, 0) << info.err;
  EXPECT_TRUE(contains(info.out, "name=rootless")) << info.out;

  auto imported = host().as_app({"env", "DOCKER_HOST=" + docker_host, "bash", "-c",
                                 "tar -C /opt/lab/busybox-rootfs -c . | docker import -c "
                                 "'CMD [\"/bin/httpd\",\"-f\",\"-p\",\"80\",\"-h\",\"/www\"]' - " +
                                     std::string(k_image)});
  ASSERT_EQ(imported.exit_code, 0) << imported.out << imported.err;
  const auto started = steady_clock::now();
  auto ran = docker_as_app(docker_host, {"run", "--rm", k_image, "echo", "ok"});
  const double seconds_taken = elapsed(started);
  EXPECT_EQ(trim(ran.out), "ok") << ran.err;
  if (ran.ok())
    lab().figure("docker run --rm echo ok, rootless daemon (as openclaw): " +
                 std::to_string(seconds_taken) + " s");
  std::cout << "[ rootless ] storage driver, cgroup driver, cgroup version: "
            << docker_as_app(docker_host, {"info", "--format",
                                           "{{.Driver}} {{.CgroupDriver}} {{.CgroupVersion}}"})
                   .out;

  auto system = host().as_app({"docker", "-H", k_system_host, "ps"});
  EXPECT_NE(system.exit_code, 0) << "openclaw reaches the system daemon:\n" << system.out;
  EXPECT_TRUE(contains(system.err, "permission denied")) << system.err;
  const std::string gid = docker_gid();
  EXPECT_FALSE(gid.empty());
  EXPECT_FALSE(in_group(gid)) << host().exec({"id", "openclaw"}).out;
}

// (d) Published ports of the rootless daemon are rootlesskit's sockets on the host: the daemon's
// default bind (127.0.0.1) and explicit wildcards both answer on loopback; from outside, v4 and
// v6, the firewall drops them (SSH stays open); and the containers audit names the wildcards.
TEST_F(BootedSandboxTest, RootlessPublishedPortsClosedOutsideOpenOnLoopback) {
  require_apply();
  if (HasFatalFailure())
    return;
  auto plain = docker_as_app(k_rootless_host,
                             {"run", "-d", "--name", "bs-default", "-p", "8080:80", k_image});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  auto wild = docker_as_app(k_rootless_host, {"run", "-d", "--name", "bs-wildcard", "-p",
                                              "0.0.0.0:8081:80", "-p", "[::]:8082:80", k_image});
  ASSERT_EQ(wild.exit_code, 0) << wild.err;
  std::cout << "[ sockets  ] " << host().exec({"ss", "-Hltnp"}).out;

  // Loopback, inside the host.
  EXPECT_TRUE(BootedHost::wait_until(
      [&] { return http_inside("http://127.0.0.1:8080/") == "lab-container"; }, seconds(30)));
  EXPECT_EQ(http_inside("http://127.0.0.1:8081/"), "lab-container");
  EXPECT_EQ(http_inside("http://[::1]:8082/"), "lab-container");
  // The default bind is the daemon's `ip`: loopback, not the wildcard.
  EXPECT_TRUE(contains(host().exec({"ss", "-Hltn", "sport = :8080"}).out, "127.0.0.1:8080"));

  // From outside over eth0, v4 and v6.
  for (const auto& argv : std::vector<std::vector<std::string>>{
           {"ip", "-n", lab().server_ns, "addr", "add", std::string(k_server_v6) + "/64", "dev",
            "eth0", "nodad"},
           {"ip", "-n", lab().outside_ns, "addr", "add", std::string(k_outside_v6) + "/64", "dev",
            lab().veth, "nodad"}}) {
    auto done = run(argv);
    ASSERT_TRUE(done.ok()) << join(argv, " ") << ": " << done.err;
  }
  EXPECT_EQ(probe(lab().outside_ns, k_server_v4, 22), "open");
  EXPECT_EQ(probe(lab().outside_ns, k_server_v6, 22), "open");
  for (int port : {8080, 8081, 8082})
    for (const char* address : {k_server_v4, k_server_v6})
      EXPECT_EQ(probe(lab().outside_ns, address, port), "filtered")
          << address << " port " << port << " from outside";

  // The containers audit reaches the rootless daemon and names the wildcard bindings, and
  // only those.
  auto checks = verify("containers");
  const auto& published = checks["containers.published_ports"];
  EXPECT_EQ(published.first, "fail") << published.second << listing(checks, "error");
  EXPECT_TRUE(contains(published.second, "rootless:bs-wildcard")) << published.second;
  EXPECT_TRUE(contains(published.second, "0.0.0.0:8081")) << published.second;
  EXPECT_TRUE(contains(published.second, "[::]:8082")) << published.second;
  EXPECT_FALSE(contains(published.second, "bs-default")) << published.second;
  std::cout << "[ verify   ] with the containers running:\n"
            << listing(checks, "containers.") << std::flush;
}

// (d) The tailnet: an interface named tailscale0 (a veth standing in for Tailscale's). A
// rootless daemon's published port is a socket of rootlesskit on the host, so the input chain
// decides, as for any host listener: over the tailnet only what the policy opens to trusted
// interfaces (firewall.app_ports, the gateway's port by default) answers — least privilege, no
// "everything on tailscale0". Listed there, the containers answer over the tailnet, v4 and v6,
// and stay filtered from outside.
TEST_F(BootedSandboxTest, RootlessPublishedPortsOpenOverTheTailnet) {
  require_apply();
  if (HasFatalFailure())
    return;
  for (const auto& argv : std::vector<std::vector<std::string>>{
           {"ip", "netns", "add", lab().tailnet_ns},
           {"ip", "-n", lab().tailnet_ns, "link", "set", "lo", "up"},
           {"ip", "link", "add", lab().tailnet_veth, "netns", lab().tailnet_ns, "type", "veth",
            "peer", "name", "tailscale0", "netns", lab().server_ns},
           {"ip", "-n", lab().tailnet_ns, "addr", "add", std::string(k_tailnet_peer_v4) + "/10",
            "dev", lab().tailnet_veth},
           {"ip", "-n", lab().tailnet_ns, "addr", "add", std::string(k_tailnet_peer_v6) + "/48",
            "dev", lab().tailnet_veth, "nodad"},
           {"ip", "-n", lab().tailnet_ns, "link", "set", lab().tailnet_veth, "up"},
           {"ip", "-n", lab().server_ns, "addr", "add", std::string(k_tailnet_server_v4) + "/10",
            "dev", "tailscale0"},
           {"ip", "-n", lab().server_ns, "addr", "add", std::string(k_tailnet_server_v6) + "/48",
            "dev", "tailscale0", "nodad"},
           {"ip", "-n", lab().server_ns, "link", "set", "tailscale0", "up"}}) {
    auto done = run(argv);
    ASSERT_TRUE(done.ok()) << join(argv, " ") << ": " << done.err;
  }
  // The link works (SSH answers over it); the containers' ports are not the app's: filtered.
  EXPECT_EQ(probe(lab().tailnet_ns, k_tailnet_server_v4, 22), "open");
  EXPECT_EQ(probe(lab().tailnet_ns, k_tailnet_server_v6, 22), "open");
  EXPECT_EQ(probe(lab().tailnet_ns, k_tailnet_server_v4, 8081), "filtered");
  EXPECT_EQ(probe(lab().tailnet_ns, k_tailnet_server_v6, 8082), "filtered");

  // The admin opens them to the tailnet (trusted interfaces) in the policy.
  host().write_file("/etc/clawshield/policy.yaml",
                    std::string(k_policy) + "firewall:\n  app_ports: [18789, 8081, 8082]\n", 0600);
  auto applied = host().exec({"clawshield", "apply"}, seconds(300));
  ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  auto confirmed = host().exec({"clawshield", "confirm"});
  EXPECT_EQ(confirmed.exit_code, 0) << confirmed.out << confirmed.err;
  EXPECT_EQ(http_from(lab().tailnet_ns, k_tailnet_server_v4, 8081), "lab-container")
      << "8081 over tailscale0 (v4): " << probe(lab().tailnet_ns, k_tailnet_server_v4, 8081) << "\n"
      << host().exec({"nft", "list", "chain", "inet", "clawshield", "input"}).out;
  EXPECT_EQ(http_from(lab().tailnet_ns, k_tailnet_server_v6, 8082), "lab-container")
      << "8082 over tailscale0 (v6): " << probe(lab().tailnet_ns, k_tailnet_server_v6, 8082);
  for (int port : {8081, 8082})
    for (const char* address : {k_server_v4, k_server_v6})
      EXPECT_EQ(probe(lab().outside_ns, address, port), "filtered")
          << address << " port " << port << " from outside, listed as an app port";

  // Back to the first apply's state (the byte-for-byte rollback of (f) is that one's): this
  // apply rolled back, the policy as it was.
  auto undone = host().exec({"clawshield", "rollback"}, seconds(300));
  EXPECT_EQ(undone.exit_code, 0) << undone.out << undone.err;
  host().write_file("/etc/clawshield/policy.yaml", k_policy, 0600);
  EXPECT_EQ(probe(lab().tailnet_ns, k_tailnet_server_v4, 8081), "filtered");

  // Done with the containers; the audit passes again without them.
  auto removed = docker_as_app(k_rootless_host, {"rm", "-f", "bs-default", "bs-wildcard"});
  EXPECT_EQ(removed.exit_code, 0) << removed.err;
  auto checks = verify("containers");
  EXPECT_EQ(checks["containers.published_ports"].first, "pass")
      << checks["containers.published_ports"].second;
}

// (e) The real OpenClaw's own view, with no model key: its doctor finds Docker and the sandbox
// image through DOCKER_HOST (and says so when Docker is not there: the check is real), and the
// gateway itself creates and starts an agent sandbox on the rootless daemon when an automation
// script (a cron "script" payload, no model turn) runs `exec` in it.
TEST_F(BootedSandboxTest, OpenClawsDoctorAndGatewayUseTheRootlessSandbox) {
  require_apply();
  if (HasFatalFailure())
    return;
  auto config_set = [&](const std::string& key, const std::string& value) {
    auto set = host().as_app({"openclaw", "config", "set", key, value}, seconds(120));
    EXPECT_EQ(set.exit_code, 0) << key << ": " << set.out << set.err;
    return set.ok();
  };
  auto doctor = [&](const std::string& docker_host) {
    auto done = host().as_app(
        {"env", "DOCKER_HOST=" + docker_host, "openclaw", "doctor", "--non-interactive"},
        seconds(300));
    return done.out + done.err;
  };
  ASSERT_TRUE(config_set("agents.defaults.sandbox.mode", "all"));
  // Control: an image only the system daemon has is missing for OpenClaw's doctor, so its image
  // check asks the rootless daemon.
  ASSERT_TRUE(config_set("agents.defaults.sandbox.docker.image", "local/busybox-system:1"));
  const std::string on_system_only = doctor(k_rootless_host);
  EXPECT_TRUE(contains(on_system_only, "image missing"))
      << "control (an image of the system daemon's only):\n"
      << on_system_only;
  ASSERT_TRUE(config_set("agents.defaults.sandbox.docker.image", k_image));
  auto restarted = host().exec({"systemctl", "restart", k_gateway_unit});
  ASSERT_EQ(restarted.exit_code, 0) << restarted.err;
  ASSERT_TRUE(BootedHost::wait_until([&] { return host().answers(k_gateway_port); }, seconds(120),
                                     std::chrono::milliseconds(250)))
      << gateway_log(UnitScope::system);

  // The doctor: no sandbox note means Docker and the image were found (OpenClaw prints no
  // positive verdict). The CLI runs `docker` itself, so DOCKER_HOST is the shell's.
  const auto started = steady_clock::now();
  const std::string said = doctor(k_rootless_host);
  lab().figure("openclaw doctor --non-interactive: " + std::to_string(elapsed(started)) + " s");
  EXPECT_TRUE(contains(said, "Doctor complete")) << said;
  EXPECT_FALSE(contains(said, "Docker is not available")) << said;
  EXPECT_FALSE(contains(said, "image missing")) << said;
  const std::string control = doctor("unix:///nonexistent.sock");
  EXPECT_TRUE(contains(control, "Docker is not available"))
      << "control (no daemon at DOCKER_HOST):\n"
      << control;

  // The gateway: an automation script whose exec runs in the agent's sandbox. The gateway
  // creates the container (docker create + start) before the script runs; the CLI only asks it
  // to run the job.
  host().write_file(k_probe_path, k_probe_script, 0644);
  std::string job;
  CommandResult added;
  BootedHost::wait_until(  // the gateway takes the job once its startup is through
      [&] {
        added =
            host().as_app({"openclaw", "automations", "add", "--name", "bs-sandbox-probe",
                           "--agent", "main", "--every", "24h", "--disabled", "--session",
                           "isolated", "--no-deliver", "--tools", "exec", "--script", k_probe_path},
                          seconds(120));
        auto document = nlohmann::json::parse(added.out, nullptr, false);
        if (document.is_object())
          job =
              document.contains("job") ? document["job"].value("id", "") : document.value("id", "");
        return added.ok() && !job.empty();
      },
      seconds(90), seconds(3));
  ASSERT_FALSE(job.empty()) << "openclaw automations add: " << added.out << added.err;
  const auto running = steady_clock::now();
  auto ran = host().as_app(
      {"openclaw", "automations", "run", job, "--wait", "--wait-timeout", "3m"}, seconds(240));
  const double run_seconds = elapsed(running);
  EXPECT_EQ(ran.exit_code, 0) << ran.out << ran.err;
  auto outcome = nlohmann::json::parse(ran.out, nullptr, false);
  EXPECT_TRUE(outcome.is_object() && outcome.value("completionStatus", "") == "succeeded")
      << ran.out << ran.err
      << host().as_app({"openclaw", "automations", "runs", job}, seconds(60)).out;
  if (ran.ok())
    lab().figure("automation run through the gateway (sandbox create + start + exec): " +
                 std::to_string(run_seconds) + " s");

  // The sandbox is on the rootless daemon, the script's exec ran in it, and it is as
  // OpenClaw makes them; none on the system daemon.
  auto listed = docker_as_app(k_rootless_host, {"ps", "-a", "--filter", "label=openclaw.sandbox=1",
                                                "--format", "{{.Names}} {{.Image}} {{.State}}"});
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  auto lines = split_lines(std::string(trim(listed.out)));
  ASSERT_EQ(lines.size(), 1u) << "sandbox containers on the rootless daemon:\n" << listed.out;
  auto fields = split(std::string(lines.front()), ' ');
  ASSERT_EQ(fields.size(), 3u) << listed.out;
  const std::string sandbox = fields[0];
  EXPECT_TRUE(sandbox.starts_with("openclaw-sbx-")) << sandbox;
  EXPECT_EQ(fields[1], k_image);
  EXPECT_EQ(fields[2], "running");
  auto marker = docker_as_app(k_rootless_host, {"exec", sandbox, "cat", "/tmp/bs-probe"});
  EXPECT_EQ(trim(marker.out), "sandbox-exec-ok 1000") << marker.err;
  auto inspected =
      docker_as_app(k_rootless_host, {"inspect", "-f",
                                      "{{.HostConfig.ReadonlyRootfs}} {{.HostConfig.CapDrop}} "
                                      "{{.HostConfig.SecurityOpt}} {{.HostConfig.NetworkMode}}",
                                      sandbox});
  EXPECT_EQ(trim(inspected.out), "true [ALL] [no-new-privileges] none") << inspected.err;
  // Its workspace (OpenClaw's ~/.openclaw/sandboxes/..., bound at /workspace) is writable for
  // the container's root, who is openclaw on the host and owns it, as under the system daemon.
  auto wrote = docker_as_app(k_rootless_host, {"exec", "-u", "0:0", sandbox, "/bin/sh", "-c",
                                               "touch /workspace/.bs-write"});
  EXPECT_EQ(wrote.exit_code, 0)
      << "the sandbox's workspace is not writable by the workspace's owner: " << wrote.out
      << wrote.err
      << "(the rootless daemon's unit has ProtectHome=read-only: every bind from the home is "
         "read-only in the sandboxes)";
  auto on_system = host().exec(
      {"docker", "-H", k_system_host, "ps", "-a", "-q", "--filter", "label=openclaw.sandbox=1"});
  EXPECT_EQ(on_system.exit_code, 0) << on_system.err;
  EXPECT_EQ(trim(on_system.out), "") << "sandboxes on the system daemon";

  // Cleanup: the job and the sandbox.
  host().as_app({"openclaw", "automations", "rm", job}, seconds(60));
  docker_as_app(k_rootless_host, {"rm", "-f", sandbox});
  host().exec({"rm", "-f", k_probe_path});
}

// (f) rollback: the seed's system-docker setup back byte for byte, openclaw in `docker` again,
// the rootless daemon gone, the user unit running the gateway again.
TEST_F(BootedSandboxTest, RollbackRestoresTheSystemDockerSetup) {
  require_apply();
  if (HasFatalFailure())
    return;
  EXPECT_EQ(host().unit_state(k_rootless_unit), "active");  // something to undo
  const auto started = steady_clock::now();
  auto rolled_back = host().exec({"clawshield", "rollback"}, seconds(300));
  EXPECT_EQ(rolled_back.exit_code, 0) << rolled_back.out << rolled_back.err;
  if (!rolled_back.ok() && contains(rolled_back.err, "not rolling back")) {
    // Refused (nothing changed): the rest is still worth knowing, so roll back by force.
    ADD_FAILURE() << "plain rollback refused after a rootless apply (the daemon fills the data "
                     "root the apply created); checking the rest after --force";
    rolled_back = host().exec({"clawshield", "rollback", "--force"}, seconds(300));
    ASSERT_EQ(rolled_back.exit_code, 0) << rolled_back.out << rolled_back.err;
  }
  lab().figure("clawshield rollback: " + std::to_string(elapsed(started)) + " s");

  for (const auto& path : k_recorded)
    EXPECT_EQ(digest(path), lab().digests[path]) << path << " is not what it was before apply";
  EXPECT_TRUE(in_group(docker_gid())) << host().exec({"id", "openclaw"}).out;
  EXPECT_NE(host().unit_state(k_rootless_unit), "active");
  EXPECT_EQ(digest(std::string("/etc/systemd/system/") + k_rootless_unit), "absent");
  EXPECT_EQ(unit_files(), lab().unit_files);
  // The system daemon runs with the seed's settings again, not those of apply's daemon.json.
  EXPECT_EQ(system_daemon_settings(), lab().system_daemon_settings)
      << "the system daemon still runs with the settings of the daemon.json rollback removed";
  auto reached = host().as_app({"docker", "-H", k_system_host, "ps"});
  EXPECT_EQ(reached.exit_code, 0) << "openclaw reaches the system daemon again: " << reached.err;

  // The gateway back in its user unit, enabled and answering.
  EXPECT_EQ(trim(host().as_app({"systemctl", "--user", "is-enabled", k_gateway_unit}).out),
            "enabled");
  EXPECT_TRUE(BootedHost::wait_until(
      [&] { return host().user_unit_state(k_gateway_unit) == "active"; }, seconds(60)));
  EXPECT_TRUE(BootedHost::wait_until([&] { return host().answers(k_gateway_port); }, seconds(120)))
      << gateway_log(UnitScope::user);
  EXPECT_NE(host().listener_cgroup(k_gateway_port).find("user@"), std::string::npos)
      << host().listener_cgroup(k_gateway_port);
  EXPECT_EQ(failed_units(), "");
}

}  // namespace
}  // namespace clawshield
