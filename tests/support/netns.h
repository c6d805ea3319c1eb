// The network harness: an "outside" namespace (the internet), a "server" namespace (the host
// clawshield hardens) and a "tailnet" namespace joined to the server by an interface named
// tailscale0 — each with unique names, IPv4 and IPv6 addresses, removed on destruction.
// Only addresses inside these namespaces are ever contacted.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "host/runner.h"

namespace clawshield::testing {

// A process started in the background, stopped (SIGTERM, then SIGKILL) when destroyed.
class BackgroundProcess {
 public:
  // Output goes to `log` (appended), or nowhere.
  explicit BackgroundProcess(const std::vector<std::string>& argv, const std::string& log = "");
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;
  ~BackgroundProcess();
  pid_t pid() const { return m_pid; }
  bool running() const;

 private:
  pid_t m_pid = -1;
};

enum class PortState { open, closed, filtered };
const char* port_state_name(PortState state);

struct Address {
  std::string v4;
  std::string v6;
};

class NetnsHarness {
 public:
  NetnsHarness();
  NetnsHarness(const NetnsHarness&) = delete;
  NetnsHarness& operator=(const NetnsHarness&) = delete;
  ~NetnsHarness();

  const std::string& outside() const { return m_outside; }
  const std::string& server() const { return m_server; }
  const std::string& tailnet() const { return m_tailnet; }
  // The server as seen from outside (its eth0) and from the tailnet (its tailscale0).
  static Address server_outside_address() { return {"10.77.0.2", "fd00:77::2"}; }
  static Address server_tailnet_address() { return {"100.64.0.1", "fd7a:115c:a1e0::1"}; }
  static Address outside_address() { return {"10.77.0.1", "fd00:77::1"}; }

  // Runs argv inside namespace `ns` (ip netns exec) and waits.
  CommandResult run_in(const std::string& ns, const std::vector<std::string>& argv);
  // Starts argv inside `ns` in the background; stopped with the harness.
  BackgroundProcess& start_in(const std::string& ns, const std::vector<std::string>& argv);
  // A real sshd in the server namespace on `port` (all addresses, both families).
  void start_sshd(int port = 22);
  // A real sshd in the server namespace on port 22 that logs through a real rsyslogd (RFC 3339
  // lines with microseconds) to `log_file` (a host path), as on a server.
  void start_logged_sshd(const std::string& log_file);
  // `count` password failures against the server's sshd from namespace `ns` (sshpass).
  void ssh_failures(const std::string& ns, const std::string& address, int count);

  // busybox httpd in `ns` on `port` (all addresses).
  void start_http(const std::string& ns, int port);

  // Real dockerd (Debian's docker.io) for the server namespace, with its own data-root,
  // exec-root and socket; false (with `why`) when dockerd is not installed or will not start.
  // With `config_file`, dockerd reads its settings from there (clawshield's daemon.json);
  // otherwise IPv6 with ip6tables is switched on by flags.
  bool start_docker(std::string& why, const std::string& config_file = "");
  void stop_docker();
  std::string docker_socket() const { return "/run/" + m_server + "-docker/sock"; }
  // `docker -H <our socket> args...`.
  CommandResult docker(const std::vector<std::string>& args);
  CommandResult docker_with_input(const std::vector<std::string>& args, const std::string& input);
  // Imports a busybox-static root as local/busybox:1 (CMD: httpd on port 80); no registry.
  void import_busybox_image();
  // The image imported and a container "web" from it, publishing `publish` (8080:80).
  CommandResult run_web_container(const std::string& publish = "8080:80");

  // TCP connect from namespace `ns` to `address` on each of `ports`, all at once, waiting
  // `timeout_ms` for answers: open (connected), closed (refused), filtered (no answer).
  std::map<int, PortState> probe(const std::string& ns, const std::string& address,
                                 const std::vector<int>& ports, int timeout_ms = 1500);
  PortState probe_one(const std::string& ns, const std::string& address, int port,
                      int timeout_ms = 1500);

  const std::string& work_dir() const { return m_work; }

 private:
  void ip(const std::vector<std::string>& args);

  std::string m_outside, m_server, m_tailnet;
  std::string m_work;
  std::vector<std::unique_ptr<BackgroundProcess>> m_processes;
  std::unique_ptr<BackgroundProcess> m_dockerd;
};

// True when this machine can make namespaces and nftables tables (root, iproute2, nft).
bool netns_available(std::string& why);

}  // namespace clawshield::testing

#define SKIP_UNLESS_NETNS()                              \
  do {                                                   \
    std::string cs_why;                                  \
    if (!::clawshield::testing::netns_available(cs_why)) \
      GTEST_SKIP() << cs_why;                            \
  } while (false)
