// A booted Debian 12 host for tests (tests/booted_host/lab): systemd as PID 1 in a container
// with its own network namespace and the real OpenClaw installed and onboarded, so the paths
// that need a running systemd (daemon-reload, enable, restart, transient units, Type=notify)
// run for real. Every command goes through the argv-only runner; the host is destroyed with
// the object.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "host/runner.h"

namespace clawshield::testing {

// Why a booted host cannot run on this machine ("" when it can): not root, or
// systemd-nspawn / mmdebstrap missing.
std::string booted_host_unavailable();

class BootedHost {
 public:
  BootedHost() = default;
  BootedHost(const BootedHost&) = delete;
  BootedHost& operator=(const BootedHost&) = delete;
  ~BootedHost();

  // Builds the image if needed (cached; waits for a build under way) and boots host `name`
  // ([a-z0-9-], at most 15, unique per test) with `binds` ("HOST:PATH", read-only). False with
  // `why` when the image cannot be built or the host does not boot; the caller skips.
  bool start(const std::string& name, const std::vector<std::string>& binds, std::string& why);
  // `systemctl is-system-running` at the end of the last boot (running, degraded, ...).
  const std::string& boot_state() const { return m_state; }
  const std::string& name() const { return m_name; }

  // Runs `argv` inside (all of PID 1's namespaces), as root / as the app user with its user
  // manager's environment.
  CommandResult exec(const std::vector<std::string>& argv,
                     std::chrono::seconds timeout = std::chrono::seconds(120));
  CommandResult as_app(const std::vector<std::string>& argv,
                       std::chrono::seconds timeout = std::chrono::seconds(120));
  // Powers off and boots the same overlay again; returns the new boot state.
  std::string reboot();
  // Powers off and removes the overlay (and the namespace if lab created it). Idempotent.
  void destroy();
  // The host's root folder as seen from this machine (the overlay), for writing files in.
  std::string root();
  // Writes `content` to `path` inside the host (through root()), creating parents.
  void write_file(const std::string& path, const std::string& content, unsigned mode = 0644);

  // Polls `predicate` every `interval` until it holds or `timeout` passes.
  static bool wait_until(const std::function<bool()>& predicate, std::chrono::seconds timeout,
                         std::chrono::milliseconds interval = std::chrono::milliseconds(500));
  // Something listens on TCP `port` inside (`ss -Hltn`).
  bool listening(int port);
  // A TCP connect to 127.0.0.1:`port` inside succeeds.
  bool answers(int port);
  // `systemctl is-active UNIT` (active, inactive, failed, ...), system or the app user's.
  std::string unit_state(const std::string& unit);
  std::string user_unit_state(const std::string& unit);
  // `systemctl show UNIT -p PROPERTY --value`.
  std::string property(const std::string& unit, const std::string& name);
  // The cgroup (from /proc/PID/cgroup) of the process listening on TCP `port`, "" if none:
  // tells a system unit's gateway from the user manager's.
  std::string listener_cgroup(int port);

 private:
  CommandResult lab(std::vector<std::string> args, std::chrono::seconds timeout);

  std::string m_name;
  std::string m_state;
  bool m_started = false;
};

}  // namespace clawshield::testing
