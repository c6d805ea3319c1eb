// The machine clawshield works on, passed to every step: its files (under a root), its
// programs (argv-only runner), its clock, and whether live actions may run.
#pragma once

#include <optional>
#include <string>

#include "host/clock.h"
#include "host/filesystem.h"
#include "host/runner.h"

namespace clawshield {

// `offline`: never touch the running system (services, packages, firewall).
enum class Liveness { live, offline };

// What an action needs beyond files under the root.
enum class Requirement {
  none,         // works on any root (files, tools that take --root/--prefix)
  live_system,  // changes the running system: root must be "/" and not --offline
  systemd,      // talks to systemd: live_system, and systemd must be running
};

struct Host {
  Filesystem& fs;
  CommandRunner& runner;
  const Clock& clock;
  Liveness liveness = Liveness::offline;
  bool systemd_running = false;

  // Why an action with `requirement` cannot run here, or nullopt when it can.
  std::optional<std::string> skip_reason(Requirement requirement) const;
};

// True when `fs` is the running system's root and systemd is PID 1 there (sd_booted's test).
bool detect_systemd(const Filesystem& fs);

}  // namespace clawshield
