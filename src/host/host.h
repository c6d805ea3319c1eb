// The machine clawshield works on, passed to every step: its files (under a root), its
// programs (argv-only runner), its clock, and whether live actions may run.
#pragma once

#include <optional>
#include <string>

#include "host/clock.h"
#include "host/filesystem.h"
#include "host/nftables.h"
#include "host/runner.h"

namespace clawshield {

// `offline`: never touch the running system (services, packages, firewall).
enum class Liveness { live, offline };

// What an action needs beyond files under the root.
enum class Requirement {
  none,         // works on any root (files, tools that take --root/--prefix)
  live_system,  // changes the running system: root must be "/" and not --offline
  systemd,      // talks to systemd: live_system, and systemd must be running
  network,      // changes the kernel's network state (firewall): not --offline, and the
                // network namespace we run in belongs to the host (root "/" or --netns)
};

struct HostView;

// Whether a firewall that would cut the admin's own SSH session may be loaded anyway.
enum class LockoutGuard { enforce, forced };

struct Host {
  Filesystem& fs;
  CommandRunner& runner;
  const Clock& clock;
  Nftables& nft;
  Liveness liveness = Liveness::offline;
  bool systemd_running = false;
  // True when this process's network namespace is the managed host's: the root is "/", or
  // --netns moved us into the host's namespace.
  bool own_network = false;
  // The admin's session as sshd describes it ("client_ip client_port server_ip server_port"),
  // if clawshield runs over SSH in this network namespace (see host/session.h).
  std::optional<std::string> ssh_connection = std::nullopt;
  // Set when clawshield looks remote (under sudo, below an sshd) but its session's endpoints
  // cannot be found: why. A firewall change is then refused unless forced.
  std::optional<std::string> session_unknown = std::nullopt;
  LockoutGuard lockout_guard = LockoutGuard::enforce;
  // The Docker Engine API's socket (the policy's, or DOCKER_HOST's unix:// path).
  std::string docker_socket = "/var/run/docker.sock";

  // Why an action with `requirement` cannot run here, or nullopt when it can.
  std::optional<std::string> skip_reason(Requirement requirement) const;
  // The host as planning and verifying see it (files read-only).
  HostView view() const;
};

// The host for what only looks — a layer saying what it wants or checking what is there, the
// engine reconciling a plan: the same machine as Host, but its files only readable, so a
// write there does not compile. The runner and netfilter stay as they are: verify asks
// `systemctl is-active`, `nft list`, and neither interface tells a query from a change. The
// rest is a copy of Host's values, taken by Host::view().
struct HostView {
  const Filesystem& fs;
  CommandRunner& runner;
  const Clock& clock;
  Nftables& nft;
  Liveness liveness;
  bool systemd_running;
  bool own_network;
  std::optional<std::string> ssh_connection;
  std::optional<std::string> session_unknown;
  LockoutGuard lockout_guard;
  std::string docker_socket;

  // As Host::skip_reason.
  std::optional<std::string> skip_reason(Requirement requirement) const;
};

// Reads a file of the kernel's view of this process (/proc/self/net/tcp, ...). Not under the
// root: it describes the network namespace clawshield runs in.
Result<std::string> read_kernel_file(const std::string& path);

// True when `fs` is the running system's root and systemd is PID 1 there (sd_booted's test).
bool detect_systemd(const Filesystem& fs);

// The container manager `fs` runs under ("systemd-nspawn", "lxc", "docker", "podman",
// "openvz"), or nullopt on a machine of its own. Read through `fs`, as systemd-detect-virt
// --container reads it: /run/systemd/container (systemd writes it as PID 1 of a container),
// /.dockerenv, /run/.containerenv, OpenVZ's /proc/vz without /proc/bc, then PID 1's
// `container=` environment. An unreadable marker is an error, never "no container", except
// PID 1's environment where systemd's own marker already answered.
Result<std::optional<std::string>> detect_container(const Filesystem& fs);

// True when the kernel folder `path` (/proc/sys/net) is mounted read-only in this process's
// view: a container manager keeps those settings to itself.
Result<bool> kernel_folder_read_only(const std::string& path);

}  // namespace clawshield
