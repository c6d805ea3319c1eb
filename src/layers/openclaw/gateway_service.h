// Where and how the OpenClaw gateway really runs. `openclaw onboard --install-daemon` writes a
// systemd *user* unit in the app user's home (openclaw-gateway.service, with a -<profile>
// suffix under OPENCLAW_PROFILE); some installs write a system unit by hand; our own model is a
// system unit rendered from the policy. Layers that harden, verify or grant sudo for "the
// gateway's unit" ask here, so they all mean the same unit.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "host/host.h"
#include "layers/layer.h"
#include "policy/policy.h"

namespace clawshield {

// Where the gateway's command line came from.
enum class GatewaySource { user_unit, system_unit, policy };

// A user unit found in ~/.config/systemd/user.
struct UserUnit {
  std::string name;  // "openclaw-gateway" (no .service)
  std::string path;  // its file, inside the root
  // The `<target>.wants/<name>.service` links that enable it.
  std::vector<std::string> enabled_by;
};

struct GatewayService {
  GatewaySource source = GatewaySource::policy;
  std::string name;      // the system unit's name, without .service
  std::string found_at;  // the unit file the command was read from ("" for the policy)
  std::string exec_start;
  std::vector<std::string> environment;                               // Environment= values
  std::vector<std::pair<std::string, std::string>> unit_settings;     // carried from [Unit]
  std::vector<std::pair<std::string, std::string>> service_settings;  // from [Service]
  // Settings of the found unit that the hardened unit leaves out, each with the reason.
  std::vector<std::string> left_out;
  std::optional<UserUnit> user_unit;          // the user unit to retire, when there is one
  std::vector<std::string> other_user_units;  // further openclaw-gateway*.service found
  int port = 18789;
  std::string port_source = "OpenClaw's default";

  std::string unit_file() const { return "/etc/systemd/system/" + name + ".service"; }
  // One line for plan and verify: what was found, where.
  std::string describe() const;
};

// The first line of every unit clawshield writes.
inline constexpr std::string_view k_managed_header = "# Managed by clawshield";

// Finds the gateway: a system unit of the policy's or OpenClaw's name not written by clawshield,
// else a user unit in the app user's ~/.config/systemd/user (read without following links:
// the app user controls that folder), else the policy's command. app.exec_start and
// app.service set in the policy win over what is found. Errors: a unit that exists but cannot
// be read or carried safely (a prefixed ExecStart, line continuations).
Result<GatewayService> discover_gateway(const HostView& host, const Policy& policy);

// The ports the firewall opens to trusted interfaces for the app: the policy's when it sets
// firewall.app_ports, else the gateway's port as discovered (the policy's default when the
// gateway cannot be read).
std::vector<int> gateway_app_ports(const HostView& host, const Policy& policy);

// The *.wants/ links in the app user's ~/.config/systemd/user that enable its unit
// `unit_file_name` ("openclaw-gateway.service"), read without following links (the user
// controls that folder). Empty when nothing enables it or there is no such folder.
Result<std::vector<std::string>> user_unit_enabled_by(const Filesystem& fs, const std::string& home,
                                                      const std::string& unit_file_name);

// How long stopping the app user's units may take: OpenClaw's own unit gives its gateway
// TimeoutStopSec=330 to finish, and a `systemctl` that stops it waits that long (the runner's
// default of 120 s would kill it and fail the apply midway).
inline constexpr std::chrono::seconds k_user_units_stop_time{400};

// The argv that runs `systemctl --user` as the app user against its running service manager
// (a clean environment: nothing of root's for a process the user can trace), or nullopt when
// that manager is not running (its units cannot be changed from outside then).
Result<std::optional<std::vector<std::string>>> user_systemctl(const HostView& host,
                                                               const AppPolicy& app);

// The action that stops and disables the app user's unit `unit` through its own manager
// (`as_user` from user_systemctl), undone by enabling and starting it again; both may take
// k_user_units_stop_time.
RunCommand retire_user_unit(const std::vector<std::string>& as_user, const std::string& unit,
                            std::string summary);

// The value of `--port N` / `--port=N` in a command line, if any.
std::optional<int> port_argument(const std::string& command_line);

// A systemd unit's settings in file order: (section, key, value), comments and blank lines
// skipped. ErrorCode::bad_input for a line continuation or a line outside any section.
struct UnitSetting {
  std::string section;
  std::string key;
  std::string value;
  int line = 0;
};
Result<std::vector<UnitSetting>> parse_unit_file(const std::string& text,
                                                 const std::string& display);

}  // namespace clawshield
